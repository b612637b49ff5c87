#include "ropecheck/props/reference_properties.h"

#include <cmath>
#include <ostream>

#include <fmt/format.h>

#include "ropecheck/reference/cross_check.h"
#include "ropecheck/reference/frequencies.h"

namespace ropecheck::props {

using reference::Complex;
using reference::CrossCheckReal;
using reference::Matrix;
using reference::Vector;

// ---------------------------------------------------------------------------------------
// Error analysis. u = 2^-257 is the unit roundoff of Real; every MPFR/MPC operation is
// correctly rounded, so each contributes a relative error ≤ u. θ̂_i and φ̂ = fl(m·θ̂_i)
// are as in reference/frequencies.h. "First order" bounds drop O(u²) terms; each constant
// below carries +1 u of slack for them (they are < 2^-240 relative, far below 1 u).
// ---------------------------------------------------------------------------------------

// (R̂ᵀR̂)_jj = ĉ² + ŝ² with ĉ = cos φ̂·(1+δ), two rounded squares and a rounded sum:
// |ĉ² + ŝ² − 1| ≤ 3u·ĉ² + 3u·ŝ² + u = 4u. Off-diagonal entries are fl(−ĉŝ) + fl(ŝĉ) = 0
// exactly (rounding is sign-symmetric); pass-through entries are exactly 1·1.
constexpr double kOrthogonalityK = 4 + 1;

// R̂_mᵀR̂_n vs R̂_{n−m}, one block entry: the product side is a 2-term dot of rounded
// trig values (4u, as above), the other side one rounded trig value (u). The three angles
// share θ̂, so only the product roundings fl(m·θ̂) differ from exact: their mismatch is
// ≤ u·θ̂·(|m| + |n| + |n − m|), and |∂(entry)/∂angle| ≤ 1.
constexpr double kRelativeRotationK = 4 + 1 + 1;

// One rotated element ŷ_a = fl(fl(ĉ·a) − fl(ŝ·b)) is within 3u·(|ĉa| + |ŝb|) ≤ 3u·‖(a,b)‖
// of the exact rotation by φ̂ (Cauchy–Schwarz with ĉ² + ŝ² ≈ 1).
constexpr double kRotatedElementK = 3;

// ‖ŷ‖² vs ‖x‖²: per pair, |ŷ_a² + ŷ_b² − a² − b²| ≤ 2·(|y_a| + |y_b|)·3u·‖(a,b)‖ ≤ 12u·‖(a,b)‖²;
// each squared norm is a recursive sum of D rounded squares: ≤ (D + 1)u·‖·‖² each.
constexpr double kNormRotationK = 4 * kRotatedElementK;

// Two forms of the same rotation, per element: each within 3u·‖(a,b)‖ of exact (dense,
// sparse, rotate_half share θ̂ and φ̂ exactly). Meta's complex form forms 1/base^(2i/R)
// (2 roundings vs pow's 1 on the same exact value: ≤ 3u relative in θ) and m·freq
// (+2u between the two products): its angle differs by ≤ 5u·|φ|; MPC's product and
// polar are correctly rounded per component (≤ 3u·‖(a,b)‖ as well).
constexpr double kFormArithmeticK = 2 * kRotatedElementK + 1;
constexpr double kComplexAngleK = 5;

// A score ⟨ŷ_q, ŷ_k⟩ = Σ_j ŷ_q,j ŷ_k,j over D dims: element errors give
// ≤ 2·3u·‖q‖‖k‖, the recursive sum ≤ D·u·‖q‖‖k‖, and the rounded angles fl(m·θ̂_i)
// ≤ u·θ̂_i·|m| each (|∂score/∂φ_i| ≤ ‖q_i‖‖k_i‖, θ̂_i ≤ θ̂_0 = 1). Two scores compared:
// twice the arithmetic, the angle terms of all four positions.
constexpr double kScoreArithmeticK = 2 * kRotatedElementK + 1;

// Abel identity from the same computed h_i, phases and S_j (angle errors cancel: the
// identity is algebraic). With H = Σ|h_i|: direct sum ≤ (R + 4)·u·H (MPC products,
// recursive complex sum); by parts: |Ŝ_j − S_j| ≤ √2·j²·u, Σ_i (i+1)|Δh_i| ≤ R·H,
// total ≤ √2(R² + 2R)·u·H. Both within kAbelIdentityK·(R + 2)²·u·H.
constexpr double kAbelIdentityK = 2;
// The bound's Σ|Ŝ_j| carries Σ_j √2 j² u ≤ √2 (R/2)³ u, times max|Δh| ≤ 2H:
// within kAbelBoundK·(R + 2)³·u·H together with |Σ̂|'s error.
constexpr double kAbelBoundK = 2;
// f(Δ) ≤ f(0) + tolerance: Σ_j |Ŝ_j| ≤ Σ_j j + Σ_j √2 j² u, divided by R/2.
constexpr double kDecayK = 2;

// An attention factor s ≠ 1 (yarn, longrope) multiplies every rotary entry or output:
// fl(s·t̂) is one rounding more than t̂ (exact when s = 1). e = 1 counts it; with e = 0
// every constant below is the unscaled one above. The rotary block scales by s (R_m = s·Q_m
// with Q_m a rotation), pass-through dims do not.
//  - R̂ᵀR̂ diagonal: entries carry (1 + e)u, their squares (3 + 2e)u, the sum u more:
//    |·| ≤ (4 + 2e)u·s², so kOrthogonalityK + 2e.
//  - R̂_mᵀR̂_n vs s·R̂_{n−m}: the product side (4 + 2e)u·s²; the other side an entry with
//    (1 + e)u, times s in Real (e·u more): kRelativeRotationK + 4e.
//  - one rotated element fl(s·fl(fl(ĉa) + fl(ŝb))) (sparse, rotate_half) or
//    fl(fl(ŝ'a) + fl(ĉ'b)) with ŝ' = fl(s·ŝ) (dense) is within (kRotatedElementK + e)u·s·‖(a,b)‖.
constexpr double kAttentionOrthogonalityK = 2;
constexpr double kAttentionRelativeRotationK = 4;
constexpr double kAttentionRotatedElementK = 1;

// cpp_bin_float<128> sin/cos absolute error, in units of 2^-128·(1 + |φ|): measured by
// properties/cross_check_properties.cc (test trig_accuracy_is_measured_and_within_its_
// constant, which prints the worst) over 50,000 random angles 2^-28 … 2^31: worst 3.1,
// at a small angle (0.34), not a large one. Ceiling 8: 2.5× the worst measured.
const double kCrossCheckTrigK = 8;
// cpp_bin_float's pow is not correctly rounded either, and its error has a long tail over
// bases (measured by pow_accuracy_is_measured_and_within_its_constant: 10.0 × 2^-128 ×
// (1 + |ln θ|) over model bases and 20,000 random ones; model bases alone reach 4.2). The agreement property therefore does not bound it by a constant: it measures
// each θ̂_i's actual relative error ρ_i against MPFR, so φ̂ = fl(m·θ̂_i) is within
// (ρ_i + 2^-128)·|φ|; element arithmetic adds 3·2^-128·‖(a,b)‖ and the conversions back to
// Real are exact. kCrossCheckPowK is the documented ceiling of the measurement test.
const double kCrossCheckPowK = 16;

namespace {

Real u() { return reference::unit_roundoff<Real>(); }
Real to_real(double v) { return Real(v); }
Vector<Real> to_reals(const std::vector<double>& v) {
  Vector<Real> r;
  r.reserve(v.size());
  for (double e : v) r.push_back(Real(e));
  return r;
}
double d(const Real& v) { return static_cast<double>(v); }
// 1 when the spec's attention factor is not 1 (one more rounding per entry, see above).
double attention_roundings(const RopeSpec& spec) { return reference::attention_factor<Real>(spec) == 1 ? 0 : 1; }
// The largest θ̂_i: 1 without scaling; LongRoPE factors below 1 could raise it.
Real largest_theta(const RopeSpec& spec) {
  Real largest(0);
  for (const Real& t : reference::frequencies<Real>(spec)) largest = std::max(largest, t);
  return largest;
}
Real norm2(const Vector<Real>& v, std::size_t begin, std::size_t end) {
  Real s(0);
  for (std::size_t i = begin; i < end; ++i) s += v[i] * v[i];
  return s;
}

// Tracks the worst error/tolerance ratio over many comparisons and fails with it.
class WorstRatio {
 public:
  explicit WorstRatio(const char* what) : what_(what) {}
  void add(const Real& error, const Real& tolerance, const std::string& where) {
    Real ratio = tolerance > 0 ? Real(error / tolerance) : (error > 0 ? Real(INFINITY) : Real(0));
    if (ratio > worst_ || !seen_) {
      worst_ = ratio;
      error_ = error;
      tolerance_ = tolerance;
      where_ = where;
      seen_ = true;
    }
  }
  void require() const {
    if (seen_ && worst_ > 1) {
      // Printed from Real: squared norms of tiny inputs underflow a double.
      const auto sci = [](const Real& v) { return v.str(4, std::ios_base::scientific); };
      RC_FAIL(fmt::format("{}: worst error {} exceeds tolerance {} (ratio {}) at {}", what_, sci(error_), sci(tolerance_),
                          sci(worst_), where_));
    }
  }

 private:
  const char* what_;
  bool seen_ = false;
  Real worst_{0}, error_{0}, tolerance_{0};
  std::string where_;
};

}  // namespace

Matrix<Real> reference_matrix(const RopeSpec& spec, const Real& position) {
  return reference::rotation_matrix<Real>(spec, position);
}
Vector<Real> reference_rope(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  return reference::apply_rope<Real>(spec, position, x);
}
std::vector<Real> reference_frequencies(std::size_t rotary_dim, double base) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = rotary_dim;
  spec.base = base;
  return reference::frequencies<Real>(spec);
}

Vector<Real> cross_check_rope(const RopeSpec& spec, double position, const std::vector<double>& x) {
  Vector<CrossCheckReal> xb;
  for (double e : x) xb.push_back(CrossCheckReal(e));
  return reference::to_reference(reference::apply_rope<CrossCheckReal>(spec, CrossCheckReal(position), xb));
}

Vector<Real> double_precision_rope(const RopeSpec& spec, double position, const std::vector<double>& x) {
  Vector<Real> y = to_reals(x);
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const auto [a, b] = reference::pair_indices(spec.layout, spec.rotary_dim, i);
    const double theta = std::pow(spec.base, -2.0 * static_cast<double>(i) / static_cast<double>(spec.rotary_dim));
    const double c = std::cos(position * theta), s = std::sin(position * theta);
    y[a] = Real(x[a] * c - x[b] * s);
    y[b] = Real(x[b] * c + x[a] * s);
  }
  return y;
}

void check_orthogonal(const MatrixCase& c, const MatrixBuilder& matrix) {
  const Matrix<Real> r = matrix(c.spec, to_real(c.m));
  const Matrix<Real> product = reference::multiply(reference::transpose(r), r);
  const Real s = reference::attention_factor<Real>(c.spec);
  const Real k = kOrthogonalityK + kAttentionOrthogonalityK * attention_roundings(c.spec);
  WorstRatio worst(s == 1 ? "R_mᵀR_m = I" : "R_mᵀR_m = s²I (rotary dims)");
  for (std::size_t i = 0; i < r.n; ++i) {
    const Real scale = i < c.spec.rotary_dim ? Real(s * s) : Real(1);
    for (std::size_t j = 0; j < r.n; ++j) {
      const Real expected = i == j ? scale : Real(0);
      worst.add(abs(product(i, j) - expected), k * u() * scale, fmt::format("entry ({}, {})", i, j));
    }
  }
  worst.require();
}

void check_relative_rotation(const MatrixCase& c, const MatrixBuilder& matrix) {
  const Real m = to_real(c.m), n = to_real(c.n);
  const Matrix<Real> product = reference::multiply(reference::transpose(matrix(c.spec, m)), matrix(c.spec, n));
  const Matrix<Real> relative = matrix(c.spec, Real(n - m));
  const std::vector<Real> thetas = reference::frequencies<Real>(c.spec);
  const Real positions = abs(m) + abs(n) + abs(n - m);
  const Real s = reference::attention_factor<Real>(c.spec);
  const Real k = kRelativeRotationK + kAttentionRelativeRotationK * attention_roundings(c.spec);
  WorstRatio worst(s == 1 ? "R_mᵀR_n = R_{n−m}" : "R_mᵀR_n = s·R_{n−m} (rotary dims)");
  for (std::size_t i = 0; i < product.n; ++i) {
    for (std::size_t j = 0; j < product.n; ++j) {
      // the pair this entry belongs to, for its θ (pass-through dims: exact, θ = 0, s = 1)
      Real theta(0), scale(1);
      if (i < c.spec.rotary_dim) {
        theta = thetas[reference::pair_of_dim(c.spec.layout, c.spec.rotary_dim, i)];
        scale = s;
      }
      const Real tolerance = (k + theta * positions) * u() * scale * scale;
      worst.add(abs(product(i, j) - scale * relative(i, j)), tolerance, fmt::format("entry ({}, {})", i, j));
    }
  }
  worst.require();
}

void check_norm_preserved(const RopeCase& c, const Form& rope) {
  const Vector<Real> x = to_reals(c.x);
  const Vector<Real> y = rope(c.spec, to_real(c.m), x);
  const Real s = reference::attention_factor<Real>(c.spec);
  const std::size_t r = c.spec.rotary_dim;
  // Expected s²‖x_rot‖² + ‖x_pass‖²: two partial sums, their sum and the products by s
  // cost ≤ 4u more than one recursive sum (only when s ≠ 1: otherwise ‖x‖² as before).
  const Real before = s == 1 ? norm2(x, 0, x.size()) : Real(s * s * norm2(x, 0, r) + norm2(x, r, x.size()));
  const Real after = norm2(y, 0, y.size());
  const double dims = static_cast<double>(c.spec.head_dim), e = attention_roundings(c.spec);
  const Real largest = std::max(Real(1), Real(s * s)) * norm2(x, 0, x.size());
  const Real tolerance = (4 * (kRotatedElementK + kAttentionRotatedElementK * e) + 2 * (dims + 1) + 4 * e + 1) * u() * largest;
  WorstRatio worst(s == 1 ? "‖R_m x‖² = ‖x‖²" : "‖R_m x‖² = s²‖x_rot‖² + ‖x_pass‖²");
  worst.add(abs(after - before), tolerance, "expected " + before.str(17, std::ios_base::scientific));
  worst.require();
}

void check_forms_agree(const RopeCase& c, const Form& candidate) {
  const Real m = to_real(c.m);
  const Vector<Real> x = to_reals(c.x);
  const Vector<Real> dense = reference::apply_dense<Real>(c.spec, m, x);
  std::vector<std::pair<const char*, Vector<Real>>> forms;
  forms.emplace_back("candidate", candidate(c.spec, m, x));
  if (c.spec.layout == Layout::interleaved) {
    forms.emplace_back("Su's sparse form", reference::apply_sparse<Real>(c.spec, m, x));
    forms.emplace_back("Meta's complex form", reference::apply_complex<Real>(c.spec, m, x));
  } else {
    forms.emplace_back("HF rotate_half", reference::apply_rotate_half<Real>(c.spec, m, x));
  }
  const std::vector<Real> thetas = reference::frequencies<Real>(c.spec);
  const Real s = reference::attention_factor<Real>(c.spec);
  const double e = attention_roundings(c.spec);
  WorstRatio worst("forms agree with the dense matrix form");
  for (const auto& [name, y] : forms) {
    for (std::size_t dim = 0; dim < c.spec.head_dim; ++dim) {
      Real tolerance(0);  // pass-through dims are copied exactly
      if (dim < c.spec.rotary_dim) {
        const std::size_t pair = reference::pair_of_dim(c.spec.layout, c.spec.rotary_dim, dim);
        const auto [a, b] = reference::pair_indices(c.spec.layout, c.spec.rotary_dim, pair);
        const Real pair_norm = sqrt(x[a] * x[a] + x[b] * x[b]);
        tolerance = (kFormArithmeticK + 2 * kAttentionRotatedElementK * e + kComplexAngleK * abs(m * thetas[pair]) + 1) *
                    u() * s * pair_norm;
      }
      worst.add(abs(y[dim] - dense[dim]), tolerance, fmt::format("{} dim {}", name, dim));
    }
  }
  worst.require();
}

namespace {
// P·z: the rotary dims' interleaved pairs (z[2i], z[2i+1]) moved to (i, i + half), as an
// index map (O(D), where the matrix P would cost O(D²) 257-bit entries).
Vector<Real> deinterleaved(const Vector<Real>& z, std::size_t half) {
  Vector<Real> out = z;
  for (std::size_t i = 0; i < half; ++i) {
    out[i] = z[2 * i];
    out[i + half] = z[2 * i + 1];
  }
  return out;
}
}  // namespace

void check_half_split_is_permuted_interleaved(const RopeCase& c, const Form& half_split) {
  RopeSpec interleaved = c.spec, split = c.spec;
  interleaved.layout = Layout::interleaved;
  split.layout = Layout::half_split;
  const Real m = to_real(c.m);
  // Vectors first, P applied as the index map it is: O(D) against the matrices' O(D²)
  // 257-bit entries, so a wrong form fails, and shrinks, without building them. The same
  // operations in the same order: exactly equal.
  const std::size_t half = c.spec.pairs();
  const auto deinterleave = [half](const Vector<Real>& z) { return deinterleaved(z, half); };  // P·z
  const auto interleave = [half](Vector<Real> z) {  // P⁻¹·z
    Vector<Real> out = z;
    for (std::size_t i = 0; i < half; ++i) {
      out[2 * i] = z[i];
      out[2 * i + 1] = z[i + half];
    }
    return out;
  };
  const Vector<Real> x = to_reals(c.x);
  const Vector<Real> via_interleaved = deinterleave(reference::apply_sparse<Real>(interleaved, m, interleave(x)));
  const Vector<Real> y = half_split(split, m, x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (y[i] != via_interleaved[i]) {
      RC_FAIL(fmt::format("half_split(x) ≠ P·interleaved(P⁻¹x) at dim {}: {:.17g} vs {:.17g}", i, d(y[i]),
                          d(via_interleaved[i])));
    }
  }
  const Matrix<Real> p = reference::deinterleave_permutation<Real>(c.spec);
  const Matrix<Real> p_inverse = reference::transpose(p);
  // Matrices: H_m = P·R_m·P⁻¹, entry for entry (a permutation moves entries exactly).
  const Matrix<Real> permuted =
      reference::multiply(reference::multiply(p, reference::rotation_matrix<Real>(interleaved, m)), p_inverse);
  const Matrix<Real> direct = reference::rotation_matrix<Real>(split, m);
  for (std::size_t i = 0; i < p.n * p.n; ++i) {
    if (permuted.a[i] != direct.a[i]) {
      RC_FAIL(fmt::format("P·R_m·P⁻¹ ≠ H_m at entry ({}, {})", i / p.n, i % p.n));
    }
  }
}

namespace {
// Tolerance of comparing score(q, m, k, n) with score(q, m', k, n') (see kScoreArithmeticK).
// With an attention factor the rotary part of the score scales by s², its element errors
// by (kRotatedElementK + e)/kRotatedElementK, and θ̂_i ≤ 1 becomes θ̂_i ≤ max θ̂.
Real score_pair_tolerance(const RopeSpec& spec, const Vector<Real>& q, const Vector<Real>& k, const Real& positions) {
  const double dims = static_cast<double>(spec.head_dim);
  const Real s = reference::attention_factor<Real>(spec);
  const double arithmetic = kScoreArithmeticK + 2 * kAttentionRotatedElementK * attention_roundings(spec);
  const Real theta = spec.scaling.type == ScalingType::none ? Real(1) : std::max(Real(1), largest_theta(spec));
  return u() * std::max(Real(1), Real(s * s)) * sqrt(norm2(q, 0, q.size()) * norm2(k, 0, k.size())) *
         (2 * (arithmetic + dims) + theta * positions);
}
}  // namespace

void check_permuted_half_split_scores_agree(const RopeCase& c, bool permute_key) {
  RopeSpec interleaved = c.spec, split = c.spec;
  interleaved.layout = Layout::interleaved;
  split.layout = Layout::half_split;
  const std::size_t half = c.spec.pairs();
  const auto deinterleave = [half](const Vector<Real>& z) { return deinterleaved(z, half); };
  const Real m = to_real(c.m), n = to_real(c.n);
  const Vector<Real> q = to_reals(c.x), k = to_reals(c.y);
  const Real original = reference::score<Real>(reference::apply_rope<Real>, interleaved, q, m, k, n);
  const Real hf = reference::score<Real>(reference::apply_rope<Real>, split, deinterleave(q), m,
                                         permute_key ? deinterleave(k) : k, n);
  const Real tolerance = score_pair_tolerance(c.spec, q, k, abs(m) + abs(n));
  WorstRatio worst("⟨R_m q, R_n k⟩ = ⟨H_m Pq, H_n Pk⟩");
  worst.add(abs(original - hf), tolerance, fmt::format("interleaved score {:.17g}, permuted half_split {:.17g}", d(original), d(hf)));
  worst.require();
}

void check_score_shift_invariant(const RopeCase& c, const Form& encoding) {
  const Real m = to_real(c.m), n = to_real(c.n), t = to_real(c.shift);
  const Vector<Real> q = to_reals(c.x), k = to_reals(c.y);
  const Real s1 = reference::score<Real>(encoding, c.spec, q, m, k, n);
  const Real s2 = reference::score<Real>(encoding, c.spec, q, Real(m + t), k, Real(n + t));
  const Real tolerance = score_pair_tolerance(c.spec, q, k, abs(m) + abs(n) + abs(m + t) + abs(n + t));
  WorstRatio worst("score(q, m, k, n) = score(q, m+t, k, n+t)");
  worst.add(abs(s1 - s2), tolerance, fmt::format("scores {:.17g} vs {:.17g}", d(s1), d(s2)));
  worst.require();
}

namespace {
struct AttentionInputs {
  reference::Sequence<Real> base, shifted;
  Real max_v{0};
};
AttentionInputs attention_inputs(const AttentionCase& c) {
  AttentionInputs in;
  for (std::size_t i = 0; i < c.q.size(); ++i) {
    in.base.q.push_back(to_reals(c.q[i]));
    in.base.k.push_back(to_reals(c.k[i]));
    in.base.v.push_back(to_reals(c.v[i]));
    in.base.positions.push_back(to_real(c.positions[i]));
    for (double e : c.v[i]) in.max_v = std::max(in.max_v, Real(std::fabs(e)));
  }
  in.shifted = in.base;
  for (Real& p : in.shifted.positions) p += to_real(c.shift);
  return in;
}
Real shifted_positions(const AttentionInputs& in, std::size_t i, std::size_t j) {
  return abs(in.base.positions[i]) + abs(in.base.positions[j]) + abs(in.shifted.positions[i]) +
         abs(in.shifted.positions[j]);
}
void compare_outputs(const char* what, const std::vector<Vector<Real>>& a, const std::vector<Vector<Real>>& b,
                     const std::vector<Real>& tolerance) {
  WorstRatio worst(what);
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t dim = 0; dim < a[i].size(); ++dim) {
      worst.add(abs(a[i][dim] - b[i][dim]), tolerance[i], fmt::format("token {} dim {}", i, dim));
    }
  }
  worst.require();
}
}  // namespace

void check_softmax_attention_shift_invariant(const AttentionCase& c, const Form& encoding) {
  const AttentionInputs in = attention_inputs(c);
  const std::size_t tokens = c.q.size();
  // A logit error δ moves softmax weights by ≤ 2δ·w_j (first order: δ ≪ 1 for the
  // moderate inputs generated), so outputs by ≤ 2δ·max|v|; each run's softmax and
  // weighted sum add ≤ (2T + 4)·u·max|v|.
  Real delta(0);
  const Real scale = 1 / sqrt(Real(static_cast<unsigned>(c.spec.head_dim)));
  for (std::size_t i = 0; i < tokens; ++i) {
    for (std::size_t j = 0; j < tokens; ++j) {
      const Real logit_error =
          score_pair_tolerance(c.spec, in.base.q[i], in.base.k[j], shifted_positions(in, i, j)) * scale;
      delta = std::max(delta, logit_error);
    }
  }
  const double t = static_cast<double>(tokens);
  const Real tolerance = (2 * delta + (2 * (2 * t + 4) + 1) * u()) * in.max_v;
  compare_outputs("softmax attention is invariant to shifting all positions",
                  reference::softmax_attention<Real>(encoding, c.spec, in.base),
                  reference::softmax_attention<Real>(encoding, c.spec, in.shifted),
                  std::vector<Real>(tokens, tolerance));
}

void check_linear_attention_shift_invariant(const AttentionCase& c, const Form& encoding) {
  const AttentionInputs in = attention_inputs(c);
  const std::size_t tokens = c.q.size();
  // out_i = Σ_j w_ij v_j / den_i with den_i = Σ_j ⟨φ(q_i), φ(k_j)⟩ computed identically in
  // both runs; w_ij moves by its score tolerance τ_ij; each run's sums and division add
  // ≤ (T + 2)·u·Σ_j |w_ij|·max|v| / den_i.
  std::vector<Real> tolerance;
  const double t = static_cast<double>(tokens);
  for (std::size_t i = 0; i < tokens; ++i) {
    const Vector<Real> fq = reference::elu_plus_one(in.base.q[i]);
    const Vector<Real> qe = encoding(c.spec, in.base.positions[i], fq);
    Real moved(0), magnitude(0), denominator(0);
    for (std::size_t j = 0; j < tokens; ++j) {
      const Vector<Real> fk = reference::elu_plus_one(in.base.k[j]);
      moved += score_pair_tolerance(c.spec, fq, fk, shifted_positions(in, i, j));
      magnitude += abs(reference::dot(qe, encoding(c.spec, in.base.positions[j], fk)));
      denominator += reference::dot(fq, fk);
    }
    tolerance.push_back((moved + (2 * (t + 2) + 1) * u() * magnitude) * in.max_v / denominator);
  }
  compare_outputs("linear attention (RoPE in the numerator) is invariant to shifting all positions",
                  reference::linear_attention<Real>(encoding, c.spec, in.base),
                  reference::linear_attention<Real>(encoding, c.spec, in.shifted), tolerance);
}

void check_abel_identity(const RopeCase& c, const ByParts& by_parts) {
  const Real m = to_real(c.m), n = to_real(c.n);
  const Vector<Real> q = to_reals(c.x), k = to_reals(c.y);
  const auto terms = reference::abel_terms<Real>(c.spec, q, k, Real(m - n));
  const Complex<Real> direct = reference::abel_direct_sum(terms);
  const Complex<Real> parts = by_parts(terms);
  const double r = static_cast<double>(c.spec.rotary_dim);
  const Real h_total = reference::abel_magnitude(terms);
  WorstRatio worst("Σ h_i e^{iΔθ_i} = −Σ S_{i+1}(h_{i+1} − h_i)");
  worst.add(abs(Complex<Real>(direct - parts)), kAbelIdentityK * (r + 2) * (r + 2) * u() * h_total,
            fmt::format("Δ = {:.17g}", d(Real(m - n))));
  // And the sum is the RoPE score over the rotary dims: ⟨R_m q, R_n k⟩ = Re Σ.
  const Vector<Real> qm = reference::apply_rope<Real>(c.spec, m, q), kn = reference::apply_rope<Real>(c.spec, n, k);
  Real rotary_score(0), qn(0), kn2(0);
  for (std::size_t i = 0; i < c.spec.rotary_dim; ++i) {
    rotary_score += qm[i] * kn[i];
    qn += q[i] * q[i];
    kn2 += k[i] * k[i];
  }
  const Real angle_positions = abs(m) + abs(n) + abs(Real(m - n));
  const Real score_tolerance = u() * sqrt(qn * kn2) * (2 * (kScoreArithmeticK + r) + angle_positions + r + 4);
  worst.add(abs(rotary_score - real(direct)), score_tolerance,
            fmt::format("score {:.17g} vs Re Σ {:.17g}", d(rotary_score), d(Real(real(direct)))));
  worst.require();
}

void check_abel_bound(const RopeCase& c, const Bound& bound) {
  const Real m = to_real(c.m), n = to_real(c.n);
  const auto terms = reference::abel_terms<Real>(c.spec, to_reals(c.x), to_reals(c.y), Real(m - n));
  const Complex<Real> sum = reference::abel_direct_sum(terms);
  const Real magnitude = abs(sum);
  if (abs(Real(real(sum))) > magnitude) RC_FAIL("|Re Σ| > |Σ|");
  const double r = static_cast<double>(c.spec.rotary_dim);
  const Real b = bound(terms);
  WorstRatio worst("|Σ h_i e^{iΔθ_i}| ≤ max|h_{i+1} − h_i|·Σ|S_j|");
  const Real excess = magnitude > b ? Real(magnitude - b) : Real(0);
  worst.add(excess, kAbelBoundK * (r + 2) * (r + 2) * (r + 2) * u() * reference::abel_magnitude(terms),
            fmt::format("|Σ| = {:.17g}, bound = {:.17g}", d(magnitude), d(b)));
  worst.require();
}

void check_decay_at_zero(const DecayCase& c, const DecayFn& decay) {
  const auto point = decay(c.rotary_dim, c.base, Real(0));
  const Real expected = (Real(static_cast<unsigned>(c.rotary_dim / 2)) + 1) / 2;
  if (point.f != expected) {
    RC_FAIL(fmt::format("f(0) = {:.17g}, expected (R/2 + 1)/2 = {:.17g} exactly (R = {})", d(point.f), d(expected),
                        c.rotary_dim));
  }
}

void check_decay_never_exceeds_zero_distance(const DecayCase& c, const DecayFn& decay) {
  const auto point = decay(c.rotary_dim, c.base, Real(c.distance));
  const double half = static_cast<double>(c.rotary_dim / 2);
  const Real f0 = Real(half + 1) / 2;
  const Real tolerance = kDecayK * (half + 1) * (half + 1) * u();
  WorstRatio worst("f(Δ) ≤ f(0)");
  worst.add(point.f > f0 ? Real(point.f - f0) : Real(0), tolerance, fmt::format("f(Δ) = {:.17g}", d(point.f)));
  worst.require();
}

const std::vector<DecayTrendRow>& decay_trend_table() {
  // Measured at reference precision by properties/decay_properties.cc
  // (decay_trend_table_matches_measurement recomputes every row).
  static const std::vector<DecayTrendRow> table{
      {128, 10000.0, 8},  // Su's curve: decreasing over [1, 256), turns at 256
      {64, 10000.0, 8},
      {256, 10000.0, 11},
      {512, 10000.0, 11},
      {128, 1000000.0, 11},
      {128, 500000.0, 12},
  };
  return table;
}

Real decay_band_maximum(const std::vector<Real>& thetas, int octave) {
  Real best(0);
  for (int s = 0; s < 64; ++s) {
    const Real distance = ldexp(Real(64 + s), octave - 6);  // 2^k·(1 + s/64)
    best = std::max(best, reference::decay_point<Real>(thetas, distance).f);
  }
  return best;
}

std::ostream& operator<<(std::ostream& os, const DecayTrendCase& c) {
  const auto& row = decay_trend_table().at(c.table_row);
  return os << fmt::format("rotary_dim={} base={} octave={} (band [{}, {}) vs [{}, {}))", row.rotary_dim, row.base,
                           c.octave, std::ldexp(1, c.octave), std::ldexp(1, c.octave + 1),
                           std::ldexp(1, c.octave + 1), std::ldexp(1, c.octave + 2));
}

rc::Gen<DecayTrendCase> gen_decay_trend_case() {
  return rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, decay_trend_table().size()), [](std::size_t row) {
    return rc::gen::map(rc::gen::inRange(0, decay_trend_table()[row].decreasing_octaves - 1),
                        [row](int octave) { return DecayTrendCase{row, octave}; });
  });
}

void check_decay_trend(const DecayTrendCase& c, const FrequencyFn& frequencies) {
  const auto& row = decay_trend_table().at(c.table_row);
  const std::vector<Real> thetas = frequencies(row.rotary_dim, row.base);
  const Real here = decay_band_maximum(thetas, c.octave), next = decay_band_maximum(thetas, c.octave + 1);
  if (!(next < here)) {
    RC_FAIL(fmt::format("band maximum does not decrease: {:.17g} then {:.17g}", d(here), d(next)));
  }
}

double cross_check_trig_error_units(const CrossCheckReal& angle) {
  const Real exact_angle = reference::to_reference(angle);
  const Real error = std::max(abs(reference::to_reference(CrossCheckReal(cos(angle))) - cos(exact_angle)),
                              abs(reference::to_reference(CrossCheckReal(sin(angle))) - sin(exact_angle)));
  return d(Real(error / (ldexp(Real(1), -128) * (1 + abs(exact_angle)))));
}

double cross_check_pow_error_units(double base, const CrossCheckReal& exponent) {
  const CrossCheckReal approximate = pow(CrossCheckReal(base), -exponent);
  const Real exact = pow(Real(base), -reference::to_reference(exponent));
  return d(Real(abs(reference::to_reference(approximate) - exact) / exact / (ldexp(Real(1), -128) * (1 + abs(log(exact))))));
}

void check_backends_agree(const RopeCase& c, const CrossCheckForm& cross_check) {
  const Real m = to_real(c.m);
  const Vector<Real> x = to_reals(c.x);
  const Vector<Real> mp = reference::apply_rope<Real>(c.spec, m, x);
  const Vector<Real> bin = cross_check(c.spec, c.m, c.x);
  const std::vector<Real> thetas = reference::frequencies<Real>(c.spec);
  const std::vector<CrossCheckReal> cross_thetas = reference::frequencies<CrossCheckReal>(c.spec);
  const Real u128 = ldexp(Real(1), -128);
  WorstRatio worst("MPFR and cpp_bin_float agree");
  for (std::size_t dim = 0; dim < c.spec.head_dim; ++dim) {
    Real tolerance(0);
    if (dim < c.spec.rotary_dim) {
      const std::size_t pair = reference::pair_of_dim(c.spec.layout, c.spec.rotary_dim, dim);
      const auto [a, b] = reference::pair_indices(c.spec.layout, c.spec.rotary_dim, pair);
      const Real phi = abs(m * thetas[pair]);
      const Real pair_norm = sqrt(x[a] * x[a] + x[b] * x[b]);
      const Real theta_error = abs(reference::to_reference(cross_thetas[pair]) / thetas[pair] - 1);  // ρ_i
      tolerance = (kRotatedElementK + kCrossCheckTrigK * (1 + phi)) * u128 * pair_norm +
                  (theta_error + u128) * phi * pair_norm;
    }
    worst.add(abs(mp[dim] - bin[dim]), tolerance, fmt::format("dim {}", dim));
  }
  worst.require();
}

}  // namespace ropecheck::props
