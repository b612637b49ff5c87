// `ropecheck check --x X --positions P --spec S | --hf-config C`: a candidate's output on
// the user's own tensors, of any size, against the exact result computed on the fly by the
// certified path (reference/certified_rope.h), with the verdicts, profiles, diagnosis, JSON
// and JUnit of golden checks (conformance.h). The run is one case, named by x's file stem.
//
// Contract:
//  - Inputs (io/tensor_stream.h: a .npy file, or safetensors with the tensor named `x`,
//    `positions` or `out`, or the file's only tensor):
//      x          F32, BF16 or F16, shape [..., H, D]: D the spec's head_dim, at least one
//                 leading dim, the tokens T the product of the leading dims, T·H > 0 and a
//                 token's H·D elements at most kMaxTokenElements;
//      positions  integers (I64 … U8; .npy '<i8', '<i4'), shape x's leading dims, or those
//                 and A for a spec of A > 1 position axes; [T] (or [T, A]) is taken too.
//    Anything else, or a call the reference refuses (validate_rope_call), is InvalidInput:
//    there is no reference to judge against, so nothing is judged.
//  - The candidate — tensor `out` of a file, of x's shape (or [T, H, D]), or an
//    implementation (a plugin or worker) run on x a chunk at a time, in x's dtype and rounded
//    once to the output dtype (builtin_candidate.h) — is judged as a golden case's is; what
//    keeps it from being measured (a missing or malformed file, another shape, a refusal or
//    failure of the implementation) is the case's `error`, never a pass.
//  - The output dtype, which the truth is rounded to and errors are counted in, is
//    output_dtype when given, else a candidate file's dtype (an F64 file needs
//    output_dtype), else x's.
//  - Memory is bounded whatever T: tokens are read and judged kChunkElements at a time
//    (pread, no mapping), measured over the threads in parts of a fixed size whose
//    statistics are merged in token order: the result does not depend on the thread count.
//    Peaks and worst elements are those of one pass over the tensor; the RMS sums per
//    part, so its last bits depend on chunk_elements. An implementation gets x's bits as the
//    file stores them (NaN payloads included).
//  - A failing case is diagnosed (diagnosis.h) on a sample of whole tokens: the worst
//    element's token and tokens spread evenly over the tensor, at most
//    kDiagnosisElements elements (at least one token). The diagnosis's token numbers are the
//    sample's.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/harness/implementation.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/spec.h"

namespace ropecheck::gate {

// 2^20 elements: about 50 MB of a chunk's x, truth and candidate in double, and enough
// work per chunk to keep every thread of the certified path busy.
inline constexpr std::size_t kChunkElements = std::size_t{1} << 20;
// A real model's token: at most 128 heads × 576 dims (72k elements); 2^22 leaves room and
// keeps a hostile shape of one enormous token from defeating the chunking.
inline constexpr std::size_t kMaxTokenElements = std::size_t{1} << 22;
// The diagnosis recomputes the reference under each hypothesis at 257 bits (about 2·10^6
// elements/s): on a sample of 2^16 elements it added about 3 s to a failing check of 134M
// elements (the buggy plugin on 32,768 × 32 × 128, measured on a loaded 2-core machine).
inline constexpr std::size_t kDiagnosisElements = std::size_t{1} << 16;

struct TensorCheckInputs {
  RopeSpec spec;
  std::string spec_source;  // how the spec was given, for the report: "S.json", "C.json, layer type T"
  // A model's other RoPE layer types, for the diagnosis (golden_file.h).
  std::vector<std::pair<std::string, RopeSpec>> other_layer_types;
  std::filesystem::path x;
  std::filesystem::path positions;
  std::optional<Dtype> output_dtype;
  // Elements a chunk holds (at least one token); tests make it small to cross chunk edges.
  std::size_t chunk_elements = kChunkElements;
};

using TensorProgress = std::function<void(std::size_t tokens_done, std::size_t tokens)>;

CheckRun check_tensors(const TensorCheckInputs& inputs, const std::filesystem::path& candidate,
                       numeric::Profile profile, const TensorProgress& progress = {});
CheckRun check_tensors(const TensorCheckInputs& inputs,
                       const std::shared_ptr<const harness::Implementation>& implementation,
                       numeric::Profile profile, const TensorProgress& progress = {});

}  // namespace ropecheck::gate
