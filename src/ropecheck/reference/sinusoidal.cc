#include "ropecheck/reference/sinusoidal.h"

#include "ropecheck/reference/frequencies.h"

namespace ropecheck::reference {

template <class R> Vector<R> sinusoidal_encode(const RopeSpec& spec, const R& position, const Vector<R>& x) {
  const CosSin<R> cs = cos_sin<R>(spec, position);
  Vector<R> y = x;
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const auto [a, b] = pair_indices(spec.layout, spec.rotary_dim, i);
    y[a] += cs.sin[i];
    y[b] += cs.cos[i];
  }
  return y;
}

#define ROPECHECK_INSTANTIATE(R) template Vector<R> sinusoidal_encode<R>(const RopeSpec&, const R&, const Vector<R>&);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
