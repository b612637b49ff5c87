#include "ropecheck/report/implementation.h"

#include <memory>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/float_codec.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/gate/candidate.h"
#include "ropecheck/props/implementation_kernel.h"
#include "ropecheck/report/measurement_failures.h"

namespace ropecheck::report {
namespace {

constexpr std::pair<std::string_view, kernels::TableMode> kBuiltins[] = {
    {"accurate", kernels::TableMode::accurate},
    {"f32-angle", kernels::TableMode::f32_angle},
    {"ggml-recurrence", kernels::TableMode::f32_recurrence},
};

std::vector<double> widen(const std::vector<std::uint64_t>& bits, Dtype dtype) {
  std::vector<double> values;
  values.reserve(bits.size());
  for (const std::uint64_t b : bits) values.push_back(decode_bits(b, dtype));
  return values;
}

}  // namespace

std::vector<std::string> builtin_implementation_names() {
  std::vector<std::string> names;
  for (const auto& [name, mode] : kBuiltins) names.emplace_back(name);
  return names;
}

Implementation builtin_implementation(std::string_view name) {
  for (const auto& [known, mode] : kBuiltins) {
    if (known != name) continue;
    const kernels::TableMode table = mode;
    Implementation impl;
    impl.name = fmt::format("kernels:{}", known);
    impl.table_mode = table;
    impl.run = [table](const golden::Golden& g) {
      ImplementationOutput out;
      if (table == kernels::TableMode::f32_recurrence && !kernels::geometric_frequencies(g.spec)) {
        out.skipped = "ggml's recurrence needs unscaled frequencies in one geometric chain";
        return out;
      }
      out.values = widen(gate::run_builtin_kernel(g, table), g.output_dtype);
      return out;
    };
    return impl;
  }
  throw InvalidInput(fmt::format("report: unknown implementation '{}' (expected accurate, f32-angle or ggml-recurrence)", name));
}

Implementation harness_implementation(std::shared_ptr<const harness::Implementation> under_test) {
  const auto kernel = std::make_shared<const props::KernelUnderTest>(props::implementation_kernel(under_test));
  Implementation impl;
  impl.name = fmt::format("{}:{}", under_test->kind(), under_test->name());
  impl.run = [under_test, kernel](const golden::Golden& g) {
    ImplementationOutput out;
    if (!under_test->supports(g.input_dtype)) {
      out.skipped = fmt::format("unsupported: the {} does not take {} inputs", under_test->kind(), to_string(g.input_dtype));
      return out;
    }
    try {
      out.values = widen(gate::run_on_golden(g, kernel->rotate), g.output_dtype);
    } catch (const harness::ImplementationRefusal& e) {
      out.skipped = fmt::format("unsupported: {}", e.what());
    } catch (const harness::ImplementationFailure& e) {
      out.skipped = fmt::format("{}{}", kImplementationFailed, e.what());
    }
    return out;
  };
  return impl;
}

Implementation candidate_implementation(const std::filesystem::path& directory) {
  if (!std::filesystem::is_directory(directory)) {
    throw InvalidInput(fmt::format("report: candidate directory '{}' does not exist", directory.string()));
  }
  Implementation impl;
  impl.name = fmt::format("candidate:{}", directory.filename().empty() ? directory.parent_path().filename().string()
                                                                        : directory.filename().string());
  impl.sweeps = false;
  impl.run = [directory](const golden::Golden& g) {
    ImplementationOutput out;
    const auto path = gate::find_candidate(directory, g.case_id + ".safetensors");
    if (!path) {
      out.skipped = "no candidate file";
      return out;
    }
    gate::Candidate c = gate::read_candidate(*path);
    const std::vector<std::uint64_t> shape{g.tokens, g.heads, g.spec.head_dim};
    if (c.shape != shape) {
      out.skipped = fmt::format("candidate shape [{}], golden [{}]", fmt::join(c.shape, ", "), fmt::join(shape, ", "));
      return out;
    }
    out.values = std::move(c.values);
    return out;
  };
  return impl;
}

}  // namespace ropecheck::report
