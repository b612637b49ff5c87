#include "ropecheck/gate/tensor_check.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/float_codec.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/little_endian.h"
#include "ropecheck/io/tensor_stream.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/parallel_ranges.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/props/implementation_kernel.h"
#include "ropecheck/reference/certified_rope.h"

namespace ropecheck::gate {
namespace {

// A part of a chunk measured on one thread: small enough to share a chunk among many
// threads, large enough that a part's start-up cost does not show.
constexpr std::size_t kMeasurePartElements = std::size_t{1} << 16;

// x and positions, opened and checked against each other and the spec.
struct Inputs {
  io::TensorStream x;
  io::TensorStream positions;
  Dtype input_dtype = Dtype::f32;
  std::size_t tokens = 0;
  std::size_t heads = 0;
  std::size_t axes = 1;
  std::size_t token_elements = 0;  // heads · head_dim
};

Inputs open_inputs(const TensorCheckInputs& in) {
  io::TensorStream x = io::TensorStream::open(in.x, "x", "the input tensor x");
  io::TensorStream positions = io::TensorStream::open(in.positions, "positions", "the positions");
  const std::optional<Dtype> dtype = io::float_dtype_of(x.dtype());
  if (!dtype || *dtype == Dtype::f64) {
    throw InvalidInput(fmt::format("{}: x is {}; expected F32, BF16 or F16 (a model's dtype)", x.source(),
                                   io::to_string(x.dtype())));
  }
  const std::vector<std::uint64_t>& shape = x.shape();
  const std::size_t d = in.spec.head_dim;
  if (shape.size() < 3 || shape.back() != d) {
    throw InvalidInput(fmt::format("{}: x has shape {}; expected [..., tokens, heads, {}] (head_dim {} of the spec)",
                                   x.source(), io::shape_text(shape), d, d));
  }
  const std::vector<std::uint64_t> leading(shape.begin(), shape.end() - 2);
  const std::uint64_t tokens = *io::element_count(leading);  // divides the checked element count
  const std::uint64_t heads = shape[shape.size() - 2];
  if (tokens == 0 || heads == 0) {
    throw InvalidInput(fmt::format("{}: x of shape {} holds no elements: nothing to check", x.source(), io::shape_text(shape)));
  }
  if (heads > kMaxTokenElements / d) {
    throw InvalidInput(fmt::format("{}: x has {} heads of {} dims per token, above the limit of {} elements a token",
                                   x.source(), heads, d, kMaxTokenElements));
  }
  if (io::float_dtype_of(positions.dtype()) || positions.dtype() == io::StDtype::BOOL) {
    throw InvalidInput(fmt::format("{}: positions are {}; expected integers (I64, I32, …)", positions.source(),
                                   io::to_string(positions.dtype())));
  }
  const std::size_t axes = position_axes(in.spec);
  std::vector<std::uint64_t> with_axes = leading;
  with_axes.push_back(axes);
  const std::vector<std::vector<std::uint64_t>> accepted =
      axes == 1 ? std::vector<std::vector<std::uint64_t>>{leading, {tokens}}
                : std::vector<std::vector<std::uint64_t>>{with_axes, {tokens, axes}};
  if (std::find(accepted.begin(), accepted.end(), positions.shape()) == accepted.end()) {
    throw InvalidInput(fmt::format("{}: positions have shape {}; x {} needs {}{}", positions.source(),
                                   io::shape_text(positions.shape()), io::shape_text(shape), io::shape_text(accepted[0]),
                                   accepted[0] == accepted[1] ? "" : " or " + io::shape_text(accepted[1])));
  }
  return Inputs{std::move(x), std::move(positions), *dtype, tokens, heads, axes, heads * d};
}

// What the candidate gives for tokens [first, first + count): exact values in the output
// dtype. Throws CandidateProblem (the case's error) when it cannot.
struct CandidateProblem {
  std::string what;
  bool unsupported = false;
};
// x_bits: the chunk's x as the file stores it.
using CandidateChunk = std::function<std::vector<double>(std::size_t first, std::size_t count,
                                                         const std::vector<unsigned char>& x_bits,
                                                         PositionsView positions)>;

// Tokens of the diagnosis sample: the worst one and the spread ones, with what they hold.
struct SampleToken {
  std::vector<double> x;
  std::vector<std::int64_t> positions;
  std::vector<double> candidate;
};

std::vector<std::size_t> spread_tokens(std::size_t tokens, std::size_t count) {
  std::vector<std::size_t> chosen;
  if (count <= 1) return {0};
  // (tokens − 1)·k/(count − 1) in floating point would repeat or skip tokens past 2^53;
  // count ≤ kDiagnosisElements keeps the product of quotient and remainder in range.
  const std::size_t step = (tokens - 1) / (count - 1), rest = (tokens - 1) % (count - 1);
  for (std::size_t k = 0; k < count; ++k) chosen.push_back(step * k + rest * k / (count - 1));
  chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
  return chosen;
}

class Judge {
 public:
  Judge(const TensorCheckInputs& request, const Inputs& inputs, Dtype output_dtype)
      : request_(request), in_(inputs), output_(output_dtype) {
    for (const numeric::Profile p : numeric::kProfiles) {
      models_.push_back(numeric::error_model(p, output_, numeric::Arithmetic::fused));
    }
    // One token of the sample's budget is the worst one's.
    const std::size_t budget = std::max<std::size_t>(1, kDiagnosisElements / in_.token_elements);
    for (const std::size_t t : spread_tokens(in_.tokens, std::min(std::max<std::size_t>(1, budget - 1), in_.tokens))) {
      spread_[t];
    }
  }

  // Judges every token; returns the case's problem text if the candidate fails to give a chunk.
  std::optional<CandidateProblem> run(const CandidateChunk& candidate, numeric::Profile profile,
                                      const TensorProgress& progress) {
    const std::size_t run_profile = profile_index(profile);
    const std::size_t chunk_tokens = std::max<std::size_t>(1, request_.chunk_elements / in_.token_elements);
    for (std::size_t first = 0; first < in_.tokens; first += chunk_tokens) {
      const std::size_t count = std::min(chunk_tokens, in_.tokens - first);
      const std::vector<unsigned char> x_bits = in_.x.bytes(first * in_.token_elements, count * in_.token_elements);
      std::vector<double> x(count * in_.token_elements);
      const std::size_t width = storage_bytes(in_.input_dtype);
      for (std::size_t k = 0; k < x.size(); ++k) x[k] = decode_bits(io::load_le(&x_bits[k * width], width), in_.input_dtype);
      const std::vector<std::int64_t> positions = in_.positions.int64s(first * in_.axes, count * in_.axes);
      for (const std::int64_t m : positions) {
        smallest_position_ = std::min(smallest_position_, std::fabs(static_cast<double>(m)));
      }
      const PositionsView view(positions, in_.axes);
      // Measuring needs `expected` alone; the output dtype's rounding (expected_bits) is
      // decided only for the diagnosis sample.
      const reference::ExactRope exact = reference::certified_rope(request_.spec, view, x, in_.heads);
      if (thetas_.empty()) thetas_.assign(exact.thetas.begin(), exact.thetas.end());
      std::vector<double> got;
      try {
        got = candidate(first, count, x_bits, view);
      } catch (const CandidateProblem& problem) {
        return problem;
      }
      if (got.size() != x.size()) {
        return CandidateProblem{fmt::format("the candidate gave {} values for {} inputs", got.size(), x.size())};
      }
      // Parts of a fixed size, whatever the thread count, so the sums of squares are
      // always associated the same way; the threads take them in runs, merged in order.
      const std::size_t part_tokens = std::max<std::size_t>(1, kMeasurePartElements / in_.token_elements);
      std::vector<std::vector<numeric::ErrorStats>> parts((count + part_tokens - 1) / part_tokens);
      reference::for_each_range(parts.size(), reference::truth_threads(), [&](std::size_t, std::size_t begin, std::size_t end) {
        for (std::size_t k = begin; k < end; ++k) {
          parts[k] = numeric::measure(exact, got, models_, k * part_tokens, (k + 1) * part_tokens);
        }
      });
      for (const std::vector<numeric::ErrorStats>& part : parts) {
        for (std::size_t k = 0; k < stats_.size(); ++k) stats_[k].merge(part[k], first);
      }
      keep_sample(first, count, x, positions, got, stats_[run_profile].worst_by_ratio().where.token);
      if (progress) progress(first + count, in_.tokens);
    }
    return std::nullopt;
  }

  const numeric::ErrorStats& stats(numeric::Profile p) const { return stats_[profile_index(p)]; }
  double smallest_position() const { return smallest_position_; }
  const std::vector<double>& thetas() const { return thetas_; }

  // The sample as a golden case (its truth recomputed) and the candidate's values on it.
  std::pair<golden::Golden, std::vector<double>> sample(const std::string& case_id) const {
    golden::Golden g;
    g.case_id = case_id;
    g.spec = request_.spec;
    g.input_dtype = in_.input_dtype;
    g.output_dtype = output_;
    g.heads = in_.heads;
    g.axes = in_.axes;
    g.other_layer_types = request_.other_layer_types;
    std::map<std::size_t, const SampleToken*> chosen;
    for (const auto& [token, held] : spread_) chosen[token] = &held;
    if (worst_token_ != kNone) chosen[worst_token_] = &worst_;
    std::vector<double> candidate;
    for (const auto& [token, held] : chosen) {
      ++g.tokens;
      g.x.insert(g.x.end(), held->x.begin(), held->x.end());
      g.positions.insert(g.positions.end(), held->positions.begin(), held->positions.end());
      candidate.insert(candidate.end(), held->candidate.begin(), held->candidate.end());
    }
    const reference::ExactRope exact =
        reference::certified_rope(g.spec, PositionsView(g.positions, g.axes), g.x, g.heads, output_);
    g.expected.assign(exact.expected.begin(), exact.expected.end());
    g.expected_bits.assign(exact.expected_bits.begin(), exact.expected_bits.end());
    g.cos = exact.cos;
    g.sin = exact.sin;
    return {std::move(g), std::move(candidate)};
  }

 private:
  static std::size_t profile_index(numeric::Profile p) {
    return static_cast<std::size_t>(std::find(std::begin(numeric::kProfiles), std::end(numeric::kProfiles), p) -
                                    std::begin(numeric::kProfiles));
  }

  // Keeps the spread tokens of this chunk, and the worst token when it is in this chunk.
  void keep_sample(std::size_t first, std::size_t count, const std::vector<double>& x,
                   const std::vector<std::int64_t>& positions, const std::vector<double>& got, std::size_t worst) {
    const auto hold = [&](std::size_t token, SampleToken& s) {
      const std::size_t k = token - first, e = in_.token_elements, a = in_.axes;
      s.x.assign(x.begin() + static_cast<std::ptrdiff_t>(k * e), x.begin() + static_cast<std::ptrdiff_t>((k + 1) * e));
      s.candidate.assign(got.begin() + static_cast<std::ptrdiff_t>(k * e),
                         got.begin() + static_cast<std::ptrdiff_t>((k + 1) * e));
      s.positions.assign(positions.begin() + static_cast<std::ptrdiff_t>(k * a),
                         positions.begin() + static_cast<std::ptrdiff_t>((k + 1) * a));
    };
    for (auto it = spread_.lower_bound(first); it != spread_.end() && it->first < first + count; ++it) {
      hold(it->first, it->second);
    }
    if (worst >= first && worst < first + count) {
      worst_token_ = worst;
      hold(worst, worst_);
    }
  }

  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  const TensorCheckInputs& request_;
  const Inputs& in_;
  Dtype output_;
  std::vector<numeric::ErrorModel> models_;
  std::array<numeric::ErrorStats, std::size(numeric::kProfiles)> stats_{};
  double smallest_position_ = std::numeric_limits<double>::infinity();
  std::vector<double> thetas_;
  std::map<std::size_t, SampleToken> spread_;  // evenly spread tokens, held as their chunk passes
  SampleToken worst_;                          // the worst element's token (run profile), so far
  std::size_t worst_token_ = kNone;
};

}  // namespace

namespace {

// How the candidate gives its values, once it has been opened.
struct PreparedCandidate {
  Dtype output = Dtype::f32;
  std::optional<Dtype> candidate_dtype;
  CandidateChunk chunk;
};

CheckRun judge_tensors(const TensorCheckInputs& request, const Inputs& in, numeric::Profile profile,
                       const std::string& candidate_name, bool ran_implementation,
                       const std::function<PreparedCandidate()>& prepare, const TensorProgress& progress) {
  CheckRun run;
  run.profile = profile;
  run.golden = fmt::format("the exact result of {} on {} at {}", request.spec_source, in.x.source(),
                           in.positions.source());
  run.ran_implementation = ran_implementation;
  CaseCheck c;
  c.case_id = request.x.stem().string();
  c.golden_file = run.golden;
  c.candidate_file = candidate_name;
  c.output_dtype = request.output_dtype.value_or(in.input_dtype);
  c.verdict = Verdict::error;  // until judged
  const auto unmeasured = [&](const CandidateProblem& problem) {
    c.problem = problem.unsupported ? "unsupported: " + problem.what : problem.what;
    run.cases.push_back(std::move(c));
    return run;
  };
  PreparedCandidate prepared;
  try {
    prepared = prepare();
  } catch (const CandidateProblem& problem) {
    return unmeasured(problem);
  }
  c.output_dtype = prepared.output;
  c.candidate_dtype = prepared.candidate_dtype;
  Judge judge(request, in, prepared.output);
  if (const std::optional<CandidateProblem> problem = judge.run(prepared.chunk, profile, progress)) {
    return unmeasured(*problem);
  }
  for (const numeric::Profile p : numeric::kProfiles) {
    if (judge.stats(p).within_bound()) c.profiles_passed.push_back(p);
  }
  c.stats = judge.stats(profile);
  c.verdict = c.stats.within_bound() ? Verdict::pass : Verdict::fail;
  if (c.verdict == Verdict::pass) {
    const std::optional<double> weak_from = weak_from_position(request.spec, judge.thetas(), profile, prepared.output);
    if (weak_from && judge.smallest_position() >= *weak_from) {
      c.verdict = Verdict::weak;
      c.weak_from = weak_from;
    }
  }
  c.passed = c.verdict == Verdict::pass;
  if (c.verdict == Verdict::fail) {
    const auto tightest = c.profiles_passed.empty() ? std::nullopt : std::optional(c.profiles_passed.front());
    const auto [sample, candidate] = judge.sample(c.case_id);
    c.diagnosis = diagnose(sample, candidate, tightest);
  }
  run.cases.push_back(std::move(c));
  return run;
}

}  // namespace

CheckRun check_tensors(const TensorCheckInputs& request, const std::filesystem::path& candidate,
                       numeric::Profile profile, const TensorProgress& progress) {
  const Inputs in = open_inputs(request);
  const auto prepare = [&]() {
    std::optional<io::TensorStream> out;
    try {
      out = io::TensorStream::open(candidate, "out", "a candidate file");
    } catch (const InvalidInput& e) {
      throw CandidateProblem{e.what()};
    }
    const std::optional<Dtype> dtype = io::float_dtype_of(out->dtype());
    if (!dtype) {
      throw CandidateProblem{fmt::format("{}: candidate is {}, expected F32, BF16, F16 or F64", out->source(),
                                         io::to_string(out->dtype()))};
    }
    const std::vector<std::uint64_t> flat{in.tokens, in.heads, request.spec.head_dim};
    if (out->shape() != in.x.shape() && out->shape() != flat) {
      throw CandidateProblem{fmt::format("{}: candidate shape {}, x {}", out->source(), io::shape_text(out->shape()),
                                         io::shape_text(in.x.shape()))};
    }
    const Dtype output = request.output_dtype.value_or(*dtype);
    if (output == Dtype::f64) {
      throw InvalidInput(fmt::format("{}: an F64 candidate needs --output-dtype (f32, bf16 or f16: the dtype its "
                                     "values are judged in)",
                                     out->source()));
    }
    const std::size_t row = in.token_elements;
    CandidateChunk chunk = [stream = std::move(*out), row](std::size_t first, std::size_t count,
                                                             const std::vector<unsigned char>&, PositionsView) {
      try {
        return stream.doubles(first * row, count * row);
      } catch (const InvalidInput& e) {
        throw CandidateProblem{e.what()};
      }
    };
    return PreparedCandidate{output, dtype, std::move(chunk)};
  };
  CheckRun run = judge_tensors(request, in, profile, candidate.string(), false, prepare, progress);
  run.candidate = candidate.string();
  return run;
}

CheckRun check_tensors(const TensorCheckInputs& request,
                       const std::shared_ptr<const harness::Implementation>& implementation,
                       numeric::Profile profile, const TensorProgress& progress) {
  const Inputs in = open_inputs(request);
  const auto prepare = [&]() {
    const Dtype output = request.output_dtype.value_or(in.input_dtype);
    const props::RotateFn rotate = props::implementation_kernel(implementation).rotate;
    CandidateChunk chunk = [&request, &in, output, rotate](std::size_t, std::size_t,
                                                            const std::vector<unsigned char>& x_bits,
                                                            PositionsView positions) {
      std::vector<std::uint64_t> bits;
      try {
        bits = run_on_input_bits(request.spec, positions, in.heads, x_bits, in.input_dtype, output, rotate);
      } catch (const harness::ImplementationRefusal& e) {
        throw CandidateProblem{e.what(), true};
      } catch (const harness::ImplementationFailure& e) {
        throw CandidateProblem{e.what()};
      }
      std::vector<double> values(bits.size());
      for (std::size_t k = 0; k < bits.size(); ++k) values[k] = decode_bits(bits[k], output);
      return values;
    };
    return PreparedCandidate{output, output, std::move(chunk)};
  };
  const std::string name = fmt::format("{} {}", implementation->kind(), implementation->name());
  CheckRun run = judge_tensors(request, in, profile, name, true, prepare, progress);
  run.candidate = implementation->invocation();
  return run;
}

}  // namespace ropecheck::gate
