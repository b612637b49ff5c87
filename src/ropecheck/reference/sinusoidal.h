// Sinusoidal *additive* position encoding (Vaswani et al.; docs/mathematics.md#sinusoidal-additive-encoding): the negative
// control of the relative-position properties. x + p_m over the rotary dims, with
// p_m[a_i] = sin(m·θ_i), p_m[b_i] = cos(m·θ_i) on the spec's pairs (a_i, b_i).
// ⟨q + p_m, k + p_n⟩ = ⟨q, k⟩ + ⟨q, p_n⟩ + ⟨p_m, k⟩ + ⟨p_m, p_n⟩: only the last term
// depends on m − n alone, so shifting both positions changes the score.
#pragma once

#include "ropecheck/reference/forms.h"

namespace ropecheck::reference {

template <class R> Vector<R> sinusoidal_encode(const RopeSpec& spec, const R& position, const Vector<R>& x);

}  // namespace ropecheck::reference
