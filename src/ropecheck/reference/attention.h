// Attention with a position encoding, at reference precision (docs/mathematics.md#attention).
//
// Contract: an Encoding maps (spec, position, vector) to the encoded vector; RoPE is
// apply_rope, the additive sinusoidal PE (sinusoidal.h) is the negative control.
//  - score(q, m, k, n) = ⟨enc(q, m), enc(k, n)⟩.
//  - softmax_attention: out_i = Σ_j softmax_j(score_ij/√D)·v_j over the whole sequence
//    (no causal mask: invariance under shifting every position holds either way).
//  - linear_attention (Su's; docs/mathematics.md#attention): out_i = Σ_j ⟨enc(φ(q_i)), enc(φ(k_j))⟩·v_j /
//    Σ_j ⟨φ(q_i), φ(k_j)⟩ with φ = elu + 1 > 0: the encoding in the numerator only.
#pragma once

#include <functional>
#include <vector>

#include "ropecheck/reference/forms.h"

namespace ropecheck::reference {

template <class R>
using Encoding = std::function<Vector<R>(const RopeSpec&, const R& position, const Vector<R>& x)>;

template <class R> struct Sequence {
  std::vector<Vector<R>> q, k, v;  // T vectors each; q, k of head_dim, v of any length
  std::vector<R> positions;        // T positions
};

template <class R> R dot(const Vector<R>& a, const Vector<R>& b);
template <class R>
R score(const Encoding<R>& enc, const RopeSpec& spec, const Vector<R>& q, const R& m, const Vector<R>& k, const R& n);
template <class R>
std::vector<Vector<R>> softmax_attention(const Encoding<R>& enc, const RopeSpec& spec, const Sequence<R>& seq);
template <class R>
std::vector<Vector<R>> linear_attention(const Encoding<R>& enc, const RopeSpec& spec, const Sequence<R>& seq);
template <class R> Vector<R> elu_plus_one(const Vector<R>& x);

}  // namespace ropecheck::reference
