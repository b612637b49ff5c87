// Peak and RMS error statistics with the worst element always named (docs/error-model.md#measuring-errors).
//
// Contract: add() takes one element's error in output-dtype ulps and in units of its bound
// (ratio ≤ 1 passes). Peaks keep the first element that reached them, so a report is
// deterministic for a deterministic input order. Non-finite errors count as +Inf peaks
// and make the RMS +Inf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ropecheck::numeric {

struct ElementLocation {
  std::size_t token = 0;
  std::size_t head = 0;
  std::size_t dim = 0;
  std::int64_t position = 0;
};

struct ElementError {
  ElementLocation where;
  double candidate = 0;
  double exact = 0;
  double ulps = 0;   // |candidate − exact| / ulp_out(exact)
  double ratio = 0;  // |candidate − exact| / bound
};

class ErrorStats {
 public:
  void add(const ElementError& e);
  // Adds the elements `later` counted, which come after every element counted so far, their
  // tokens shifted by token_offset (a chunk of a longer tensor). Peaks are what adding them
  // one by one gives; the sums of squares are summed per chunk.
  void merge(const ErrorStats& later, std::size_t token_offset);

  std::size_t count() const { return count_; }
  double peak_ulps() const { return worst_ulps_.ulps; }
  double peak_ratio() const { return worst_ratio_.ratio; }
  double rms_ulps() const;
  double rms_ratio() const;
  const ElementError& worst_by_ulps() const { return worst_ulps_; }
  const ElementError& worst_by_ratio() const { return worst_ratio_; }
  bool within_bound() const { return count_ == 0 || worst_ratio_.ratio <= 1.0; }

  // "peak 0.51 ulp (RMS 0.24), peak 0.38 of bound (RMS 0.11) over 4096 elements; worst:
  //  token 3 head 1 dim 17 position 1048575: got 0x1.8p-1, exact 0x1.7ffffep-1"
  std::string summary() const;

 private:
  std::size_t count_ = 0;
  double sum_sq_ulps_ = 0;
  double sum_sq_ratio_ = 0;
  ElementError worst_ulps_;
  ElementError worst_ratio_;
};

std::string describe(const ElementError& e);

}  // namespace ropecheck::numeric
