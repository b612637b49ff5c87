// Uses the installed library: the certified exact result of one LLaMA-shaped pair and the
// built-in kernels on it, measured the way the gate measures.
#include <cstdio>
#include <vector>

#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/spec.h"

int main() {
  ropecheck::RopeSpec spec;
  spec.head_dim = 128;
  spec.rotary_dim = 128;
  spec.base = 10000;
  const std::vector<std::int64_t> positions{0, 1, 4095, 1048575};
  std::vector<double> x(positions.size() * spec.head_dim);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = static_cast<double>(static_cast<int>(k % 17) - 8) / 8;
  const ropecheck::reference::ExactRope exact = ropecheck::reference::certified_rope(
      spec, ropecheck::PositionsView(positions), x, 1, ropecheck::Dtype::f32);
  std::vector<float> in(x.begin(), x.end()), out(x.size());
  const ropecheck::kernels::CosSinTable table =
      ropecheck::kernels::build_table(spec, ropecheck::PositionsView(positions), ropecheck::kernels::TableMode::accurate);
  ropecheck::kernels::apply_rope(ropecheck::kernels::rope_shape(spec, positions.size(), 1), table,
                                 {in.data(), ropecheck::Dtype::f32, 0}, {out.data(), ropecheck::Dtype::f32, 0});
  const std::vector<double> candidate(out.begin(), out.end());
  const ropecheck::numeric::ErrorStats stats = ropecheck::numeric::measure(
      exact, candidate,
      ropecheck::numeric::error_model(ropecheck::numeric::Profile::exact, ropecheck::Dtype::f32,
                                      ropecheck::numeric::Arithmetic::fused));
  std::printf("consumer: ropecheck %s, %zu elements, peak %.3f of the bound: %s\n", ROPECHECK_VERSION, stats.count(),
              stats.peak_ratio(), stats.within_bound() ? "pass" : "FAIL");
  return stats.within_bound() && stats.count() == x.size() ? 0 : 1;
}
