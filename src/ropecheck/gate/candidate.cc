#include "ropecheck/gate/candidate.h"

#include <system_error>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/npy.h"
#include "ropecheck/io/safetensors.h"

namespace ropecheck::gate {

Candidate read_candidate(const std::filesystem::path& path) {
  Candidate c;
  c.source = path.string();
  const bool npy = path.extension() == ".npy";
  io::SafetensorsFile file;
  const io::Tensor* out = nullptr;
  io::Tensor npy_tensor;
  if (npy) {
    npy_tensor = io::read_npy(path);
    out = &npy_tensor;
  } else {
    file = io::read_safetensors(path);
    out = &file.get("out", c.source);
  }
  const std::optional<Dtype> dtype = io::float_dtype_of(out->dtype);
  if (!dtype) {
    throw InvalidInput(fmt::format("{}: candidate 'out' is {}, expected F32, BF16, F16 or F64", c.source,
                                   io::to_string(out->dtype)));
  }
  if (out->shape.size() != 3) {
    throw InvalidInput(fmt::format("{}: candidate 'out' has {} dimensions, expected [tokens, heads, head_dim]",
                                   c.source, out->shape.size()));
  }
  c.dtype = *dtype;
  c.shape = out->shape;
  c.values = io::to_doubles(*out, c.source);
  return c;
}

std::optional<std::filesystem::path> find_candidate(const std::filesystem::path& dir,
                                                    const std::string& golden_file_name) {
  std::error_code ec;
  const std::filesystem::path same = dir / golden_file_name;
  const std::filesystem::path as_npy = (dir / golden_file_name).replace_extension(".npy");
  const bool has_same = std::filesystem::exists(same, ec);
  const bool has_npy = std::filesystem::exists(as_npy, ec);
  if (has_same && has_npy) {
    throw InvalidInput(fmt::format("{}: both {} and {} exist; keep one candidate per case", dir.string(),
                                   same.filename().string(), as_npy.filename().string()));
  }
  if (has_same) return same;
  if (has_npy) return as_npy;
  return std::nullopt;
}

}  // namespace ropecheck::gate
