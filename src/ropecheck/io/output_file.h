// Writing a file at a path the user named, without ever harming what is there.
//
// Contract of write_output_file(path, bytes):
//  - Absent path (its missing parent directories are created), or a path that names a
//    regular file (directly or through symbolic links): the file is replaced atomically —
//    a temporary beside the final target, fsync, rename — so the path holds the old file
//    or the whole new one, never a half-written one; a symbolic link stays a link and its
//    target is what gets replaced.
//  - Anything else that can be written (a character device such as /dev/null or /dev/full,
//    a FIFO, a terminal, /dev/stdout): opened without O_CREAT and written in place; a path
//    that is this process's own standard output or error is written through that stream.
//  - Refused, with nothing written: a directory, a dangling symbolic link, a parent that is
//    not a directory, a socket, and any file that is one of the run's inputs (input_file.h's
//    registry: golden, candidate, catalogue, baseline, plugin).
//  - Every write, fsync and close is checked. Every failure is InvalidInput, one line
//    naming the path and the step ("<path>: cannot write: <step>: <strerror>").
//  - check_output_path(path) applies the refusals above before a run does its work, so a
//    bad --out or --json is exit 2 at once, not after the sweep; write_output_file checks
//    again when it writes (the inputs a run read are all registered by then).
#pragma once

#include <filesystem>
#include <span>
#include <string_view>

namespace ropecheck::io {

void write_output_file(const std::filesystem::path& path, std::span<const unsigned char> bytes);
void write_output_file(const std::filesystem::path& path, std::string_view text);

// For an output directory (report --out, golden --out, apply --out): it exists as a
// directory (through symbolic links) or can be created; refused otherwise.
void check_output_directory(const std::filesystem::path& dir);
void check_output_path(const std::filesystem::path& path);

}  // namespace ropecheck::io
