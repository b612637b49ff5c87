// Work split over threads by contiguous ranges, for results that must not depend on the
// thread count (certified_rope's tokens, exhaustive_pair's input values, check --x's
// measuring parts).
//
// Contract: for_each_range(items, threads, body) calls body(k, begin, end) for the ranges
// k = 0 … n−1 that split [0, items) into n = min(threads, items) (at least 1) contiguous,
// nearly equal parts, range 0 on the calling thread and each other on its own thread, and
// returns when all are done. If bodies throw, the exception of the lowest range is
// rethrown (what one thread running the ranges in order would meet first); a range that
// throws stops, the others run to their end. Each worker thread frees MPFR's per-thread
// caches when its range ends (real.h: only the thread itself can), so no caller has to.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

#include "ropecheck/reference/real.h"

namespace ropecheck::reference {

template <class Body> void for_each_range(std::size_t items, std::size_t threads, Body&& body) {
  const std::size_t n = std::max<std::size_t>(1, std::min(threads, items));
  std::vector<std::exception_ptr> errors(n);
  auto begin_of = [&](std::size_t k) { return items * k / n; };
  auto run = [&](std::size_t k) {
    const ReleaseThreadCaches release(k != 0);  // range 0 runs on the calling thread
    try {
      body(k, begin_of(k), begin_of(k + 1));
    } catch (...) {
      errors[k] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> workers;
    for (std::size_t k = 1; k < n; ++k) workers.emplace_back(run, k);
    run(0);
  }  // joins every worker
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace ropecheck::reference
