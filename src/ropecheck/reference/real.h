// The reference's real and complex types, defined once and switchable (docs/error-model.md#reference-precision).
//
// Contract:
//  - `Real` is the golden source: MPFR through Boost.Multiprecision at a *fixed* precision
//    of 77 decimal digits = 257 bits. Fixed precision matters: Boost 1.74's
//    variable-precision mpfr_float keeps a process-wide default precision that Boost
//    itself changes during calls (a data race under threads); the fixed-precision backend
//    has none. MPFR's sin, cos, exp, log and pow are correctly rounded.
//  - `CrossCheckReal` is an independent implementation (Boost's own cpp_bin_float, 128
//    bits) used only to cross-check the MPFR path. Its sin/cos are not correctly rounded:
//    their absolute error grows like |angle|·2^-130 (measured; see cross_check.h).
//  - `Complex<R>` is a genuinely separate complex arithmetic for each backend: MPC for
//    MPFR, Boost's complex_adaptor for cpp_bin_float. The complex form of RoPE (Meta's
//    code) runs on it, so agreement with the real forms is not agreement with itself.
#pragma once

#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/cpp_complex.hpp>
#include <boost/multiprecision/mpc.hpp>
#include <boost/multiprecision/mpfr.hpp>

#include <limits>

namespace ropecheck::reference {

inline constexpr unsigned kReferenceDigits10 = 77;

// MPFR keeps caches per thread (π, log 2, the exponential's tables) that only the thread
// itself can free: a worker thread that computed at reference precision calls this before
// it ends, or the caches leak with it (LeakSanitizer reports them).
inline void release_thread_caches() { mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE); }
// The same when a scope ends, however it ends, for the work of a worker thread (not the
// calling thread's own part, whose caches stay for its next call).
class ReleaseThreadCaches {
 public:
  explicit ReleaseThreadCaches(bool worker_thread) : worker_thread_(worker_thread) {}
  ~ReleaseThreadCaches() {
    if (worker_thread_) release_thread_caches();
  }
  ReleaseThreadCaches(const ReleaseThreadCaches&) = delete;
  ReleaseThreadCaches& operator=(const ReleaseThreadCaches&) = delete;

 private:
  bool worker_thread_;
};

using Real = boost::multiprecision::number<
    boost::multiprecision::mpfr_float_backend<kReferenceDigits10>,
    boost::multiprecision::et_off>;

using CrossCheckReal = boost::multiprecision::number<
    boost::multiprecision::cpp_bin_float<128, boost::multiprecision::digit_base_2>,
    boost::multiprecision::et_off>;

template <class R> struct ComplexOf;
template <> struct ComplexOf<Real> {
  using type = boost::multiprecision::number<
      boost::multiprecision::mpc_complex_backend<kReferenceDigits10>,
      boost::multiprecision::et_off>;
};
template <> struct ComplexOf<CrossCheckReal> {
  using type = boost::multiprecision::number<
      boost::multiprecision::complex_adaptor<
          boost::multiprecision::cpp_bin_float<128, boost::multiprecision::digit_base_2>>,
      boost::multiprecision::et_off>;
};
template <class R> using Complex = typename ComplexOf<R>::type;

// Unit roundoff u = 2^-p of a backend (half its machine epsilon): one correctly rounded
// operation has relative error ≤ u. Every reference tolerance is a multiple of it.
template <class R> R unit_roundoff() { return std::numeric_limits<R>::epsilon() / 2; }

// The reference real types the library is instantiated with.
#define ROPECHECK_FOR_EACH_REAL(X) X(::ropecheck::reference::Real) X(::ropecheck::reference::CrossCheckReal)

}  // namespace ropecheck::reference
