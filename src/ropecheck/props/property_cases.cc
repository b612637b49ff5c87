#include "ropecheck/props/property_cases.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>

#include <fmt/format.h>

namespace ropecheck::props {
namespace {

void print_vector(std::ostream& os, const char* name, const std::vector<double>& v) {
  os << " " << name << "=[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << fmt::format("{:a}", v[i]);
  os << "]";
}

rc::Gen<std::vector<double>> gen_vector(std::size_t n, rc::Gen<double> element) {
  return rc::gen::container<std::vector<double>>(n, std::move(element));
}

// RapidCheck 0~1033's inRange scales its range with the test size and shrinks towards
// its minimum; values are therefore built as magnitude × sign so that every generator
// shrinks towards +0 (small cases first, the whole range by the last cases).
rc::Gen<double> signed_value(rc::Gen<double> magnitude) {
  return rc::gen::apply([](double m, int sign) { return sign * m; }, std::move(magnitude), rc::gen::element(1, -1));
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const RopeCase& c) {
  os << "spec=" << to_json_text(c.spec) << fmt::format(" m={:.17g} n={:.17g} shift={:.17g}", c.m, c.n, c.shift);
  print_vector(os, "x", c.x);
  print_vector(os, "y", c.y);
  return os;
}

std::ostream& operator<<(std::ostream& os, const MatrixCase& c) {
  return os << "spec=" << to_json_text(c.spec) << fmt::format(" m={:.17g} n={:.17g}", c.m, c.n);
}

std::ostream& operator<<(std::ostream& os, const AttentionCase& c) {
  os << "spec=" << to_json_text(c.spec) << fmt::format(" shift={:.17g}", c.shift);
  print_vector(os, "positions", c.positions);
  for (std::size_t t = 0; t < c.q.size(); ++t) {
    print_vector(os, fmt::format("q{}", t).c_str(), c.q[t]);
    print_vector(os, fmt::format("k{}", t).c_str(), c.k[t]);
    print_vector(os, fmt::format("v{}", t).c_str(), c.v[t]);
  }
  return os;
}

std::ostream& operator<<(std::ostream& os, const DecayCase& c) {
  return os << fmt::format("rotary_dim={} base={:.17g} distance={:.17g}", c.rotary_dim, c.base, c.distance);
}

rc::Gen<RopeSpec> gen_spec() {
  using namespace rc;
  const Gen<std::size_t> total_pairs = gen::weightedOneOf<std::size_t>({
      {6, gen::inRange<std::size_t>(1, 9)},
      {3, gen::inRange<std::size_t>(9, 65)},
      {1, gen::inRange<std::size_t>(65, 257)},
  });
  const Gen<double> base = gen::weightedOneOf<double>({
      {1, gen::element(10000.0, 500000.0, 1000000.0, 2.0, 1e7)},
      // log-uniform on [2, 1e7]: 2^(k/1024), k ∈ [1024, log2(1e7)·1024]
      {2, gen::map(gen::inRange(1024, 23814), [](int k) { return std::exp2(k / 1024.0); })},
  });
  return gen::mapcat(total_pairs, [base](std::size_t pairs) {
    const Gen<std::size_t> rotary_pairs = gen::weightedOneOf<std::size_t>({
        {2, gen::just(pairs)},
        {1, gen::inRange<std::size_t>(1, pairs + 1)},
    });
    return gen::apply(
        [pairs](std::size_t rotary, Layout layout, double b) {
          RopeSpec spec;
          spec.head_dim = 2 * pairs;
          spec.rotary_dim = 2 * rotary;
          spec.layout = layout;
          spec.base = b;
          return spec;
        },
        rotary_pairs, gen::element(Layout::interleaved, Layout::half_split), base);
  });
}

namespace {

// A context length as configs carry them: powers of two 2^8 … 2^20.
rc::Gen<double> gen_context() {
  return rc::gen::map(rc::gen::inRange(8, 21), [](int k) { return std::exp2(k); });
}
// A factor ≥ 1 on a 1/64 grid up to 64, or 1 exactly (the reduction to none).
rc::Gen<double> gen_factor() {
  return rc::gen::weightedOneOf<double>({{1, rc::gen::just(1.0)},
                                         {4, rc::gen::map(rc::gen::inRange(64, 64 * 64 + 1), [](int k) { return k / 64.0; })}});
}

// One scaling of each type with valid parameters for a spec of `pairs` rotary pairs.
rc::Gen<Scaling> gen_scaling(std::size_t pairs) {
  using namespace rc;
  const auto of_type = [](ScalingType type) {
    Scaling s;
    s.type = type;
    return s;
  };
  const Gen<Scaling> linear = gen::map(gen_factor(), [of_type](double f) {
    Scaling s = of_type(ScalingType::linear);
    s.factor = f;
    return s;
  });
  const Gen<Scaling> llama3 = gen::apply(
      [of_type](double f, int low, int width, double context) {
        Scaling s = of_type(ScalingType::llama3);
        s.factor = f;
        s.low_freq_factor = low / 4.0;
        s.high_freq_factor = (low + width) / 4.0;
        s.original_max_position_embeddings = context;
        return s;
      },
      gen_factor(), gen::inRange(1, 9), gen::inRange(1, 33), gen_context());
  const Gen<Scaling> yarn = gen::apply(
      [of_type](double f, double context, int beta_fast, int beta_slow, int mscale_kind, bool truncate) {
        Scaling s = of_type(ScalingType::yarn);
        s.factor = f;
        s.original_max_position_embeddings = context;
        s.beta_fast = beta_fast;
        s.beta_slow = beta_slow;
        if (mscale_kind == 1) s.mscale = s.mscale_all_dim = 1.0;     // DeepSeek-V3
        if (mscale_kind == 2) s.mscale = s.mscale_all_dim = 0.707;   // DeepSeek-V2-Lite
        if (mscale_kind == 3) s.attention_factor = 1 + 1.0 / 16;     // explicit
        if (!truncate) s.truncate = false;
        return s;
      },
      gen_factor(), gen_context(), gen::inRange(8, 65), gen::inRange(1, 3), gen::inRange(0, 4), gen::arbitrary<bool>());
  const Gen<Scaling> dynamic = gen::apply(
      [of_type](double f, double context, int length_ratio) {
        Scaling s = of_type(ScalingType::dynamic);
        s.factor = f;
        s.max_position_embeddings = context;
        s.sequence_length = context * length_ratio / 4;  // 0 … 8 M
        return s;
      },
      gen_factor(), gen_context(), gen::inRange(0, 33));
  const Gen<std::vector<double>> factors =
      gen::container<std::vector<double>>(pairs, gen::map(gen::inRange(64, 64 * 64 + 1), [](int k) { return k / 64.0; }));
  const Gen<Scaling> longrope = gen::apply(
      [of_type](std::vector<double> short_factor, std::vector<double> long_factor, double context, int expansion, bool long_sequence) {
        Scaling s = of_type(ScalingType::longrope);
        s.short_factor = std::move(short_factor);
        s.long_factor = std::move(long_factor);
        s.original_max_position_embeddings = context;
        s.max_position_embeddings = context * expansion;
        s.sequence_length = long_sequence ? context + 1 : context;
        return s;
      },
      factors, factors, gen_context(), gen::inRange(1, 65), gen::arbitrary<bool>());
  // Gemma 4's 1/4 and the other quarters, eighths and sixteenths; at least one pair rotates.
  const Gen<Scaling> proportional = gen::apply(
      [of_type, pairs](int sixteenths, double f, bool with_factor) {
        Scaling s = of_type(ScalingType::proportional);
        s.partial_rotary_factor = sixteenths / 16.0;
        if (static_cast<double>(pairs) * sixteenths < 16) s.partial_rotary_factor = 1.0;
        if (with_factor) s.factor = f;
        return s;
      },
      gen::inRange(1, 17), gen_factor(), gen::arbitrary<bool>());
  return gen::oneOf(linear, llama3, yarn, dynamic, longrope, proportional);
}

}  // namespace

rc::Gen<RopeSpec> gen_scaled_spec() {
  return rc::gen::mapcat(gen_spec(), [](const RopeSpec& spec) {
    return rc::gen::map(gen_scaling(spec.pairs()), [spec](Scaling scaling) {
      RopeSpec scaled = spec;
      scaled.scaling = std::move(scaling);
      validate(scaled);
      return scaled;
    });
  });
}

rc::Gen<double> gen_position() {
  using namespace rc;
  constexpr std::int64_t k2_31 = std::int64_t{1} << 31;
  const auto whole = [](std::int64_t limit) {
    return gen::map(gen::inRange<std::int64_t>(0, limit + 1), [](std::int64_t v) { return static_cast<double>(v); });
  };
  return gen::weightedOneOf<double>({
      {4, whole(4096)},
      {3, whole(k2_31)},
      {2, gen::map(whole(k2_31), [](double v) { return -v; })},
      {2, signed_value(gen::apply(
              [](std::int64_t w, std::int64_t frac) { return static_cast<double>(w) + std::ldexp(static_cast<double>(frac), -20); },
              gen::inRange<std::int64_t>(0, k2_31), gen::inRange<std::int64_t>(0, std::int64_t{1} << 20)))},
  });
}

rc::Gen<double> gen_moderate_element() {
  return signed_value(rc::gen::map(rc::gen::inRange(0, (1 << 13) + 1), [](int k) { return std::ldexp(k, -10); }));
}

rc::Gen<double> gen_element() {
  using namespace rc;
  constexpr double kMinSubnormal = std::numeric_limits<double>::denorm_min();
  constexpr double kMaxSubnormal = std::numeric_limits<double>::min() - kMinSubnormal;
  constexpr double kMax = std::numeric_limits<double>::max();
  return gen::weightedOneOf<double>({
      {6, gen_moderate_element()},
      {2, gen::map(gen::suchThat(gen::arbitrary<std::uint64_t>(),
                                 [](std::uint64_t bits) { return std::isfinite(std::bit_cast<double>(bits)); }),
                   [](std::uint64_t bits) { return std::bit_cast<double>(bits); })},
      {1, gen::element(0.0, -0.0, kMinSubnormal, -kMinSubnormal, kMaxSubnormal, std::numeric_limits<double>::min(),
                       1e300, -1e300, kMax, -kMax)},
  });
}

rc::Gen<RopeCase> gen_rope_case() { return gen_rope_case(gen_spec()); }
rc::Gen<MatrixCase> gen_matrix_case() { return gen_matrix_case(gen_spec()); }

rc::Gen<RopeCase> gen_rope_case(rc::Gen<RopeSpec> specs) {
  using namespace rc;
  return gen::mapcat(std::move(specs), [](const RopeSpec& spec) {
    return gen::apply(
        [spec](double m, double n, double shift, std::vector<double> x, std::vector<double> y) {
          return RopeCase{spec, m, n, shift, std::move(x), std::move(y)};
        },
        gen_position(), gen_position(), gen_position(), gen_vector(spec.head_dim, gen_element()),
        gen_vector(spec.head_dim, gen_element()));
  });
}

rc::Gen<MatrixCase> gen_matrix_case(rc::Gen<RopeSpec> specs) {
  return rc::gen::apply([](RopeSpec spec, double m, double n) { return MatrixCase{spec, m, n}; }, std::move(specs),
                        gen_position(), gen_position());
}

rc::Gen<AttentionCase> gen_attention_case() {
  using namespace rc;
  return gen::mapcat(gen::pair(gen_spec(), gen::inRange<std::size_t>(1, 6)), [](const std::pair<RopeSpec, std::size_t>& p) {
    const auto& [spec, tokens] = p;
    const auto vectors = [&](std::size_t dim) {
      return gen::container<std::vector<std::vector<double>>>(tokens, gen_vector(dim, gen_moderate_element()));
    };
    return gen::apply(
        [spec](std::vector<double> positions, double shift, auto q, auto k, auto v) {
          return AttentionCase{spec, std::move(positions), shift, std::move(q), std::move(k), std::move(v)};
        },
        gen::container<std::vector<double>>(tokens, gen_position()), gen_position(), vectors(spec.head_dim),
        vectors(spec.head_dim), vectors(4));
  });
}

rc::Gen<DecayCase> gen_decay_case() {
  using namespace rc;
  return gen::apply(
      [](std::size_t pairs, double base, double distance) { return DecayCase{2 * pairs, base, distance}; },
      gen::inRange<std::size_t>(1, 257), gen::element(10000.0, 500000.0, 1000000.0, 2.0, 1e7), gen_position());
}

}  // namespace ropecheck::props
