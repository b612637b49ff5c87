// The data of the report's decay figure (docs/mathematics.md#the-decay-curve): Su's decay curve f(Δ) of the
// rotary frequencies, and for one random pair of vectors q, k the actual |score| against
// the Abel bound max_i|h_{i+1} − h_i|·Σ_j|S_j(Δ)| (reference/abel.h), at reference
// precision, rounded to double.
//
// Contract: q and k are the `normal` inputs of case_inputs.h (seeded, no libm), one head
// each; score(Δ) = ⟨R_m q, R_n k⟩ over the rotary dims for Δ = m − n, i.e. Re Σ h_i e^{iΔθ_i}.
// The bound holds at every Δ (a property tested elsewhere); the figure shows how loose
// it is. Deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ropecheck::report {

struct DecayCurve {
  std::size_t rotary_dim = 128;
  double base = 10000;
  std::uint64_t seed = 1;
  std::vector<std::int64_t> distance;
  std::vector<double> f;           // Σ_j |S_j(Δ)| / (R/2)
  std::vector<double> abel_bound;  // max_i |h_{i+1} − h_i| · Σ_j |S_j(Δ)|
  std::vector<double> score;       // Re Σ h_i e^{iΔθ_i} for the random q, k
};

DecayCurve decay_curve(std::size_t rotary_dim, double base, std::uint64_t seed, const std::vector<std::int64_t>& distances);

}  // namespace ropecheck::report
