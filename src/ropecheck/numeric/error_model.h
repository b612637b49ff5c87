// The error model behind every tolerance on a RoPE output (docs/error-model.md#the-element-bound), with its constants
// derived here and checked by properties/kernel_properties.cc and table_properties.cc.
//
// One output element y of a pair (a, b) with exact trig (c, s_φ) of the exact angle and
// attention factor s is y = s(a·c − b·s_φ), or y = s(b·c + a·s_φ) for the pair's second
// element, whose σ below swaps a and b accordingly. A candidate ŷ in output
// dtype (unit roundoff u_out) computed in a compute precision u_c from a cos/sin table
// satisfies, to first order,
//
//   |ŷ − y| ≤ u_out·|y| + η_out + η_c + K·u_c·σ + Δ·s·(|a| + |b|),
//   σ = s(|a||c| + |b||s_φ|) for a', s(|b||c| + |a||s_φ|) for b'
//
//   u_out·|y|  the final rounding to the output dtype (f32 output: the last operation);
//   η_out      half the output dtype's smallest subnormal: correct rounding below the
//              normal range is absolute, not relative;
//   η_c        kComputeUnderflowOps·2^-150: each f32 operation that underflows adds
//              half an f32 subnormal quantum instead of a relative error;
//   K·u_c·σ    table rounding and the arithmetic of the kernel (K derived below);
//   Δ          the table's absolute error beyond rounding: the angle error and the
//              evaluation error of cos/sin, per unit of |a| + |b|.
//
// Derivation of K for the kernels of kernels/rope_kernels-inl.h. The table holds
// ĉ = RN_f32(s·c) + e_c with |ĉ − s·c| ≤ u·s|c| + Δ (and the same for sine), so using ĉ
// instead of s·c costs at most u·σ + Δ(|a| + |b|): one unit of K. The arithmetic is
//   fused   (FMA targets):   ŷ = RN(a·ĉ + RN(−b·ŝ))       one product rounding: ≤ u|b ŝ|
//   unfused (other targets): ŷ = RN(RN(a·ĉ) − RN(b·ŝ))    two product roundings: ≤ u(|aĉ| + |bŝ|)
// both ≤ u·σ: a second unit of K, so both kinds of target have the same first-order K
// (named separately because they round differently, and bit equality across them is not
// expected). The final RN is u_f32·|y| — the u_out|y| term for an f32 output; for a
// bf16/f16 output that f32 rounding becomes a third unit of K (|y| ≤ σ) and the single
// final RNE to the narrow dtype is u_out|y|. Second-order terms (u²σ, u_out·K·u·σ ≤
// 2^-8·3uσ) are covered by kSecondOrderAllowance.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/dtype.h"

namespace ropecheck::numeric {

// Accuracy profiles (docs/error-model.md#profiles). `exact`: f32 compute, cos/sin from angles formed in
// double or better (position-independent). `f32-angle`: f32 compute, angles formed in
// float32 as correct PyTorch/ggml pipelines do (error grows with the position).
// `f16-compute` and `bf16-compute`: cos/sin and the arithmetic in f16 or bf16 (angles in
// f32), as pipelines that keep everything in the model dtype do (vLLM's and HF's float16
// and bfloat16 paths). Listed tightest first; f16-compute's underflow term makes it looser
// than bf16-compute for results near f16's subnormal range, tighter everywhere else.
enum class Profile { exact, f32_angle, f16_compute, bf16_compute };

inline constexpr Profile kProfiles[] = {Profile::exact, Profile::f32_angle, Profile::f16_compute, Profile::bf16_compute};

std::string_view to_string(Profile profile);  // "exact", "f32-angle", "f16-compute", "bf16-compute"
std::vector<std::string> profile_names();      // to_string of each of kProfiles, in order
// What a candidate that meets the profile (and no tighter one) computes, for diagnoses:
// "angles formed in float32 (…)", "cos/sin and arithmetic in f16 (…)".
std::string_view pipeline_of(Profile profile);
Profile profile_from_string(std::string_view name);   // throws InvalidInput

// Whether the kernel's products were fused into the final add (changes rounding, not K).
enum class Arithmetic { fused, unfused };

inline constexpr double kSecondOrderAllowance = 1.0 / 64;
inline constexpr double kF32OutputFusedK = 2 + kSecondOrderAllowance;
inline constexpr double kF32OutputUnfusedK = 2 + kSecondOrderAllowance;
inline constexpr double kNarrowOutputFusedK = 3 + kSecondOrderAllowance;
inline constexpr double kNarrowOutputUnfusedK = 3 + kSecondOrderAllowance;

// Three f32 operations per output element can underflow (two products and the sum).
inline constexpr double kComputeUnderflowOps = 3;

// Δ of the accurate table (kernels/cos_sin_table.h derives it: reduction and polynomial
// evaluation in double, ≤ 8 double roundings of quantities ≤ 1 in magnitude ⇒ 8·2^-53).
inline constexpr double kAccurateTableAbsError = 0x1p-50;

// f32-angle profile, per pair i: Δ_i = 2^-24·((K_a + K_r·i)·|m|·θ_i + K_a).
// A float32 pipeline's angle error on pair i grows with its own angle |m|·θ_i, not with
// |m|·max θ: allowing every pair the error of the fastest one lets a pair with θ_i = 1e-4
// at m = 2^23 turn by 16 rad, so any rotation at all passes (measured: random angles on
// llama2_7b_half_split_f32 at 8 positions near 2^23 passed at 0.121 of the old bound).
// Derivation, with u = 2^-24 the f32 unit roundoff (one rounding ≤ u relative, one ulp
// ≤ 2u relative), for the relative error of the f32 angle of pair i:
//  - HF/Meta/vLLM products: θ_f32 = 1/powf(base, 2i/R) — powf ≤ 1 ulp (2u), the division
//    u, and (2i/R)·ln(base)·u ≤ ln(base)·u when 2i/R is not exact in f32 (R not a power
//    of two); the f32 position is exact below 2^24 and the product m·θ_f32 rounds once
//    (u): |δφ_i| ≤ (4 + ln base)·u·|m|θ_i ≤ 21u·|m|θ_i for base ≤ 1e7. Above 2^24 the
//    position itself rounds to f32 (u more: int32/int64 positions near 2^31, 2^32), still
//    ≤ 22u·|m|θ_i. Scaled
//    frequencies (llama3's smooth blend, YaRN's ramp blend, LongRoPE's division by a
//    factor, a dynamic base computed in f32) add a few u of the same kind.
//  - ggml's recurrence: θ_i = m·q^i by i successive f32 multiplications, with
//    q = powf(base, −2/R) off by ≤ 2u (and ≤ (2/R)·ln(base)·u ≤ u more when R is not a
//    power of two): each step adds ≤ 2u + u + u, so |δφ_i| ≤ 4i·u·|m|θ_i: K_r = 4.
//  - The absolute term: a libm cosf/sinf (≤ 1 ulp ≤ 2u of a value ≤ 1), the f32 product by
//    the attention factor and the table's rounding to f32: a few u.
// K_a = 32 covers the products with margin for scaling. Over the whole domain: the
// recurrence's per-step error does not depend on the base, so K_r = 4 holds for every base
// and R ≤ 512; the products' (4 + ln base)·u stays under K_a·u for base ≤ e^28 ≈ 1.4e12.
// At the corners the generators now draw (kernel_cases.h): R = 512 with base 2, the
// recurrence peaks at 0.094 of the bound (f32 output), R = 2 with base 1e7 at 0.016. Tests:
// properties/check_test.cc (every correct float32 pipeline — products, recurrence, the
// PyTorch adapter — passes at positions up to 2^24, random angles fail).
// A pair whose θ_i is exactly 1 (pair 0 wherever the scaling leaves it alone: none,
// llama3, yarn and dynamic; proportional without a factor; longrope when its pair-0
// factor is 1) has an exact float32
// angle: base^0 = 1 in powf, 1/1 = 1, m·1 = m below 2^24, and ggml starts its recurrence
// at m. That pair gets no angle allowance, only the table's position-independent term.
// Without this, cos/sin evaluated on the unreduced angle (CUDA's __sinf/__cosf, whose
// range reduction multiplies by 1/2π in float32: kekzl/imp #1325 measured 1.0e-2 at
// position 131071) passed f32-angle at every position.
// Below 2^24 every integer position is exact in float32; above it f32(m) rounds (one more
// u of |m|·θ_i, inside K_a), so the θ_i = 1 exemption holds only up to here.
inline constexpr double kF32ExactIntegerLimit = 0x1p24;
inline constexpr double kF32AngleK = 32;
inline constexpr double kF32RecurrenceK = 4;
// Where the allowance reaches a radian the profile checks little but the norm: a case
// whose every element is that loose passes only weakly (conformance.h).
inline constexpr double kWeakAngleAllowance = 1;

// bf16-compute profile: u_c = 2^-8, angles as f32-angle. K: the table's cos/sin rounded to
// bf16 (one unit, as for the f32 table), the two products rounded in bf16 (≤ u_c·σ, one
// unit) and the difference rounded in bf16 (≤ u_c·|y| ≤ u_c·σ, one unit — for a bf16
// output it is the output rounding counted twice, for f32/f16 outputs it is needed).
// Second order: (1 + u_c)^3 − 1 − 3u_c ≈ 3u_c² and the output rounding of the K terms
// u_out·3u_c·σ add ≤ 6·2^-8 = 0.023 units of u_c·σ for a bf16 output: allowance 1/16.
inline constexpr double kBf16ComputeK = 3 + 1.0 / 16;
// f16-compute profile: u_c = 2^-11, the same three units as bf16-compute; second order
// 6·2^-11 = 0.003 units: allowance 1/64. Underflow: the two f16 products and their
// difference each lose ≤ half of f16's subnormal quantum, 3·2^-25, which is what vLLM's
// float16 path needs on edge_f16 (−2^-23 where the exact value is −1.41·2^-24: 0.59 ulp,
// from two product roundings in the subnormal range). A cos/sin entry that is subnormal
// in f16 (|value| < 2^-14) loses ≤ 2^-25 absolute, inside the table term Δ = 32·2^-24.
inline constexpr double kF16ComputeK = 3 + 1.0 / 64;

// A position scale σ(m) ≠ 1 (spec.h: Llama 4's query temperature, Mistral 3's β scale)
// multiplies the whole output, and real pipelines apply it as a separate step after the
// rotation (HF: query_states * scale, with the scale in f32 for Llama 4 and rounded to the
// model dtype first for Mistral 3). With σ folded into s (s' = s·σ, so the σ term above is
// already σ·s(…)), that step costs, in the compute precision u_c:
//  - σ rounded to the compute dtype: ≤ u_c·σ·|y_rot| ≤ u_c·σ_term, one unit;
//  - the product by σ rounded: ≤ u_c·|y| ≤ u_c·σ_term, one unit (for an f32 output the
//    rotation's own final rounding is then an intermediate one, already a unit of K).
// Second order: 2 more units add ≤ (2K + 1)·u_c² ≲ 7·2^-8·u_c in bf16-compute: 1/32.
// Pass-through dims of a scaled token are the same with a = x, b = 0, c = 1 (θ = 0): they
// are measured against this bound instead of bit equality. kernels/ fold σ into the table
// (one rounding of s·σ·cos) and scale pass-through dims with one f32 product, within K + 2.
inline constexpr double kPositionScaleK = 2 + 1.0 / 32;

struct ErrorModel {
  Dtype output = Dtype::f32;
  double output_roundoff = 0;     // u_out
  double output_underflow = 0;    // η_out
  double compute_underflow = 0;   // η_c
  double compute_roundoff = 0;    // u_c
  double k = 0;                   // K
  double table_abs_error = 0;     // Δ at position 0
  double angle_per_radian = 0;    // added to Δ per unit of |m|·θ_i (f32-angle, bf16-compute)
  double angle_per_radian_per_pair = 0;  // and per unit of i·|m|·θ_i (ggml's recurrence)
};

ErrorModel error_model(Profile profile, Dtype output, Arithmetic arithmetic);

// Everything the bound of one output element needs besides y itself.
struct PairTerms {
  double a = 0, b = 0;      // the pair's inputs
  double cos = 1, sin = 0;  // exact trig of the exact angle (attention factor not applied)
  double attention = 1;     // s, times the position scale σ(m) where the spec has one
  bool position_scaled = false;  // σ(m) ≠ 1: kPositionScaleK more units of u_c
  double position = 0;      // m
  double theta = 1;         // θ_i of the element's pair
  std::size_t pair = 0;     // i
  bool second = false;      // the element is b' = s(b·c + a·s_φ), not a'
};

double element_bound(const ErrorModel& model, double exact_y, const PairTerms& pair);

// The angle error (rad) the model allows pair i at position m: Δ_i minus the table's
// position-independent part. 0 for `exact`.
double angle_allowance(const ErrorModel& model, double position, double theta, std::size_t pair);

// The position from which every pair's angle allowance is at least kWeakAngleAllowance
// (the profile then checks little but the norms), for frequencies θ_i; nullopt for a
// profile without an angle allowance or without pairs. `frequency_index[i]` is the k in
// pair i's exponent 2k/R (position_axes.h: 2-D vision reorders them), i when empty.
std::optional<double> weak_from_position(const ErrorModel& model, std::span<const double> thetas,
                                         std::span<const std::size_t> frequency_index = {});

}  // namespace ropecheck::numeric
