#include "ropecheck/reference/certified_rope.h"

#include <fmt/format.h>
#include <mpfr.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ropecheck/errors.h"
#include "ropecheck/reference/parallel_ranges.h"
#include "ropecheck/reference/certified_lanes.h"
#include "ropecheck/reference/certified_trig.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/interval_rounding.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::reference {

CertifiedStats& CertifiedStats::operator+=(const CertifiedStats& other) {
  elements += other.elements;
  element_fallbacks += other.element_fallbacks;
  element_fix_ups += other.element_fix_ups;
  angles += other.angles;
  angle_fallbacks += other.angle_fallbacks;
  uncovered_angles += other.uncovered_angles;
  return *this;
}

namespace {

inline constexpr double kMinMagnitude = 0x1p-600;
inline constexpr double kMaxMagnitude = 0x1p600;
inline constexpr double kMinFactor = 0x1p-60;
// |ĉ|, |ŝ| below this (and not exactly 0) send the pair to MPFR: with inputs ≥ 2^-600 and
// factors ≥ 2^-60, every product and its low part then stays far above 2^-1022, so no
// double-double step underflows (the proofs assume none).
inline constexpr double kMinTrig = 0x1p-300;

bool trig_in_range(const CertifiedCosSin& cs) {
  auto fine = [](double v) { return v == 0 || std::fabs(v) >= kMinTrig; };
  return fine(cs.cos.hi) && fine(cs.sin.hi);
}
inline constexpr double kMaxFactor = 0x1p60;

// One element's decision: `expected` and, with a dtype, its bits; nullopt if undecided.
// The general form, for the lanes the branch-free one leaves (certified_rope's fix-ups).
struct Decided {
  double expected;
  std::uint64_t bits;
};

std::optional<Decided> decide(DoubleDouble y, double error_bound, std::optional<Dtype> rounded_to) {
  const DecidedF64 f64 = round_interval_to_f64(y, error_bound);
  if (!f64.ok) return std::nullopt;
  Decided d{f64.value, 0};
  if (rounded_to) {
    const DecidedBits bits = round_decided_f64_to_bits(f64, *rounded_to);
    if (!bits.ok) return std::nullopt;
    d.bits = bits.bits;
  }
  return d;
}

// a·C + b·S for doubles a, b and double-doubles C, S: the products' high parts exactly
// (two_prod), their sum exactly (two_sum), and the four low-order terms in double. Its
// error is ≤ 17u²·(|a·C_hi| + |b·S_hi|) (proofs/certified_element.g; Gappa finds 11u²).
DoubleDouble dot2(double a, DoubleDouble c, double b, DoubleDouble s) {
  const DoubleDouble p = two_prod(a, c.hi);
  const DoubleDouble q = two_prod(b, s.hi);
  const DoubleDouble sum = two_sum(p.hi, q.hi);
  const double tail = std::fma(a, c.lo, std::fma(b, s.lo, p.lo + q.lo)) + sum.lo;
  return two_sum(sum.hi, tail);
}

bool fast_magnitude(double v) {
  const double m = std::fabs(v);
  return m == 0 || (m >= kMinMagnitude && m <= kMaxMagnitude);  // false for Inf and NaN
}

// The row factor f = σ(m)·s of one token, at 257 bits (as exact_rope forms it) and in
// double-double.
struct RowFactor {
  Real sigma;
  Real factor;
  DoubleDouble factor_dd;
  DoubleDouble sigma_dd;
  bool usable = false;      // f and σ within [2^-60, 2^60]
  bool unit = false;        // f = 1 exactly: Ĉ, Ŝ are ĉ, ŝ themselves
  bool sigma_unit = false;  // σ = 1 exactly: pass-through dims are x itself
};

RowFactor row_factor(const Real& sigma, const Real& s) {
  RowFactor r{sigma, sigma * s, {}, {}, false, false, false};
  r.unit = r.factor == 1;
  r.sigma_unit = sigma == 1;
  r.factor_dd = to_double_double(r.factor);
  r.sigma_dd = to_double_double(sigma);
  const double f = std::fabs(r.factor_dd.hi);
  const double g = std::fabs(r.sigma_dd.hi);
  r.usable = f >= kMinFactor && f <= kMaxFactor && g >= kMinFactor && g <= kMaxFactor;
  return r;
}

// Per token, per pair: Ĉ = f·ĉ and Ŝ = f·ŝ, the angle's share of E, and which pairs the
// fast path takes (in its domain, angle decided).
struct PairLanes {
  std::vector<double> c_hi, c_lo, s_hi, s_lo, angle_term, fast;  // fast: 1.0 or 0.0
  void resize(std::size_t n) {
    for (std::vector<double>* v : {&c_hi, &c_lo, &s_hi, &s_lo, &angle_term, &fast}) v->resize(n);
  }
};

// What a spec needs at reference precision before any token: θ_i, the attention factor
// and θ_i·2/π split into doubles. Reports and sweeps call the truth many times for one
// spec, so the last few are kept (keyed by the spec's canonical JSON), at most
// kPreparedSpecs, shared read-only between threads.
struct PreparedSpec {
  std::vector<Real> thetas;
  Real attention;
  CertifiedFrequencies certified;
  explicit PreparedSpec(const RopeSpec& spec)
      : thetas(reference::frequencies<Real>(spec)), attention(attention_factor<Real>(spec)), certified(thetas) {}
};

constexpr std::size_t kPreparedSpecs = 8;

std::shared_ptr<const PreparedSpec> prepared(const RopeSpec& spec) {
  static std::mutex mutex;
  static std::deque<std::pair<std::string, std::shared_ptr<const PreparedSpec>>> recent;  // newest first
  const std::string key = to_json_text(spec);
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [k, p] : recent) {
      if (k == key) return p;
    }
  }
  auto made = std::make_shared<const PreparedSpec>(spec);  // outside the lock: MPFR takes a while
  const std::lock_guard<std::mutex> lock(mutex);
  recent.emplace_front(key, made);
  if (recent.size() > kPreparedSpecs) recent.pop_back();
  return made;
}

class Engine {
 public:
  Engine(const RopeSpec& spec, std::optional<Dtype> rounded_to)
      : spec_(spec), rounded_to_(rounded_to), format_(format_of(rounded_to.value_or(Dtype::f64))),
        prepared_(prepared(spec)), thetas_(prepared_->thetas), attention_(prepared_->attention),
        axis_(pair_axes(spec)), frequencies_(prepared_->certified), unscaled_(row_factor(Real(1), attention_)) {
    const std::size_t pairs = spec.pairs();
    for (std::size_t i = 0; i < pairs; ++i) {
      const auto [ia, ib] = pair_dims(spec, i);
      first_.push_back(static_cast<std::int64_t>(ia));
      second_.push_back(static_cast<std::int64_t>(ib));
    }
    for (std::size_t dim = 0; dim < spec.head_dim; ++dim) {
      if (!spec.rotates(dim)) pass_through_dims_.push_back(dim);
    }
    lane_positions_.resize(pairs);
    pair_lanes_.resize(pairs);
    undecided_.resize(pairs);
  }

  // certified_pair (certified_rope.h): pair i at m for the interleaved inputs ab.
  PairAngle pair_run(std::size_t i, std::int64_t m, std::span<const double> ab, std::span<double> expected,
                     std::span<std::uint64_t> bits, CertifiedStats& stats) {
    const std::size_t n = ab.size() / 2;
    const RowFactor& row = factor_of(m);
    const Outputs out{ab.data(), expected.data(), rounded_to_ ? bits.data() : nullptr};
    PairAngle angle;
    angle.factor = static_cast<double>(row.factor);
    angle.theta = static_cast<double>(thetas_[i]);
    stats.angles += 1;
    stats.elements += 2 * n;
    std::optional<CertifiedCosSin> cs;
    if (row.usable && frequencies_.covers(i, m)) cs = frequencies_.cos_sin(i, m);
    if (cs && trig_in_range(*cs)) {
      if (const std::optional<DecidedCosSin> decided = decide_cos_sin(*cs)) {
        angle.cos = decided->cos;
        angle.sin = decided->sin;
      } else {
        ++stats.angle_fallbacks;
        cs.reset();
      }
    } else {
      ++stats.uncovered_angles;
      cs.reset();
    }
    if (!cs) {  // MPFR for the angle and every element
      const Slow slow = slow_angle(i, m, row);
      angle.cos = static_cast<double>(slow.cos);
      angle.sin = static_cast<double>(slow.sin);
      stats.element_fallbacks += 2 * n;
      for (std::size_t k = 0; k < n; ++k) {
        const ExactPairValues exact = exact_pair_values(ab[2 * k], ab[2 * k + 1], slow.scaled_cos, slow.scaled_sin);
        store(out, 2 * k, exact.first);
        store(out, 2 * k + 1, exact.second);
      }
      return angle;
    }
    const DoubleDouble c = row.unit ? cs->cos : mul(cs->cos, row.factor_dd);
    const DoubleDouble s = row.unit ? cs->sin : mul(cs->sin, row.factor_dd);
    PairLanes lanes;
    lanes.resize(n);
    std::fill(lanes.c_hi.begin(), lanes.c_hi.end(), c.hi);
    std::fill(lanes.c_lo.begin(), lanes.c_lo.end(), c.lo);
    std::fill(lanes.s_hi.begin(), lanes.s_hi.end(), s.hi);
    std::fill(lanes.s_lo.begin(), lanes.s_lo.end(), s.lo);
    std::fill(lanes.angle_term.begin(), lanes.angle_term.end(),
              std::fabs(row.factor_dd.hi) * cs->abs_error * (1 + 0x1p-50));
    std::fill(lanes.fast.begin(), lanes.fast.end(), 1.0);
    std::vector<unsigned char> undecided(n);
    ElementLanesCall call = lanes_call(lanes, n, undecided.data());
    call.interleaved = true;
    call.x = ab.data();
    call.expected = expected.data();
    call.bits = out.bits;
    if (element_lanes(call) != 0) {
      for (std::size_t k = 0; k < n; ++k) {
        if (undecided[k] != 0) fix_up(out, 2 * k, 2 * k + 1, lanes, k, i, m, undecided[k], row, stats);
      }
    }
    return angle;
  }

  const std::vector<Real>& thetas() const { return thetas_; }
  const Real& attention() const { return attention_; }

  // Token t of r (sized as exact_rope sizes it): expected, expected_bits, cos, sin and
  // position_scale.
  void token(ExactRope& r, std::size_t t, CertifiedStats& stats) {
    const std::size_t pairs = spec_.pairs();
    const std::size_t d = spec_.head_dim;
    const std::span<const std::int64_t> components(r.positions.data() + t * r.axes, r.axes);
    const RowFactor& row = factor_of(components[0]);
    r.position_scale[t] = static_cast<double>(row.sigma);

    for (std::size_t h = 0; h < r.heads; ++h) {
      const std::size_t base = (t * r.heads + h) * d;
      for (const std::size_t dim : pass_through_dims_) pass_through(r, base + dim, row, stats);
    }
    if (pairs == 0) return;

    for (std::size_t i = 0; i < pairs; ++i) lane_positions_[i] = components[axis_[i]];
    frequencies_.cos_sin(lane_positions_, trig_);
    stats.angles += pairs;
    for (std::size_t i = 0; i < pairs; ++i) {
      const std::int64_t m = lane_positions_[i];
      // Pairs the fast path does not take are computed by MPFR after the heads (element_lanes
      // writes every lane); their lanes meanwhile compute on zeros.
      pair_lanes_.fast[i] = 0.0;
      pair_lanes_.c_hi[i] = pair_lanes_.c_lo[i] = pair_lanes_.s_hi[i] = pair_lanes_.s_lo[i] = 0;
      pair_lanes_.angle_term[i] = 0;
      if (!row.usable || !frequencies_.covers(i, m)) {
        ++stats.uncovered_angles;
        continue;
      }
      const CertifiedCosSin cs = trig_.lane(i);
      if (!trig_in_range(cs)) {
        ++stats.uncovered_angles;
        continue;
      }
      if (!decide_angle(r, t * pairs + i, cs)) {
        // Undecided cos or sin: the pair goes to MPFR whole (the signs of ĉ and ŝ, which
        // zero results need, are not certain either).
        ++stats.angle_fallbacks;
        continue;
      }
      const DoubleDouble c = row.unit ? cs.cos : mul(cs.cos, row.factor_dd);
      const DoubleDouble s = row.unit ? cs.sin : mul(cs.sin, row.factor_dd);
      pair_lanes_.c_hi[i] = c.hi;
      pair_lanes_.c_lo[i] = c.lo;
      pair_lanes_.s_hi[i] = s.hi;
      pair_lanes_.s_lo[i] = s.lo;
      pair_lanes_.angle_term[i] = std::fabs(row.factor_dd.hi) * cs.abs_error * (1 + 0x1p-50);
      pair_lanes_.fast[i] = 1.0;
    }

    std::uint64_t fast_pairs = 0;
    for (std::size_t i = 0; i < pairs; ++i) fast_pairs += pair_lanes_.fast[i] != 0 ? 1u : 0u;
    ElementLanesCall call = lanes_call(pair_lanes_, pairs, undecided_.data());
    call.interleaved = spec_.layout == Layout::interleaved;
    call.offset = spec_.rotary_offset;
    call.half = pairs;
    for (std::size_t h = 0; h < r.heads; ++h) {
      const std::size_t base = (t * r.heads + h) * d;
      call.x = r.x.data() + base;
      call.expected = r.expected.data() + base;
      call.bits = rounded_to_ ? r.expected_bits.data() + base : nullptr;
      stats.elements += 2 * fast_pairs;
      if (element_lanes(call) == 0) continue;
      for (std::size_t i = 0; i < pairs; ++i) {
        // Pairs the fast path does not take are MPFR's, below.
        if (pair_lanes_.fast[i] == 0 || undecided_[i] == 0) continue;
        fix_up(outputs_of(r), base + static_cast<std::size_t>(first_[i]), base + static_cast<std::size_t>(second_[i]),
               pair_lanes_, i, i, lane_positions_[i], undecided_[i], row, stats);
      }
    }
    for (std::size_t i = 0; i < pairs; ++i) {
      if (pair_lanes_.fast[i] == 0) slow_pair(r, t, i, lane_positions_[i], row, stats);
    }
  }

 private:
  struct Slow {
    Real cos;
    Real sin;
    Real scaled_cos;
    Real scaled_sin;
  };

  // exact_rope's angle for pair i at m: Real(m)·θ_i, MPFR's cos and sin, times the factor.
  Slow slow_angle(std::size_t i, std::int64_t m, const RowFactor& row) const {
    const Real angle = Real(m) * thetas_[i];
    Slow s{cos(angle), sin(angle), {}, {}};
    s.scaled_cos = row.factor * s.cos;
    s.scaled_sin = row.factor * s.sin;
    return s;
  }

  const RowFactor& factor_of(std::int64_t m0) {
    if (!scales_positions(spec_)) return unscaled_;
    const std::int64_t step = position_scale_step(*spec_.position_scale, m0);  // throws as exact_rope
    if (!scaled_ || scaled_step_ != step) {
      scaled_ = row_factor(position_scale<Real>(spec_, m0), attention_);
      scaled_step_ = step;
    }
    return *scaled_;
  }

  // The lanes' per-pair inputs and flags; the caller adds the layout, x and outputs.
  ElementLanesCall lanes_call(const PairLanes& lanes, std::size_t n, unsigned char* undecided) const {
    ElementLanesCall call;
    call.n = n;
    call.format = format_;
    call.fast = lanes.fast.data();
    call.c_hi = lanes.c_hi.data();
    call.c_lo = lanes.c_lo.data();
    call.s_hi = lanes.s_hi.data();
    call.s_lo = lanes.s_lo.data();
    call.angle_term = lanes.angle_term.data();
    call.undecided = undecided;
    return call;
  }

  // Where results go: a call's ExactRope arrays, or certified_pair's outputs.
  struct Outputs {
    const double* x;
    double* expected;
    std::uint64_t* bits;  // null without a dtype
  };
  Outputs outputs_of(ExactRope& r) const {
    return {r.x.data(), r.expected.data(), rounded_to_ ? r.expected_bits.data() : nullptr};
  }
  void store(Outputs o, std::size_t index, const Real& y) const {
    o.expected[index] = static_cast<double>(y);
    if (o.bits != nullptr) o.bits[index] = round_to_bits(y, *rounded_to_);
  }
  void store(Outputs o, std::size_t index, const Decided& d) const {
    o.expected[index] = d.expected;
    if (o.bits != nullptr) o.bits[index] = d.bits;
  }
  void store(ExactRope& r, std::size_t index, const Real& y) const { store(outputs_of(r), index, y); }
  void store(ExactRope& r, std::size_t index, const Decided& d) const { store(outputs_of(r), index, d); }

  void pass_through(ExactRope& r, std::size_t index, const RowFactor& row, CertifiedStats& stats) const {
    ++stats.elements;
    const double x = r.x[index];
    // A NaN goes to MPFR: the sign round_to_bits gives it is MPFR's, not the double's.
    if (row.sigma_unit && !std::isnan(x)) {  // y = x exactly: one rounding of a double
      r.expected[index] = x;
      if (rounded_to_) r.expected_bits[index] = round_double_to_bits(x, *rounded_to_);
      return;
    }
    if (row.usable && fast_magnitude(x)) {
      const DoubleDouble y = mul(row.sigma_dd, x);
      const double bound = kElementRelativeError * std::fabs(y.hi) * kBoundRoundingMargin;
      if (const std::optional<Decided> d = decide(y, bound, rounded_to_)) return store(r, index, *d);
    }
    ++stats.element_fallbacks;
    const Real y = exact_pass_through(x, row.sigma);
    if (!row.sigma_unit) return store(r, index, y);
    r.expected[index] = x;  // exact_rope keeps x itself (a NaN's sign too)
    if (rounded_to_) r.expected_bits[index] = round_to_bits(y, *rounded_to_);
  }

  bool decide_angle(ExactRope& r, std::size_t index, const CertifiedCosSin& cs) const {
    const std::optional<DecidedCosSin> decided = decide_cos_sin(cs);
    if (!decided) return false;
    r.cos[index] = decided->cos;
    r.sin[index] = decided->sin;
    return true;
  }

  // A result whose two products are both exact zeros (a = 0 or b = 0 against a zero
  // sine, or a = b = 0) is a signed zero, and IEEE 754's rules for the signs of zero
  // products, sums and differences are MPFR's: the same operations on the doubles give it.
  // The signs of ĉ and ŝ are certain once the angle is decided (its interval excludes 0).
  std::optional<Decided> zero_result(double p, double q, double value) const {
    if (p != 0 || q != 0) return std::nullopt;
    return Decided{value, rounded_to_ ? round_double_to_bits(value, *rounded_to_) : 0};
  }

  // The outputs at ia, ib of lane `lane` (Ĉ, Ŝ in `lanes`) for pair i at m that the lanes
  // left undecided: a zero result, the general rounding (the dtype's subnormals and
  // overflow), else MPFR.
  void fix_up(Outputs o, std::size_t ia, std::size_t ib, const PairLanes& lanes, std::size_t lane, std::size_t i,
              std::int64_t m, unsigned undecided, const RowFactor& row, CertifiedStats& stats) const {
    stats.element_fix_ups += (undecided & 1) + ((undecided >> 1) & 1);
    const double a = o.x[ia], b = o.x[ib];
    const DoubleDouble c{lanes.c_hi[lane], lanes.c_lo[lane]};
    const DoubleDouble s{lanes.s_hi[lane], lanes.s_lo[lane]};
    std::optional<Decided> first, second;
    if (fast_magnitude(a) && fast_magnitude(b)) {
      const double scale = (std::fabs(a) + std::fabs(b)) * lanes.angle_term[lane];
      const double e1 =
          (kElementRelativeError * (std::fabs(a * c.hi) + std::fabs(b * s.hi)) + scale) * kBoundRoundingMargin;
      const double e2 =
          (kElementRelativeError * (std::fabs(b * c.hi) + std::fabs(a * s.hi)) + scale) * kBoundRoundingMargin;
      first = decide(dot2(a, c, -b, s), e1, rounded_to_);
      second = decide(dot2(b, c, a, s), e2, rounded_to_);
      if (!first) first = zero_result(a * c.hi, b * s.hi, a * c.hi - b * s.hi);
      if (!second) second = zero_result(b * c.hi, a * s.hi, b * c.hi + a * s.hi);
    }
    std::optional<Slow> slow;
    std::optional<ExactPairValues> exact;
    auto mpfr = [&]() -> const ExactPairValues& {
      if (!exact) {
        slow = slow_angle(i, m, row);
        exact = exact_pair_values(a, b, slow->scaled_cos, slow->scaled_sin);
      }
      return *exact;
    };
    if ((undecided & 1) != 0) {
      if (first) {
        store(o, ia, *first);
      } else {
        ++stats.element_fallbacks;
        store(o, ia, mpfr().first);
      }
    }
    if ((undecided & 2) != 0) {
      if (second) {
        store(o, ib, *second);
      } else {
        ++stats.element_fallbacks;
        store(o, ib, mpfr().second);
      }
    }
  }

  void slow_pair(ExactRope& r, std::size_t t, std::size_t i, std::int64_t m, const RowFactor& row,
                 CertifiedStats& stats) const {
    const Slow slow = slow_angle(i, m, row);
    r.cos[t * spec_.pairs() + i] = static_cast<double>(slow.cos);
    r.sin[t * spec_.pairs() + i] = static_cast<double>(slow.sin);
    for (std::size_t h = 0; h < r.heads; ++h) {
      const std::size_t row_base = (t * r.heads + h) * spec_.head_dim;
      const std::size_t ia = row_base + static_cast<std::size_t>(first_[i]), ib = row_base + static_cast<std::size_t>(second_[i]);
      const ExactPairValues exact = exact_pair_values(r.x[ia], r.x[ib], slow.scaled_cos, slow.scaled_sin);
      stats.elements += 2;
      stats.element_fallbacks += 2;
      store(r, ia, exact.first);
      store(r, ib, exact.second);
    }
  }

  const RopeSpec& spec_;
  std::optional<Dtype> rounded_to_;
  DtypeFormat format_;
  std::shared_ptr<const PreparedSpec> prepared_;
  const std::vector<Real>& thetas_;
  const Real& attention_;
  std::vector<std::size_t> axis_;
  const CertifiedFrequencies& frequencies_;
  RowFactor unscaled_;
  std::optional<RowFactor> scaled_;
  std::int64_t scaled_step_ = -1;
  std::vector<std::int64_t> first_, second_;  // the pair's dims in a head row
  std::vector<std::size_t> pass_through_dims_;
  std::vector<std::int64_t> lane_positions_;
  CosSinLanes trig_;
  PairLanes pair_lanes_;
  std::vector<unsigned char> undecided_;
};

}  // namespace

PairAngle certified_pair(const RopeSpec& spec, std::size_t pair, std::int64_t position, std::span<const double> ab,
                         std::optional<Dtype> rounded_to, std::span<double> expected, std::span<std::uint64_t> bits,
                         CertifiedStats* stats) {
  validate(spec);
  if (pair >= spec.pairs()) {
    throw InvalidInput(fmt::format("pair {} is not one of the spec's {} pairs", pair, spec.pairs()));
  }
  if (ab.size() % 2 != 0 || expected.size() != ab.size() || (rounded_to && bits.size() != ab.size())) {
    throw InvalidInput("certified_pair: ab, expected and bits must hold the same even number of values");
  }
  Engine engine(spec, rounded_to);
  CertifiedStats local;
  const PairAngle angle = engine.pair_run(pair, position, ab, expected, bits, local);
  if (stats) *stats += local;
  return angle;
}

namespace {

std::atomic<unsigned> g_truth_threads{0};

constexpr std::size_t kMinElementsPerThread = std::size_t{1} << 15;

}  // namespace

unsigned truth_threads() {
  const unsigned set = g_truth_threads.load(std::memory_order_relaxed);
  if (set != 0) return set;
  return std::max(1u, std::thread::hardware_concurrency());
}

void set_truth_threads(unsigned threads) { g_truth_threads.store(threads, std::memory_order_relaxed); }

ExactRope certified_rope(const RopeSpec& spec, PositionsView positions, std::span<const double> x,
                         std::size_t heads, std::optional<Dtype> rounded_to, CertifiedStats* stats, unsigned threads) {
  validate_rope_call(spec, positions, x, heads);
  const std::size_t d = spec.head_dim;
  const std::size_t pairs = spec.pairs();
  const std::size_t tokens = positions.tokens();
  Engine first_engine(spec, rounded_to);
  ExactRope r = result_header(spec, positions, heads);
  // Sized without being written (ResultVector): each row is first written by the thread that
  // computes it, while it is in that core's cache.
  r.x.resize(x.size());
  r.expected.resize(x.size());
  if (rounded_to) r.expected_bits.resize(x.size());
  r.cos.resize(tokens * pairs);
  r.sin.resize(tokens * pairs);
  r.attention_factor = static_cast<double>(first_engine.attention());
  for (const Real& theta : first_engine.thetas()) r.thetas.push_back(static_cast<double>(theta));
  r.position_scale.resize(tokens);

  const std::size_t row = heads * d;
  auto run = [&](Engine& engine, std::size_t begin, std::size_t end, CertifiedStats& local) {
    for (std::size_t t = begin; t < end; ++t) {
      if (row != 0) std::memcpy(r.x.data() + t * row, x.data() + t * row, row * sizeof(double));
      engine.token(r, t, local);
    }
  };
  const std::size_t wanted = threads != 0 ? threads : truth_threads();
  const std::size_t by_size = std::max<std::size_t>(1, x.size() / kMinElementsPerThread);
  const std::size_t n = std::max<std::size_t>(1, std::min({wanted, by_size, tokens}));
  std::vector<CertifiedStats> local(n);
  // Each worker its own engine (its scratch), made here before any thread writes to one;
  // the prepared spec they share is read-only.
  std::vector<Engine> engines;
  engines.reserve(n);
  for (std::size_t k = 1; k < n; ++k) engines.emplace_back(spec, rounded_to);
  for_each_range(tokens, n, [&](std::size_t k, std::size_t begin, std::size_t end) {
    run(k == 0 ? first_engine : engines[k - 1], begin, end, local[k]);
  });
  if (stats) {
    for (const CertifiedStats& s : local) *stats += s;
  }
  return r;
}

}  // namespace ropecheck::reference
