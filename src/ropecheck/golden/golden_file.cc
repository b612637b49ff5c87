#include "ropecheck/golden/golden_file.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <span>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/json_document.h"
#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/golden/position_grids.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/interval_rounding.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::golden {
namespace {

// safetensors is little-endian; so are the machines this writes on (checked, not assumed).
static_assert(std::endian::native == std::endian::little, "golden files are written little-endian");

using reference::Real;

std::vector<unsigned char> pack_bits(std::span<const std::uint64_t> bits, Dtype dtype) {
  const std::size_t bytes = storage_bytes(dtype);
  std::vector<unsigned char> data(bits.size() * bytes);
  for (std::size_t k = 0; k < bits.size(); ++k) std::memcpy(&data[k * bytes], &bits[k], bytes);
  return data;
}

// Any contiguous container of T (std::vector, reference::ResultVector), little-endian.
template <class Container>
std::vector<unsigned char> pack(const Container& values) {
  std::vector<unsigned char> data(values.size() * sizeof(typename Container::value_type));
  if (!values.empty()) std::memcpy(data.data(), values.data(), data.size());
  return data;
}

std::uint64_t u64(std::size_t n) { return static_cast<std::uint64_t>(n); }

[[noreturn]] void fail(std::string_view source, const std::string& rule) {
  throw InvalidInput(fmt::format("{}: golden: {}", source, rule));
}

const std::string& metadata(const io::SafetensorsFile& file, const char* key, std::string_view source) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end()) fail(source, fmt::format("metadata has no '{}'", key));
  return it->second;
}

Dtype metadata_dtype(const io::SafetensorsFile& file, const char* key, std::string_view source) {
  try {
    return dtype_from_string(metadata(file, key, source));
  } catch (const InvalidInput& e) {
    fail(source, fmt::format("metadata '{}': {}", key, e.what()));
  }
}

const io::Tensor& tensor(const io::SafetensorsFile& file, const char* name, io::StDtype dtype,
                         const std::vector<std::uint64_t>& shape, std::string_view source) {
  const io::Tensor& t = file.get(name, source);
  if (t.dtype != dtype) {
    fail(source, fmt::format("tensor '{}' is {}, expected {}", name, io::to_string(t.dtype), io::to_string(dtype)));
  }
  if (t.shape != shape) {
    fail(source, fmt::format("tensor '{}' has shape [{}], expected [{}]", name, fmt::join(t.shape, ", "),
                             fmt::join(shape, ", ")));
  }
  return t;
}

std::vector<std::uint64_t> unpack_bits(const io::Tensor& t, Dtype dtype) {
  const std::size_t bytes = storage_bytes(dtype);
  std::vector<std::uint64_t> bits(t.data.size() / bytes, 0);
  for (std::size_t k = 0; k < bits.size(); ++k) std::memcpy(&bits[k], &t.data[k * bytes], bytes);
  return bits;
}

// An optional metadata entry of at most `digits` decimal digits; a malformed one fails.
std::optional<std::int64_t> metadata_count(const io::SafetensorsFile& file, const char* key, std::size_t digits,
                                           std::string_view source) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end()) return std::nullopt;
  const std::string& text = it->second;
  const bool ok = !text.empty() && text.size() <= digits &&
                  std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (!ok) fail(source, fmt::format("metadata '{}' must be a whole number of at most {} digits", key, digits));
  return std::stoll(text);
}

}  // namespace

std::string generator_name() { return fmt::format("ropecheck golden generator {}", kGeneratorVersion); }

io::SafetensorsFile make_golden_file(const GoldenCase& c) {
  const std::vector<std::int64_t> positions = case_positions(c);
  return make_golden_file(c, case_inputs(c, PositionsView(positions, position_axes(c.spec))));
}

io::SafetensorsFile make_golden_file(const GoldenCase& c, std::span<const double> x) {
  const std::vector<std::int64_t> positions = case_positions(c);
  const std::size_t axes = position_axes(c.spec);
  const PositionsView view(positions, axes);
  if (x.size() != view.tokens() * c.heads * c.spec.head_dim) {
    throw InvalidInput(fmt::format("{}: golden: {} input values for {} tokens of {} heads × {} dims", c.id, x.size(),
                                   view.tokens(), c.heads, c.spec.head_dim));
  }
  // The certified fast path: exact_rope's result bit for bit (certified_rope.h).
  const reference::ExactRope exact = reference::certified_rope(c.spec, view, x, c.heads, c.output_dtype);
  const std::uint64_t t = u64(view.tokens()), h = u64(c.heads), d = u64(c.spec.head_dim),
                      pairs = u64(c.spec.pairs());
  // [T] for one axis (every file before multi-axis positions keeps its bytes), [T, A] else.
  const std::vector<std::uint64_t> positions_shape =
      axes == 1 ? std::vector<std::uint64_t>{t} : std::vector<std::uint64_t>{t, u64(axes)};
  std::vector<std::uint64_t> x_bits(x.size());
  for (std::size_t k = 0; k < x.size(); ++k) x_bits[k] = reference::round_double_to_bits(x[k], c.input_dtype);

  // 8-byte elements first: the header is padded to 8 bytes, so every tensor's data is then
  // aligned to its element size (readers that map the file can use it in place).
  io::SafetensorsFile file;
  file.tensors.push_back(io::make_tensor("expected", io::StDtype::F64, {t, h, d}, pack(exact.expected)));
  file.tensors.push_back(io::make_tensor("cos", io::StDtype::F64, {t, pairs}, pack(exact.cos)));
  file.tensors.push_back(io::make_tensor("sin", io::StDtype::F64, {t, pairs}, pack(exact.sin)));
  file.tensors.push_back(io::make_tensor("positions", io::StDtype::I64, positions_shape, pack(positions)));
  io::Tensor x_tensor = io::make_tensor("x", io::st_dtype_of(c.input_dtype), {t, h, d}, pack_bits(x_bits, c.input_dtype));
  io::Tensor rounded = io::make_tensor("expected_rounded", io::st_dtype_of(c.output_dtype), {t, h, d},
                                       pack_bits(exact.expected_bits, c.output_dtype));
  if (storage_bytes(c.input_dtype) < storage_bytes(c.output_dtype)) std::swap(x_tensor, rounded);
  file.tensors.push_back(std::move(x_tensor));
  file.tensors.push_back(std::move(rounded));
  file.metadata = {
      {"format", std::string(kGoldenFormat)},
      {"case", c.id},
      {"spec", to_json_text(c.spec)},
      {"input_dtype", std::string(to_string(c.input_dtype))},
      {"output_dtype", std::string(to_string(c.output_dtype))},
      {"precision_bits", std::to_string(std::numeric_limits<Real>::digits)},
      {"generator", generator_name()},
      {"description", c.description},
  };
  for (const auto& [key, value] : c.metadata) file.metadata.emplace(key, value);
  // Written only for the M-RoPE grid, so every other file keeps its bytes.
  if (axes == 3 && c.positions.values.empty()) {
    file.metadata.emplace("batch_rows", std::to_string(kMropeGridRows));
    file.metadata.emplace("grid_context", std::to_string(mrope_grid_context(c.positions.max + 1)));
  }
  return file;
}

namespace {

// Layer types are written into file names (<stem>_<layer type>), so they follow the ids' rule.
constexpr std::size_t kMaxLayerTypeName = 64;
// Models have two or three RoPE layer types; each one read becomes a diagnosis hypothesis,
// so a hostile file cannot make the diagnosis try millions.
constexpr std::size_t kMaxOtherLayerTypes = 16;

// {"<layer type>": <spec>, …}, each spec valid.
std::vector<std::pair<std::string, RopeSpec>> other_layer_types_from_json(const std::string& text, std::string_view source) {
  nlohmann::json j;
  try {
    j = parse_json_document(text, "metadata 'other_layer_types'");
  } catch (const InvalidInput& e) {
    fail(source, e.what());
  }
  if (!j.is_object()) fail(source, "metadata 'other_layer_types' must be a JSON object of layer type to spec");
  if (j.size() > kMaxOtherLayerTypes) {
    fail(source, fmt::format("metadata 'other_layer_types' has {} entries, more than {}", j.size(), kMaxOtherLayerTypes));
  }
  std::vector<std::pair<std::string, RopeSpec>> out;
  for (const auto& [name, spec] : j.items()) {
    const bool named = !name.empty() && name.size() <= kMaxLayerTypeName &&
                       std::all_of(name.begin(), name.end(), [](char ch) {
                         return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
                       });
    if (!named) fail(source, "metadata 'other_layer_types': layer types are [a-z0-9_]+, at most 64 characters");
    try {
      out.emplace_back(name, spec_from_json(spec));
    } catch (const InvalidInput& e) {
      fail(source, fmt::format("metadata 'other_layer_types' '{}': {}", name, e.what()));
    }
  }
  return out;
}

}  // namespace

Golden parse_golden(const io::SafetensorsFile& file, std::string_view source) {
  if (metadata(file, "format", source) != kGoldenFormat) {
    fail(source, fmt::format("metadata 'format' is '{}', expected '{}'", metadata(file, "format", source), kGoldenFormat));
  }
  Golden g;
  g.case_id = metadata(file, "case", source);
  g.description = file.metadata.count("description") ? file.metadata.at("description") : "";
  try {
    g.spec = spec_from_json_text(metadata(file, "spec", source));
  } catch (const InvalidInput& e) {
    fail(source, fmt::format("metadata 'spec': {}", e.what()));
  }
  if (const auto it = file.metadata.find("other_layer_types"); it != file.metadata.end()) {
    g.other_layer_types = other_layer_types_from_json(it->second, source);
  }
  g.input_dtype = metadata_dtype(file, "input_dtype", source);
  g.output_dtype = metadata_dtype(file, "output_dtype", source);
  if (g.input_dtype == Dtype::f64 || g.output_dtype == Dtype::f64) fail(source, "input and output dtypes are f32, bf16 or f16");

  const io::Tensor& positions = file.get("positions", source);
  g.axes = position_axes(g.spec);
  if (g.axes == 1 && positions.shape.size() != 1) fail(source, "tensor 'positions' must have shape [T]");
  if (g.axes > 1 && (positions.shape.size() != 2 || positions.shape[1] != g.axes)) {
    fail(source, fmt::format("tensor 'positions' must have shape [T, {}]: the spec's position axes ({})", g.axes,
                             axis_names(g.spec)));
  }
  const std::uint64_t t = positions.shape[0];
  const io::Tensor& x_any = file.get("x", source);
  if (x_any.shape.size() != 3) fail(source, "tensor 'x' must have shape [T, H, D]");
  const std::uint64_t h = x_any.shape[1], d = u64(g.spec.head_dim), pairs = u64(g.spec.pairs());
  g.tokens = static_cast<std::size_t>(t);
  g.heads = static_cast<std::size_t>(h);
  tensor(file, "positions", io::StDtype::I64, positions.shape, source);
  g.positions = io::to_int64s(positions, source);
  // Golden files hold positions in [0, kPositionLimit) (case_catalogue.h). A position far
  // outside, such as 2^62, is no golden's: the f32-angle allowance grows with |m|, and at
  // such positions any output of the right norm would pass.
  for (const std::int64_t m : g.positions) {
    if (m < 0 || m >= kPositionLimit) {
      fail(source, fmt::format("position {} is outside [0, {}), the positions golden files hold", m, kPositionLimit));
    }
  }
  if (const auto rows = metadata_count(file, "batch_rows", 4, source)) {
    g.batch_rows = static_cast<std::size_t>(*rows);
    if (g.batch_rows == 0 || g.tokens % g.batch_rows != 0) {
      fail(source, fmt::format("metadata 'batch_rows' must be a positive divisor of the {} tokens", g.tokens));
    }
  }
  if (const auto context = metadata_count(file, "grid_context", 8, source)) {
    if (*context < 1 || *context > kPositionLimit) fail(source, "metadata 'grid_context' must be in [1, 2^24]");
    g.grid_context = *context;
  }
  const io::Tensor& x = tensor(file, "x", io::st_dtype_of(g.input_dtype), {t, h, d}, source);
  g.x = io::to_doubles(x, source);
  g.expected = io::to_doubles(tensor(file, "expected", io::StDtype::F64, {t, h, d}, source), source);
  g.expected_bits =
      unpack_bits(tensor(file, "expected_rounded", io::st_dtype_of(g.output_dtype), {t, h, d}, source), g.output_dtype);
  g.cos = io::to_doubles(tensor(file, "cos", io::StDtype::F64, {t, pairs}, source), source);
  g.sin = io::to_doubles(tensor(file, "sin", io::StDtype::F64, {t, pairs}, source), source);
  g.terms = exact_terms(g.spec, g.positions, g.axes);
  return g;
}

ExactTerms exact_terms(const RopeSpec& spec, std::span<const std::int64_t> positions, std::size_t axes) {
  ExactTerms terms;
  for (const reference::Real& theta : reference::frequencies<reference::Real>(spec)) {
    terms.thetas.push_back(static_cast<double>(theta));
  }
  terms.attention_factor = static_cast<double>(reference::attention_factor<reference::Real>(spec));
  for (std::size_t t = 0; t * axes < positions.size(); ++t) {  // a position scale takes one axis: component 0
    terms.position_scale.push_back(
        static_cast<double>(reference::position_scale<reference::Real>(spec, positions[t * axes])));
  }
  return terms;
}

reference::ExactRope exact_result(const Golden& g) {
  reference::ExactRope e;
  e.spec = g.spec;
  e.tokens = g.tokens;
  e.heads = g.heads;
  e.axes = g.axes;
  e.positions = g.positions;
  e.x.assign(g.x.begin(), g.x.end());
  e.expected.assign(g.expected.begin(), g.expected.end());
  e.cos = g.cos;
  e.sin = g.sin;
  ExactTerms terms = g.terms ? *g.terms : exact_terms(g.spec, g.positions, g.axes);
  e.thetas = std::move(terms.thetas);
  e.attention_factor = terms.attention_factor;
  e.position_scale = std::move(terms.position_scale);
  return e;
}

Golden read_golden(const std::filesystem::path& path) {
  return parse_golden(io::read_safetensors(path), path.string());
}

}  // namespace ropecheck::golden
