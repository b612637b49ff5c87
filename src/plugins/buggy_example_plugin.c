/* A deliberately wrong RoPE plugin, written the way a scalar C loop often is: it rotates
 * each pair in place without a temporary, so b' is computed from the already-updated a'
 * (`x[b] = x[b]*c + x[a]*s` after `x[a] = ...`). Norms change; `ropecheck props --plugin`
 * must fail it and shrink the failure to a small case. f32 only, interleaved and
 * half_split, base from the spec; plain C against ropecheck_plugin.h alone. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ropecheck/harness/ropecheck_plugin.h"

static double json_number(const char* json, const char* key, double fallback) {
  const char* at = strstr(json, key);
  if (!at) return fallback;
  at = strchr(at, ':');
  return at ? strtod(at + 1, NULL) : fallback;
}

__attribute__((visibility("default"))) uint32_t ropecheck_plugin_dtypes(void) { return 1u << ROPECHECK_DTYPE_F32; }

__attribute__((visibility("default"))) const char* ropecheck_plugin_name(void) { return "buggy example (in-place pair update)"; }

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  if (call->abi_version != ROPECHECK_PLUGIN_ABI_VERSION_SINGLE_AXIS || call->dtype != ROPECHECK_DTYPE_F32) {
    snprintf(err, err_len, "only ABI %u (one position axis) and f32", ROPECHECK_PLUGIN_ABI_VERSION_SINGLE_AXIS);
    return 1;
  }
  const uint64_t d = call->head_dim;
  const uint64_t r = (uint64_t)json_number(call->spec_json, "\"rotary_dim\"", (double)d);
  const double base = json_number(call->spec_json, "\"base\"", 10000.0);
  const int interleaved = strstr(call->spec_json, "\"interleaved\"") != NULL;
  const float* x = (const float*)call->x;
  float* y = (float*)call->out;
  if (y != x) memcpy(y, x, call->tokens * call->heads * d * sizeof(float));
  for (uint64_t t = 0; t < call->tokens; ++t) {
    for (uint64_t h = 0; h < call->heads; ++h) {
      float* row = y + (t * call->heads + h) * d;
      for (uint64_t i = 0; i < r / 2; ++i) {
        const double angle = (double)call->positions[t] * pow(base, -2.0 * (double)i / (double)r);
        const float c = (float)cos(angle), s = (float)sin(angle);
        const uint64_t a = interleaved ? 2 * i : i, b = interleaved ? 2 * i + 1 : i + r / 2;
        row[a] = row[a] * c - row[b] * s;
        row[b] = row[b] * c + row[a] * s; /* the bug: row[a] is already the new value */
      }
    }
  }
  return 0;
}
