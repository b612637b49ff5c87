#include "ropecheck/gate/builtin_candidate.h"

#include <cstring>

#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::gate {

std::vector<std::uint64_t> run_on_input_bits(const RopeSpec& spec, PositionsView positions, std::size_t heads,
                                             std::span<const unsigned char> in, Dtype input_dtype, Dtype output_dtype,
                                             const props::RotateFn& rotate) {
  const std::size_t in_bytes = storage_bytes(input_dtype);
  const std::size_t n = in.size() / in_bytes;
  std::vector<unsigned char> out(n * in_bytes);
  rotate(spec, positions, heads, {in.data(), input_dtype, 0}, {out.data(), input_dtype, 0});
  std::vector<std::uint64_t> result(n, 0);
  for (std::size_t k = 0; k < n; ++k) std::memcpy(&result[k], &out[k * in_bytes], in_bytes);
  if (output_dtype != input_dtype) {
    for (std::uint64_t& bits : result) {
      bits = reference::round_to_bits(reference::decode_exact(bits, input_dtype), output_dtype);
    }
  }
  return result;
}

std::vector<std::uint64_t> run_on_golden(const golden::Golden& g, const props::RotateFn& rotate) {
  const std::size_t n = g.x.size();
  const std::size_t in_bytes = storage_bytes(g.input_dtype);
  std::vector<unsigned char> in(n * in_bytes);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint64_t bits = reference::round_to_bits(reference::Real(g.x[k]), g.input_dtype);  // exact: x is
    std::memcpy(&in[k * in_bytes], &bits, in_bytes);                                              // in the dtype
  }
  return run_on_input_bits(g.spec, PositionsView(g.positions, g.axes), g.heads, in, g.input_dtype, g.output_dtype,
                           rotate);
}

std::vector<std::uint64_t> run_builtin_kernel(const golden::Golden& g, kernels::TableMode mode) {
  return run_on_golden(g, [mode](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                                 kernels::ConstTensor in, kernels::MutableTensor out) {
    const kernels::CosSinTable table = kernels::build_table(spec, positions, mode);
    kernels::apply_rope(kernels::rope_shape(spec, positions.tokens(), heads), table, in, out);
  });
}

io::SafetensorsFile builtin_candidate_file(const golden::Golden& g, kernels::TableMode mode) {
  const std::vector<std::uint64_t> bits = run_builtin_kernel(g, mode);
  const std::size_t bytes = storage_bytes(g.output_dtype);
  std::vector<unsigned char> data(bits.size() * bytes);
  for (std::size_t k = 0; k < bits.size(); ++k) std::memcpy(&data[k * bytes], &bits[k], bytes);
  io::SafetensorsFile file;
  file.tensors.push_back(io::make_tensor("out", io::st_dtype_of(g.output_dtype), {g.tokens, g.heads, g.spec.head_dim},
                                         std::move(data)));
  file.metadata = {{"case", g.case_id}, {"implementation", "ropecheck kernels"},
                   {"table", std::string(kernels::to_string(mode))}};
  return file;
}

}  // namespace ropecheck::gate
