#include "ropecheck/report/precision_sweep.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <numeric>
#include <span>
#include <thread>
#include <type_traits>

#include "ropecheck/reference/real.h"
#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::report {
namespace {

// A chunk's per-position rows: the errors and, for binning, each position's sum of squared
// ulp errors and element count.
struct PositionRows {
  PositionErrors errors;
  std::vector<double> sum_sq;
  std::vector<std::size_t> count;
};

// Per-token and per-pair accumulation of the exact-profile errors of one measurement (one
// chunk of a sweep, or a committed golden).
class Aggregator {
 public:
  struct Peaks {
    double safe = 0, exact = 0;
  };

  Aggregator(const golden::Golden& g, const reference::ExactRope& exact, const numeric::ErrorModel& model)
      : g_(g), exact_(exact), model_(model), peak_ulps_(g.tokens, 0), sum_sq_(g.tokens, 0), count_(g.tokens, 0),
        peak_ratio_(g.tokens, 0), peak_safe_ratio_(g.tokens, 0), pair_ulps_(g.spec.pairs(), 0),
        pair_ratio_(g.spec.pairs(), 0), axis_peaks_(g.axes > 1 ? g.axes : 0) {
    // A token's position: its largest component (the position itself for one axis).
    const PositionsView positions(g.positions, g.axes);
    for (std::size_t t = 0; t < g.tokens; ++t) {
      const std::span<const std::int64_t> token = positions.token(t);
      key_.push_back(*std::max_element(token.begin(), token.end()));
    }
    long_token_ = static_cast<std::size_t>(std::max_element(key_.begin(), key_.end()) - key_.begin());
  }

  void add(const numeric::ElementError& e) {
    const std::size_t t = e.where.token;
    const double safe = safe_ratio(e);
    peak_ulps_[t] = std::max(peak_ulps_[t], e.ulps);  // NaN-free: measure gives +Inf for NaN
    peak_ratio_[t] = std::max(peak_ratio_[t], e.ratio);
    peak_safe_ratio_[t] = std::max(peak_safe_ratio_[t], safe);
    sum_sq_[t] += e.ulps * e.ulps;
    ++count_[t];
    if (!g_.spec.rotates(e.where.dim)) return;
    const std::size_t pair = reference::pair_of_dim(g_.spec.layout, g_.spec.rotary_dim, e.where.dim - g_.spec.rotary_offset);
    if (t == long_token_) {
      pair_ulps_[pair] = std::max(pair_ulps_[pair], e.ulps);
      pair_ratio_[pair] = std::max(pair_ratio_[pair], e.ratio);
    }
    if (!axis_peaks_.empty()) {  // e.where.position is the component this pair reads
      Peaks& at = axis_peaks_[axis_of_pair(g_.spec, pair)][e.where.position];
      at.safe = std::max(at.safe, safe);
      at.exact = std::max(at.exact, e.ratio);
    }
  }

  // Multi-axis: [axis] component → the peaks of the elements whose pairs read it.
  const std::vector<std::map<std::int64_t, Peaks>>& axis_peaks() const { return axis_peaks_; }

  // The error in units of the safe bound: the exact bound at |y| = 2·s·‖(a, b)‖
  // (safe_context.h). Pass-through dims and overflowing elements keep their exact ratio
  // (0 or +Inf).
  double safe_ratio(const numeric::ElementError& e) const {
    if (!g_.spec.rotates(e.where.dim) || e.ratio == 0 || !std::isfinite(e.ratio)) return e.ratio;
    const numeric::PairTerms terms = numeric::pair_terms(exact_, e.where.token, e.where.head, e.where.dim);
    const double pair_scale = 2 * std::fabs(terms.attention) * std::hypot(terms.a, terms.b);
    return std::fabs(e.candidate - e.exact) / numeric::element_bound(model_, pair_scale, terms);
  }

  PositionRows by_position() const {
    std::vector<std::size_t> order(g_.tokens);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key_[a] < key_[b]; });
    PositionRows rows;
    PositionErrors& out = rows.errors;
    for (const std::size_t t : order) {
      // Multi-axis tokens with the same largest component are one position (one axis keeps
      // every token, as before).
      const bool merge = g_.axes > 1 && !out.position.empty() && out.position.back() == key_[t];
      if (!merge) {
        out.position.push_back(key_[t]);
        out.peak_ulps.push_back(0);
        out.rms_ulps.push_back(0);
        out.peak_ratio.push_back(0);
        out.peak_safe_ratio.push_back(0);
        rows.sum_sq.push_back(0);
        rows.count.push_back(0);
      }
      out.peak_ulps.back() = std::max(out.peak_ulps.back(), peak_ulps_[t]);
      out.peak_ratio.back() = std::max(out.peak_ratio.back(), peak_ratio_[t]);
      out.peak_safe_ratio.back() = std::max(out.peak_safe_ratio.back(), peak_safe_ratio_[t]);
      rows.sum_sq.back() += sum_sq_[t];
      rows.count.back() += count_[t];
      out.rms_ulps.back() = rows.count.back() ? std::sqrt(rows.sum_sq.back() / static_cast<double>(rows.count.back())) : 0.0;
    }
    return rows;
  }

  PairErrors by_pair() const { return {key_.empty() ? 0 : key_[long_token_], pair_ulps_, pair_ratio_}; }

 private:
  const golden::Golden& g_;
  const reference::ExactRope& exact_;
  const numeric::ErrorModel& model_;
  std::vector<double> peak_ulps_, sum_sq_;
  std::vector<std::size_t> count_;
  std::vector<double> peak_ratio_, peak_safe_ratio_, pair_ulps_, pair_ratio_;
  std::vector<std::map<std::int64_t, Peaks>> axis_peaks_;  // [axis] component → peaks
  std::vector<std::int64_t> key_;                          // [token] largest component
  std::size_t long_token_ = 0;
};

// by_position over a whole sweep, fed chunk by chunk in position order: every position, or
// the log-spaced bins starting at `bins` (precision_sweep.h).
class PositionSink {
 public:
  explicit PositionSink(std::optional<std::vector<std::int64_t>> bins) : bins_(std::move(bins)) {
    out_.binned = bins_.has_value();
  }

  void add(const PositionRows& rows) {
    const PositionErrors& e = rows.errors;
    if (!bins_) {
      append(out_.position, e.position);
      append(out_.peak_ulps, e.peak_ulps);
      append(out_.rms_ulps, e.rms_ulps);
      append(out_.peak_ratio, e.peak_ratio);
      append(out_.peak_safe_ratio, e.peak_safe_ratio);
      return;
    }
    for (std::size_t k = 0; k < e.position.size(); ++k) {
      const std::int64_t m = e.position[k];
      const auto next = std::upper_bound(bins_->begin(), bins_->end(), m);
      const std::size_t bin = static_cast<std::size_t>(std::max<std::ptrdiff_t>(next - bins_->begin() - 1, 0));
      if (!open_ || bin != bin_) {
        close();
        open_ = true;
        bin_ = bin;
        out_.position.push_back(m);
        out_.last_position.push_back(m);
        out_.worst_position.push_back(m);
        out_.peak_ulps.push_back(0);
        out_.peak_ratio.push_back(0);
        out_.peak_safe_ratio.push_back(0);
        sum_sq_ = 0;
        count_ = 0;
      }
      out_.last_position.back() = m;
      out_.peak_ulps.back() = std::max(out_.peak_ulps.back(), e.peak_ulps[k]);
      if (e.peak_ratio[k] > out_.peak_ratio.back()) {
        out_.peak_ratio.back() = e.peak_ratio[k];
        out_.worst_position.back() = m;
      }
      out_.peak_safe_ratio.back() = std::max(out_.peak_safe_ratio.back(), e.peak_safe_ratio[k]);
      sum_sq_ += rows.sum_sq[k];
      count_ += rows.count[k];
    }
  }

  PositionErrors result() {
    close();
    return out_;
  }

 private:
  template <class T>
  static void append(std::vector<T>& to, const std::vector<T>& from) {
    to.insert(to.end(), from.begin(), from.end());
  }
  void close() {
    if (!open_) return;
    out_.rms_ulps.push_back(count_ ? std::sqrt(sum_sq_ / static_cast<double>(count_)) : 0.0);
    open_ = false;
  }

  std::optional<std::vector<std::int64_t>> bins_;
  PositionErrors out_;
  bool open_ = false;
  std::size_t bin_ = 0;
  double sum_sq_ = 0;
  std::size_t count_ = 0;
};

// One implementation's result on one case, built from the measurements of consecutive
// chunks of tokens (precision_sweep.h): the same numbers as one measurement of them all.
class ResultBuilder {
 public:
  ResultBuilder(const golden::GoldenCase& c, const Implementation& impl, std::optional<std::vector<std::int64_t>> bins)
      : impl_(impl), positions_(std::move(bins)) {
    r_.case_id = c.id;
    r_.implementation = impl.name;
    r_.output_dtype = c.output_dtype;
  }

  // Runs the implementation on `g` (tokens first_token … of the whole) and adds its errors.
  void add_chunk(const golden::Golden& g, const reference::ExactRope& exact, std::size_t first_token) {
    if (!r_.skipped.empty()) return;
    r_.output_dtype = g.output_dtype;
    const ImplementationOutput out = impl_.run(g);
    if (!out.skipped.empty()) {
      r_.skipped = out.skipped;
      return;
    }
    // K is the same for fused and unfused arithmetic (error_model.h), so either names it.
    const numeric::ErrorModel exact_model =
        numeric::error_model(numeric::Profile::exact, g.output_dtype, numeric::Arithmetic::fused);
    Aggregator aggregate(g, exact, exact_model);
    for (std::size_t k = 0; k < std::size(numeric::kProfiles); ++k) {
      const numeric::Profile p = numeric::kProfiles[k];
      const numeric::ErrorModel model = numeric::error_model(p, g.output_dtype, numeric::Arithmetic::fused);
      // The running statistics go on from the earlier chunks' elements, in token order.
      numeric::ErrorStats& running = stats_[k];
      numeric::measure(exact, out.values, model, [&](const numeric::ElementError& e) {
        numeric::ElementError whole = e;
        whole.where.token += first_token;
        running.add(whole);
        if (p == numeric::Profile::exact) aggregate.add(e);
      });
    }
    const PositionRows rows = aggregate.by_position();
    const PositionErrors& chunk = rows.errors;
    positions_.add(rows);
    r_.safe = followed_by(r_.safe, safe_context(chunk.position, chunk.peak_safe_ratio, chunk.peak_ratio));
    const PairErrors pairs = aggregate.by_pair();
    if (!measured_ || pairs.position > r_.by_pair.position) r_.by_pair = pairs;  // the first token at the largest
    add_axes(aggregate, g.spec);
    if (impl_.table_mode && *impl_.table_mode != kernels::TableMode::accurate && !predicted_.by) {
      predicted_ = followed_by(predicted_, predicted_unsafe(g.spec, g.output_dtype, *impl_.table_mode, chunk.position));
    }
    measured_ = true;
  }

  // The built-in kernels hold no state between calls: their chunks may be measured on
  // several threads at once (each result is its own builder's, so the numbers are the same).
  bool builtin() const { return impl_.table_mode.has_value(); }

  SweepResult finish() {
    if (!r_.skipped.empty()) {
      SweepResult skipped;
      skipped.case_id = r_.case_id;
      skipped.implementation = r_.implementation;
      skipped.output_dtype = r_.output_dtype;
      skipped.skipped = r_.skipped;
      return skipped;
    }
    for (std::size_t k = 0; k < std::size(numeric::kProfiles); ++k) {
      if (stats_[k].within_bound()) r_.profiles_passed.push_back(numeric::kProfiles[k]);
    }
    const numeric::ErrorStats& exact = stats_[0];  // kProfiles[0] is the exact profile
    r_.peak_ulps = exact.peak_ulps();
    r_.rms_ulps = exact.rms_ulps();
    r_.peak_ratio = exact.peak_ratio();
    r_.rms_ratio = exact.rms_ratio();
    r_.worst = exact.worst_by_ratio();
    r_.by_position = positions_.result();
    for (std::size_t a = 0; a < axes_.size(); ++a) {
      // Component 0 comes first: its peaks (from every chunk) before the others' contexts.
      const AxisScan& scan = axes_[a];
      const SafeContext zero =
          scan.zero_seen ? safe_context({0}, {scan.zero.safe}, {scan.zero.exact}) : SafeContext{};
      r_.safe_by_axis.push_back({scan.name, followed_by(zero, scan.rest)});
    }
    if (impl_.table_mode && *impl_.table_mode != kernels::TableMode::accurate) {
      r_.predicted_unsafe_from = predicted_.from;
      r_.predicted_unsafe_by = predicted_.by;
    }
    return r_;
  }

 private:
  static_assert(numeric::kProfiles[0] == numeric::Profile::exact);

  // A multi-axis case's scan along one axis. A sweep moves each axis alone, so a component
  // m > 0 is read only by the token that moved this axis to m — within one chunk, and the
  // chunks ascend — while component 0 is read by every other token of every chunk: its
  // peaks accumulate to the end and open the axis' context.
  struct AxisScan {
    std::string name;
    bool zero_seen = false;
    Aggregator::Peaks zero;
    SafeContext rest;  // over the components > 0
  };

  void add_axes(const Aggregator& aggregate, const RopeSpec& spec) {
    const auto& peaks = aggregate.axis_peaks();
    if (axes_.empty()) {
      for (std::size_t a = 0; a < peaks.size(); ++a) axes_.push_back({std::string(axis_name(spec, a)), false, {}, {}});
    }
    for (std::size_t a = 0; a < peaks.size(); ++a) {
      AxisScan& scan = axes_[a];
      std::vector<std::int64_t> positions;
      std::vector<double> safe, exact;
      for (const auto& [position, p] : peaks[a]) {
        if (position == 0) {
          scan.zero_seen = true;
          scan.zero.safe = std::max(scan.zero.safe, p.safe);
          scan.zero.exact = std::max(scan.zero.exact, p.exact);
          continue;
        }
        positions.push_back(position);
        safe.push_back(p.safe);
        exact.push_back(p.exact);
      }
      scan.rest = followed_by(scan.rest, safe_context(positions, safe, exact));
    }
  }

  const Implementation& impl_;
  SweepResult r_;
  numeric::ErrorStats stats_[std::size(numeric::kProfiles)];
  PositionSink positions_;
  PredictedUnsafe predicted_;
  std::vector<AxisScan> axes_;
  bool measured_ = false;
};

// The case with the sweep's positions `positions` (a chunk): one token each, or for A > 1
// axes each axis moved alone, token (m, 0, 0), (0, m, 0), (0, 0, m) per position m.
golden::GoldenCase swept_case(golden::GoldenCase c, std::span<const std::int64_t> positions) {
  c.positions = golden::PositionRecipe{};
  const std::size_t axes = position_axes(c.spec);
  if (axes == 1) {
    c.positions.values.assign(positions.begin(), positions.end());
  } else {
    for (const std::int64_t m : positions) {
      for (std::size_t moved = 0; moved < axes; ++moved) {
        for (std::size_t a = 0; a < axes; ++a) c.positions.values.push_back(a == moved ? m : 0);
      }
    }
  }
  return c;
}

// One chunk of a sweep: its golden, whose inputs are the next tokens' of the case's input
// stream, and the exact result.
struct SweptChunk {
  golden::Golden golden;
  reference::ExactRope exact;
};

SweptChunk swept_chunk(const golden::GoldenCase& c, std::span<const std::int64_t> positions, golden::CaseInputStream& inputs) {
  const golden::GoldenCase chunk = swept_case(c, positions);
  const std::vector<double> x = inputs.next(PositionsView(chunk.positions.values, position_axes(chunk.spec)));
  SweptChunk out{golden::parse_golden(golden::make_golden_file(chunk, x), chunk.id), {}};
  out.exact = golden::exact_result(out.golden);
  return out;
}

// Threads that live as long as a sweep: every chunk's work goes to the same few threads,
// so the memory they allocate is reused rather than spread over the arenas of ever new
// threads. A task's exception reaches its future.
class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) {
    for (std::size_t t = 0; t < threads; ++t) threads_.emplace_back([this] { serve(); });
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  std::size_t size() const { return threads_.size(); }

  template <class F>
  std::future<std::invoke_result_t<F>> submit(F f) {
    auto task = std::make_shared<std::packaged_task<std::invoke_result_t<F>()>>(std::move(f));
    std::future<std::invoke_result_t<F>> done = task->get_future();
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      tasks_.emplace_back([task] { (*task)(); });
    }
    ready_.notify_one();
    return done;
  }

 private:
  void serve() {
    const reference::ReleaseThreadCaches release(true);
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Waits for a future on every way out of a scope, so that no task outlives what it reads.
template <class T>
struct Joined {
  std::future<T>& future;
  ~Joined() {
    if (future.valid()) future.wait();
  }
};

// Measures a chunk with every builder: the built-in kernels' side by side on the pool's
// threads and this one, any other implementation (a plugin, a worker: one call at a time)
// on this thread.
void measure_chunk(std::vector<std::optional<ResultBuilder>>& builders, const SweptChunk& chunk, std::size_t first_token,
                   WorkerPool* pool) {
  std::vector<ResultBuilder*> shared, here;
  for (std::optional<ResultBuilder>& b : builders) {
    if (b) (b->builtin() && pool ? shared : here).push_back(&*b);
  }
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t k = next++; k < shared.size(); k = next++) shared[k]->add_chunk(chunk.golden, chunk.exact, first_token);
  };
  std::vector<std::future<void>> helpers;
  const std::size_t helper_count = pool ? std::min(pool->size(), shared.size()) - (shared.empty() ? 0 : 1) : 0;
  for (std::size_t t = 0; t < helper_count; ++t) helpers.push_back(pool->submit(work));
  std::exception_ptr failure;
  try {
    work();
  } catch (...) {
    failure = std::current_exception();
  }
  for (std::future<void>& h : helpers) h.wait();  // none may outlive `next` and `shared`
  if (failure) std::rethrow_exception(failure);
  for (std::future<void>& h : helpers) h.get();
  for (ResultBuilder* b : here) b->add_chunk(chunk.golden, chunk.exact, first_token);
}

}  // namespace

std::vector<SweepResult> run_sweep(const SweepOptions& options, const SweepProgress& progress) {
  const bool any_sweeps = std::any_of(options.implementations.begin(), options.implementations.end(),
                                      [](const Implementation& i) { return i.sweeps; });
  const std::size_t count = options.all_to ? static_cast<std::size_t>(*options.all_to) + 1 : options.positions.size();
  const std::size_t chunk_positions = std::max<std::size_t>(options.chunk_positions, 1);
  const std::size_t chunks = any_sweeps ? std::max<std::size_t>((count + chunk_positions - 1) / chunk_positions, 1) : 1;
  std::optional<std::vector<std::int64_t>> bins;
  if (count > options.max_listed_positions) {
    bins = position_bins(options.all_to ? *options.all_to : options.positions.back());
  }
  // With more than one chunk and more than one thread (--threads), the next chunk's golden
  // is made on a pool thread while the current one is measured, and the built-in kernels
  // measure theirs side by side. A grid (one chunk) runs as it always did, on this thread.
  const unsigned threads = chunks > 1 ? reference::truth_threads() : 1;
  std::optional<WorkerPool> pool;
  if (threads > 1) pool.emplace(threads);
  std::vector<SweepResult> results;
  std::size_t done = 0;
  const std::size_t total = options.cases.size() * chunks;
  for (const golden::GoldenCase& c : options.cases) {
    // The sweeping implementations' results, chunk by chunk.
    std::vector<std::optional<ResultBuilder>> swept(options.implementations.size());
    if (any_sweeps) {
      const golden::GoldenCase base = swept_case(c, {});
      golden::CaseInputStream inputs(base);
      const std::size_t axes = position_axes(c.spec);
      for (std::size_t k = 0; k < options.implementations.size(); ++k) {
        if (options.implementations[k].sweeps) swept[k].emplace(c, options.implementations[k], bins);
      }
      // Chunks are made in order, one at a time: the input stream is never shared.
      const auto make = [&](std::size_t n) {
        const std::size_t begin = n * chunk_positions, end = std::min(count, begin + chunk_positions);
        if (!options.all_to) return swept_chunk(base, std::span(options.positions).subspan(begin, end - begin), inputs);
        std::vector<std::int64_t> positions(end - begin);
        std::iota(positions.begin(), positions.end(), static_cast<std::int64_t>(begin));
        return swept_chunk(base, positions, inputs);
      };
      std::future<SweptChunk> next;
      const Joined<SweptChunk> joined{next};
      if (pool) next = pool->submit([&make] { return make(0); });
      for (std::size_t n = 0; n < chunks; ++n) {
        const SweptChunk chunk = pool ? next.get() : make(n);
        if (pool && n + 1 < chunks) next = pool->submit([&make, n] { return make(n + 1); });
        measure_chunk(swept, chunk, n * chunk_positions * axes, pool ? &*pool : nullptr);
        if (progress && n + 1 < chunks) progress(++done, total);
      }
    }
    std::optional<golden::Golden> committed;
    std::optional<reference::ExactRope> committed_exact;
    for (std::size_t k = 0; k < options.implementations.size(); ++k) {
      const Implementation& impl = options.implementations[k];
      if (impl.sweeps) {
        results.push_back(swept[k]->finish());
        continue;
      }
      if (!committed) {
        const std::filesystem::path file = options.golden_dir / golden::golden_file_name(c);
        if (!std::filesystem::exists(file)) {
          SweepResult r;
          r.case_id = c.id;
          r.implementation = impl.name;
          r.output_dtype = c.output_dtype;
          r.skipped = "no golden file " + file.string();
          results.push_back(r);
          continue;
        }
        committed = golden::read_golden(file);
        committed_exact = golden::exact_result(*committed);
      }
      // At the golden file's own positions, at most kMaxTokens: listed, one call.
      ResultBuilder builder(c, impl, std::nullopt);
      builder.add_chunk(*committed, *committed_exact, 0);
      results.push_back(builder.finish());
    }
    if (progress) progress(++done, total);
  }
  return results;
}

}  // namespace ropecheck::report
