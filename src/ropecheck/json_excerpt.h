// A JSON value from an input file, named in an error message.
//
// Contract:
//  - json_excerpt(v) is one line of at most a few hundred bytes, whatever v is: a number,
//    true, false or null as its JSON text; a string as its JSON text, cut to
//    kMaxExcerptBytes (on a UTF-8 boundary, with an ellipsis); an array or object by its
//    kind and size only ("an array of 3 elements", "an object of 2 keys").
//  - It never recurses into v. nlohmann parses input of any depth without recursion, but
//    dump() recurses once per level: a catalogue entry whose "heads" nested 200 000
//    arrays overflowed the stack while its error message was written.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace ropecheck {

// Longest piece of a string value quoted in a message: enough to recognise the value,
// short enough that a megabyte-long string still gives a one-line message.
inline constexpr std::size_t kMaxExcerptBytes = 96;

std::string json_excerpt(const nlohmann::json& v);

}  // namespace ropecheck
