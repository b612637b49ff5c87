#include "ropecheck/numeric/error_stats.h"

#include <fmt/format.h>

#include <cmath>

namespace ropecheck::numeric {

void ErrorStats::add(const ElementError& e) {
  if (count_ == 0 || e.ulps > worst_ulps_.ulps) worst_ulps_ = e;
  if (count_ == 0 || e.ratio > worst_ratio_.ratio) worst_ratio_ = e;
  ++count_;
  sum_sq_ulps_ += e.ulps * e.ulps;
  sum_sq_ratio_ += e.ratio * e.ratio;
}

void ErrorStats::merge(const ErrorStats& later, std::size_t token_offset) {
  if (later.count_ == 0) return;
  if (count_ == 0 || later.worst_ulps_.ulps > worst_ulps_.ulps) {
    worst_ulps_ = later.worst_ulps_;
    worst_ulps_.where.token += token_offset;
  }
  if (count_ == 0 || later.worst_ratio_.ratio > worst_ratio_.ratio) {
    worst_ratio_ = later.worst_ratio_;
    worst_ratio_.where.token += token_offset;
  }
  count_ += later.count_;
  sum_sq_ulps_ += later.sum_sq_ulps_;
  sum_sq_ratio_ += later.sum_sq_ratio_;
}

double ErrorStats::rms_ulps() const {
  return count_ == 0 ? 0.0 : std::sqrt(sum_sq_ulps_ / static_cast<double>(count_));
}

double ErrorStats::rms_ratio() const {
  return count_ == 0 ? 0.0 : std::sqrt(sum_sq_ratio_ / static_cast<double>(count_));
}

std::string describe(const ElementError& e) {
  return fmt::format("token {} head {} dim {} position {}: got {:a}, exact {:a} ({:.3g} ulp, {:.3g} of bound)",
                     e.where.token, e.where.head, e.where.dim, e.where.position, e.candidate,
                     e.exact, e.ulps, e.ratio);
}

std::string ErrorStats::summary() const {
  return fmt::format("peak {:.3g} ulp (RMS {:.3g}), peak {:.3g} of bound (RMS {:.3g}) over {} elements; worst: {}",
                     peak_ulps(), rms_ulps(), peak_ratio(), rms_ratio(), count_,
                     describe(worst_ratio_));
}

}  // namespace ropecheck::numeric
