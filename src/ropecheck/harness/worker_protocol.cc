#include "ropecheck/harness/worker_protocol.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/harness/untrusted_text.h"
#include "ropecheck/io/safetensors.h"

namespace ropecheck::harness {
namespace {

using Metadata = std::map<std::string, std::string>;

[[noreturn]] void fail(std::string_view what, std::string_view detail) {
  throw ImplementationFailure(fmt::format("{}: {}", what, detail));
}

// The reply as safetensors, through the hardened reader; its rule violations are the
// worker's failure, not bad input of the user's.
io::SafetensorsFile parse_blob(std::span<const unsigned char> blob, std::string_view what) {
  try {
    return io::parse_safetensors(blob, what);
  } catch (const InvalidInput& e) {
    throw ImplementationFailure(fmt::format("{}: not a valid message: {}", what, e.what()));
  }
}

const std::string* find_key(const Metadata& metadata, std::string_view key) {
  const auto it = metadata.find(std::string(key));
  return it == metadata.end() ? nullptr : &it->second;
}

std::string shown(std::string_view text) { return fmt::format("'{}'", printable(text, kMaxWorkerMessageBytes)); }

void expect_value(const Metadata& metadata, std::string_view key, std::string_view expected, std::string_view what) {
  const std::string* value = find_key(metadata, key);
  if (!value) fail(what, fmt::format("no metadata '{}' (expected '{}')", key, expected));
  if (*value != expected) fail(what, fmt::format("metadata '{}' is {}, expected '{}'", key, shown(*value), expected));
}

// A message from the worker: printable, one line, bounded.
std::string worker_text(std::string_view text, std::size_t max_bytes) { return printable(text, max_bytes); }

io::StDtype st_dtype(Dtype dtype) { return io::st_dtype_of(dtype); }

template <class Enum, std::size_t N>
std::vector<Enum> parse_names(const nlohmann::json& j, std::string_view field, const std::pair<std::string_view, Enum> (&known)[N]) {
  if (!j.is_array()) fail("hello reply: supports", fmt::format("'{}' is not an array of names", field));
  std::vector<Enum> values;
  for (const auto& item : j) {
    if (!item.is_string()) fail("hello reply: supports", fmt::format("'{}' holds a non-string", field));
    const std::string& name = item.get_ref<const std::string&>();
    const auto it = std::find_if(std::begin(known), std::end(known), [&](const auto& k) { return k.first == name; });
    if (it == std::end(known)) fail("hello reply: supports", fmt::format("'{}' names unknown value {}", field, shown(name)));
    if (std::find(values.begin(), values.end(), it->second) == values.end()) values.push_back(it->second);
  }
  return values;
}

constexpr std::pair<std::string_view, Dtype> kDtypeNames[] = {{"f32", Dtype::f32}, {"bf16", Dtype::bf16}, {"f16", Dtype::f16}};
constexpr std::pair<std::string_view, Layout> kLayoutNames[] = {{"interleaved", Layout::interleaved},
                                                                 {"half_split", Layout::half_split}};
constexpr std::pair<std::string_view, ScalingType> kScalingNames[] = {
    {"none", ScalingType::none},     {"linear", ScalingType::linear},     {"dynamic", ScalingType::dynamic},
    {"yarn", ScalingType::yarn},     {"llama3", ScalingType::llama3},     {"longrope", ScalingType::longrope},
    {"proportional", ScalingType::proportional}};

bool parse_flag(const nlohmann::json& j, std::string_view field) {
  if (!j.is_boolean()) fail("hello reply: supports", fmt::format("'{}' is not true or false", field));
  return j.get<bool>();
}

std::uint64_t parse_decimal(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return UINT64_MAX;
  return value;
}

}  // namespace

std::vector<unsigned char> frame(std::span<const unsigned char> blob) {
  std::vector<unsigned char> message(kFrameLengthBytes + blob.size());
  const std::uint64_t n = blob.size();
  for (std::size_t i = 0; i < kFrameLengthBytes; ++i) message[i] = static_cast<unsigned char>(n >> (8 * i));
  if (!blob.empty()) std::memcpy(message.data() + kFrameLengthBytes, blob.data(), blob.size());
  return message;
}

std::uint64_t frame_length(std::span<const unsigned char, kFrameLengthBytes> prefix) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < kFrameLengthBytes; ++i) n |= std::uint64_t{prefix[i]} << (8 * i);
  return n;
}

std::string capabilities_to_json_text(const Capabilities& c) {
  nlohmann::json j;
  j["dtypes"] = nlohmann::json::array();
  for (const Dtype d : c.dtypes) j["dtypes"].push_back(std::string(to_string(d)));
  j["layouts"] = nlohmann::json::array();
  for (const Layout l : c.layouts) j["layouts"].push_back(std::string(to_string(l)));
  j["scaling"] = nlohmann::json::array();
  for (const ScalingType s : c.scaling_types) j["scaling"].push_back(std::string(to_string(s)));
  j["position_scale"] = c.position_scale;
  j["multi_axis"] = c.multi_axis;
  j["max_position"] = c.max_position;
  j["in_place"] = c.in_place;
  j["strides"] = c.strides;
  j["batch_invariant"] = c.batch_invariant;
  j["qk"] = c.qk;
  j["device"] = c.device;
  return j.dump();
}

Capabilities capabilities_from_json_text(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) fail("hello reply", "metadata 'supports' is not a JSON object");
  Capabilities c;
  static constexpr std::string_view kFields[] = {"dtypes", "layouts",  "scaling", "position_scale", "multi_axis",
                                                 "max_position", "in_place", "strides", "batch_invariant", "qk",
                                                 "device"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(std::begin(kFields), std::end(kFields), key) == std::end(kFields)) {
      fail("hello reply: supports", fmt::format("unknown field {}", shown(key)));
    }
  }
  // dtypes is required: a worker that names none would measure nothing.
  if (!j.contains("dtypes")) fail("hello reply: supports", "no 'dtypes' (the dtypes it implements)");
  c.dtypes = parse_names(j["dtypes"], "dtypes", kDtypeNames);
  if (c.dtypes.empty()) fail("hello reply: supports", "'dtypes' is empty: it would measure nothing");
  if (j.contains("layouts")) c.layouts = parse_names(j["layouts"], "layouts", kLayoutNames);
  if (j.contains("scaling")) c.scaling_types = parse_names(j["scaling"], "scaling", kScalingNames);
  if (j.contains("position_scale")) c.position_scale = parse_flag(j["position_scale"], "position_scale");
  if (j.contains("multi_axis")) c.multi_axis = parse_flag(j["multi_axis"], "multi_axis");
  if (j.contains("in_place")) c.in_place = parse_flag(j["in_place"], "in_place");
  if (j.contains("strides")) c.strides = parse_flag(j["strides"], "strides");
  if (j.contains("batch_invariant")) c.batch_invariant = parse_flag(j["batch_invariant"], "batch_invariant");
  if (j.contains("qk")) c.qk = parse_flag(j["qk"], "qk");
  if (j.contains("max_position")) {
    const nlohmann::json& m = j["max_position"];
    if (!m.is_number_integer() || m.get<std::int64_t>() < 0) {
      fail("hello reply: supports", "'max_position' is not a non-negative integer");
    }
    c.max_position = m.get<std::int64_t>();
  }
  if (j.contains("device")) {
    if (!j["device"].is_string()) fail("hello reply: supports", "'device' is not a string");
    c.device = table_safe(j["device"].get_ref<const std::string&>(), kMaxWorkerNameBytes);
  }
  return c;
}

std::vector<unsigned char> encode_hello_request() {
  io::SafetensorsFile file;
  file.metadata = {{"op", "hello"}, {"id", "0"}, {"protocol", std::string(kWorkerProtocolVersion)}};
  return io::serialize_safetensors(file);
}

WorkerHello parse_hello_reply(std::span<const unsigned char> blob) {
  constexpr std::string_view what = "hello reply";
  const io::SafetensorsFile file = parse_blob(blob, what);
  if (!file.tensors.empty()) fail(what, fmt::format("carries tensor '{}'; a hello carries none", worker_text(file.tensors.front().name, 80)));
  if (const std::string* error = find_key(file.metadata, "error")) {
    fail(what, "the worker reported an error: " + worker_text(*error, kMaxWorkerMessageBytes));
  }
  expect_value(file.metadata, "op", "hello", what);
  expect_value(file.metadata, "id", "0", what);
  const std::string* protocol = find_key(file.metadata, "protocol");
  if (!protocol) fail(what, "no metadata 'protocol'");
  if (*protocol != kWorkerProtocolVersion) {
    fail(what, fmt::format("the worker speaks protocol {}, this ropecheck speaks {}", shown(*protocol), kWorkerProtocolVersion));
  }
  const std::string* supports = find_key(file.metadata, "supports");
  if (!supports) fail(what, "no metadata 'supports' (what the worker implements)");
  WorkerHello hello;
  hello.capabilities = capabilities_from_json_text(*supports);
  const std::string* name = find_key(file.metadata, "name");
  hello.name = name && !name->empty() ? table_safe(*name, kMaxWorkerNameBytes) : "";
  return hello;
}

std::vector<unsigned char> encode_apply_request(std::uint64_t id, const RopeCall& call) {
  io::SafetensorsFile file;
  file.metadata = {{"op", "apply"},
                   {"id", std::to_string(id)},
                   {"spec", to_json_text(call.spec)},
                   {"dtype", std::string(to_string(call.dtype))},
                   {"heads", std::to_string(call.heads)},
                   {"in_place", call.in_place ? "true" : "false"}};
  const std::uint64_t tokens = call.positions.tokens();
  const std::size_t bytes = storage_bytes(call.dtype);
  const auto* x = static_cast<const unsigned char*>(call.x);
  if (call.strided()) {
    std::vector<unsigned char> buffer(x, x + tokens * call.x_token_stride * bytes);
    file.tensors.push_back(io::make_tensor("x", st_dtype(call.dtype), {tokens, call.x_token_stride}, std::move(buffer)));
    const std::int64_t strides[] = {static_cast<std::int64_t>(call.x_token_stride),
                                    static_cast<std::int64_t>(call.spec.head_dim), 1};
    file.tensors.push_back(io::tensor_from_int64s("strides", {3}, strides));
  } else {
    std::vector<unsigned char> dense(x, x + tokens * call.row_elements() * bytes);
    file.tensors.push_back(io::make_tensor("x", st_dtype(call.dtype), {tokens, call.heads, call.spec.head_dim}, std::move(dense)));
  }
  std::vector<std::uint64_t> position_shape{tokens};
  if (call.positions.axes > 1) position_shape.push_back(call.positions.axes);
  file.tensors.push_back(io::tensor_from_int64s("positions", position_shape, call.positions.values));
  return io::serialize_safetensors(file);
}

std::uint64_t max_apply_reply_bytes(const RopeCall& call) {
  return call.positions.tokens() * call.row_elements() * storage_bytes(call.dtype) + kMaxReplyOverheadBytes;
}

namespace {

// The checks every apply reply shares: op, id, error/unsupported. Returns the declined or
// error outcome, or nullopt for a reply that carries tensors.
std::optional<std::variant<ApplyDeclined, ApplyError>> reply_outcome(const io::SafetensorsFile& file, std::string_view op,
                                                                     std::uint64_t id, const std::string& what) {
  expect_value(file.metadata, "op", op, what);
  const std::string* reply_id = find_key(file.metadata, "id");
  if (!reply_id) fail(what, "no metadata 'id'");
  if (parse_decimal(*reply_id) != id) fail(what, fmt::format("carries id {}: the worker mixed up its calls", shown(*reply_id)));
  const std::string* error = find_key(file.metadata, "error");
  const std::string* unsupported = find_key(file.metadata, "unsupported");
  if (error && unsupported) fail(what, "carries both 'error' and 'unsupported'");
  if (!error && !unsupported) return std::nullopt;
  if (!file.tensors.empty()) fail(what, "carries tensors along with its error");
  if (error) return ApplyError{worker_text(*error, kMaxWorkerMessageBytes)};
  return ApplyDeclined{worker_text(*unsupported, kMaxWorkerMessageBytes)};
}

// The data of tensor `name`, which must have the call's dtype and dense shape.
std::vector<unsigned char> take_output(io::SafetensorsFile& file, const std::string& name, const RopeCall& call,
                                       const std::string& what) {
  const auto it = std::find_if(file.tensors.begin(), file.tensors.end(), [&](const io::Tensor& t) { return t.name == name; });
  if (it == file.tensors.end()) fail(what, fmt::format("carries no tensor '{}'", name));
  if (it->dtype != st_dtype(call.dtype)) {
    fail(what, fmt::format("tensor '{}' has dtype {}, expected {}", name, io::to_string(it->dtype),
                           io::to_string(st_dtype(call.dtype))));
  }
  const std::vector<std::uint64_t> shape{call.positions.tokens(), call.heads, call.spec.head_dim};
  if (it->shape != shape) {
    fail(what, fmt::format("tensor '{}' has shape [{}], expected [{}]", name, fmt::join(it->shape, ", "), fmt::join(shape, ", ")));
  }
  return std::move(it->data);
}

void expect_tensor_count(const io::SafetensorsFile& file, std::size_t count, std::string_view names, const std::string& what) {
  if (file.tensors.size() > count) fail(what, fmt::format("carries {} tensor(s), expected only {}", file.tensors.size(), names));
}

}  // namespace

ApplyReply parse_apply_reply(std::span<const unsigned char> blob, std::uint64_t id, const RopeCall& call) {
  const std::string what = fmt::format("reply to call {}", id);
  io::SafetensorsFile file = parse_blob(blob, what);
  if (auto outcome = reply_outcome(file, "apply", id, what)) {
    if (auto* declined = std::get_if<ApplyDeclined>(&*outcome)) return *declined;
    return std::get<ApplyError>(*outcome);
  }
  expect_tensor_count(file, 1, "'out'", what);
  return ApplyOutput{take_output(file, "out", call, what)};
}

std::vector<unsigned char> encode_apply_qk_request(std::uint64_t id, const RopeCall& q, const RopeCall& k) {
  io::SafetensorsFile file;
  file.metadata = {{"op", "apply_qk"},
                   {"id", std::to_string(id)},
                   {"spec", to_json_text(q.spec)},
                   {"dtype", std::string(to_string(q.dtype))},
                   {"heads_q", std::to_string(q.heads)},
                   {"heads_k", std::to_string(k.heads)}};
  const std::uint64_t tokens = q.positions.tokens();
  const std::size_t bytes = storage_bytes(q.dtype);
  for (const auto& [name, call] : {std::pair<const char*, const RopeCall*>{"q", &q}, {"k", &k}}) {
    const auto* x = static_cast<const unsigned char*>(call->x);
    std::vector<unsigned char> dense(x, x + tokens * call->row_elements() * bytes);
    file.tensors.push_back(io::make_tensor(name, st_dtype(q.dtype), {tokens, call->heads, q.spec.head_dim}, std::move(dense)));
  }
  std::vector<std::uint64_t> position_shape{tokens};
  if (q.positions.axes > 1) position_shape.push_back(q.positions.axes);
  file.tensors.push_back(io::tensor_from_int64s("positions", position_shape, q.positions.values));
  return io::serialize_safetensors(file);
}

ApplyQkReply parse_apply_qk_reply(std::span<const unsigned char> blob, std::uint64_t id, const RopeCall& q,
                                  const RopeCall& k) {
  const std::string what = fmt::format("reply to call {}", id);
  io::SafetensorsFile file = parse_blob(blob, what);
  if (auto outcome = reply_outcome(file, "apply_qk", id, what)) {
    if (auto* declined = std::get_if<ApplyDeclined>(&*outcome)) return *declined;
    return std::get<ApplyError>(*outcome);
  }
  expect_tensor_count(file, 2, "'q_out' and 'k_out'", what);
  ApplyQkOutput out;
  out.q_out = take_output(file, "q_out", q, what);
  out.k_out = take_output(file, "k_out", k, what);
  return out;
}

}  // namespace ropecheck::harness
