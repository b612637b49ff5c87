// Generated inputs of the reference property battery (RapidCheck generators).
//
// What is generated, and why (properties over the whole input domain: docs/testing.md#generated-inputs):
//  - specs: head_dim 2…512 (even; most cases small, 1 in 10 above 128 so dense D×D
//    matrices stay affordable), partial rotary (R even, 2 ≤ R ≤ D), both layouts, bases
//    2…1e7 (log-uniform grid plus the bases real models use).
//  - positions: integers up to 2^31, negative, and non-integer (k + j/2^20), all exact
//    doubles so the reference sees exactly the printed value.
//  - vector elements from double bit patterns: −0, subnormals, huge magnitudes (to 1.8e308)
//    and ordinary values; never ±Inf or NaN (the math is over the reals; IEEE specials are
//    a property of the rounding and of kernels, tested there).
//  - attention cases use moderate elements (|x| ≤ 8): softmax amplifies a logit error δ by
//    e^δ, so only there is the input range limited, to where the first-order tolerance
//    analysis holds.
// Every case prints as something a person can paste back (spec JSON, %a hex floats).
#pragma once

#include <cstddef>
#include <iosfwd>
#include <vector>

#include <rapidcheck.h>

#include "ropecheck/spec.h"

namespace ropecheck::props {

struct RopeCase {
  RopeSpec spec;
  double m = 0, n = 0, shift = 0;  // two positions and a common shift t
  std::vector<double> x, y;        // two head vectors (q and k), head_dim each
};

// The matrix properties use no vectors: a case without them shrinks in a few steps.
struct MatrixCase {
  RopeSpec spec;
  double m = 0, n = 0;
};

struct AttentionCase {
  RopeSpec spec;
  std::vector<double> positions;
  double shift = 0;
  std::vector<std::vector<double>> q, k, v;
};

struct DecayCase {
  std::size_t rotary_dim = 128;
  double base = 10000;
  double distance = 0;
};

std::ostream& operator<<(std::ostream& os, const RopeCase& c);
std::ostream& operator<<(std::ostream& os, const MatrixCase& c);
std::ostream& operator<<(std::ostream& os, const AttentionCase& c);
std::ostream& operator<<(std::ostream& os, const DecayCase& c);

rc::Gen<RopeSpec> gen_spec();
// gen_spec() with a scaling of any type (linear, llama3, yarn incl. mscale/mscale_all_dim,
// attention_factor and truncate false, dynamic with sequence lengths 0…8M, longrope with
// per-pair factors 1…64 in either regime); factors 1…64, contexts 2^8…2^20.
rc::Gen<RopeSpec> gen_scaled_spec();
rc::Gen<double> gen_position();
rc::Gen<double> gen_element();           // bit patterns incl. −0, subnormals, huge
rc::Gen<double> gen_moderate_element();  // k/2^10, |k| ≤ 2^13
rc::Gen<RopeCase> gen_rope_case();
rc::Gen<MatrixCase> gen_matrix_case();
rc::Gen<RopeCase> gen_rope_case(rc::Gen<RopeSpec> specs);
rc::Gen<MatrixCase> gen_matrix_case(rc::Gen<RopeSpec> specs);
rc::Gen<AttentionCase> gen_attention_case();
rc::Gen<DecayCase> gen_decay_case();

}  // namespace ropecheck::props

namespace rc {
template <> struct Arbitrary<ropecheck::props::RopeCase> {
  static Gen<ropecheck::props::RopeCase> arbitrary() { return ropecheck::props::gen_rope_case(); }
};
template <> struct Arbitrary<ropecheck::props::MatrixCase> {
  static Gen<ropecheck::props::MatrixCase> arbitrary() { return ropecheck::props::gen_matrix_case(); }
};
template <> struct Arbitrary<ropecheck::props::AttentionCase> {
  static Gen<ropecheck::props::AttentionCase> arbitrary() { return ropecheck::props::gen_attention_case(); }
};
template <> struct Arbitrary<ropecheck::props::DecayCase> {
  static Gen<ropecheck::props::DecayCase> arbitrary() { return ropecheck::props::gen_decay_case(); }
};
}  // namespace rc
