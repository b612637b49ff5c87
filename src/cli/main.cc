// ropecheck: the command-line front end. Thin: parses flags (CLI11), calls the library,
// maps errors to exit codes (DESIGN §4): 0 pass, 1 conformance failure, 2 bad usage or
// invalid input — always with a one-line reason on stderr.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/gate/battery.h"
#include "ropecheck/reference/abel.h"
#include "ropecheck/reference/frequencies.h"

namespace {

using ropecheck::InvalidInput;
using ropecheck::reference::Real;

constexpr int kExitPass = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The default seed of `ropecheck props`: fixed, so two runs print the same thing.
constexpr std::uint64_t kDefaultPropsSeed = 20210323;  // RoFormer's blog post date
constexpr std::uint64_t kMaxDecayDistance = 100'000'000;

// A one-line progress bar on stderr, only when stderr is a terminal.
class Progress {
 public:
  Progress(std::string label, std::size_t total) : label_(std::move(label)), total_(total), tty_(isatty(2) != 0) {}
  void update(std::size_t done) {
    if (!tty_ || total_ == 0) return;
    const std::size_t percent = done * 100 / total_;
    if (percent == last_percent_ && done != total_) return;
    last_percent_ = percent;
    const std::size_t filled = percent * 30 / 100;
    std::fprintf(stderr, "\r%s [%s%s] %3zu%%", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(30 - filled, ' ').c_str(), percent);
    if (done == total_) std::fprintf(stderr, "\r%s\r", std::string(label_.size() + 40, ' ').c_str());
    std::fflush(stderr);
  }

 private:
  std::string label_;
  std::size_t total_;
  bool tty_;
  std::size_t last_percent_ = 101;
};

std::string full_precision(const Real& x) { return x.str(21, std::ios_base::fmtflags(0)); }

int run_decay(std::size_t dim, double base, std::uint64_t max_distance, const std::string& format) {
  if (dim < 2 || dim % 2 != 0) throw InvalidInput(fmt::format("decay: --dim {} must be even and at least 2", dim));
  if (!(base > 1) || !std::isfinite(base)) throw InvalidInput("decay: --base must be a finite number > 1");
  if (max_distance > kMaxDecayDistance) {
    throw InvalidInput(fmt::format("decay: --max-distance above {} is not supported", kMaxDecayDistance));
  }
  ropecheck::RopeSpec spec;
  spec.head_dim = spec.rotary_dim = dim;
  spec.base = base;
  const std::vector<Real> thetas = ropecheck::reference::frequencies<Real>(spec);
  Progress progress("decay", max_distance + 1);
  std::string out;
  if (format == "csv") {
    out += "distance,f,sum_abs_S\n";
  } else {
    out += fmt::format("{{\"dim\":{},\"base\":{},\"points\":[", dim, base);
  }
  for (std::uint64_t delta = 0; delta <= max_distance; ++delta) {
    const auto p = ropecheck::reference::decay_point<Real>(thetas, Real(delta));
    if (format == "csv") {
      out += fmt::format("{},{},{}\n", delta, full_precision(p.f), full_precision(p.sum_abs_S));
    } else {
      out += fmt::format("{}{{\"distance\":{},\"f\":{},\"sum_abs_S\":{}}}", delta ? "," : "", delta,
                         full_precision(p.f), full_precision(p.sum_abs_S));
    }
    progress.update(static_cast<std::size_t>(delta + 1));
  }
  if (format == "json") out += "]}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);  // written only once complete
  return kExitPass;
}

int run_props(std::uint64_t seed, int cases) {
  if (cases < 1) throw InvalidInput("props: --cases must be at least 1");
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  auto battery = ropecheck::gate::reference_battery();
  for (auto& entry : ropecheck::gate::kernel_battery()) battery.push_back(std::move(entry));
  std::cout << fmt::format("ropecheck props: reference and kernel battery ({} checks), seed {}, up to {} cases each\n",
                           battery.size(), seed, cases);
  std::cout.flush();
  Progress progress("props", battery.size());
  std::size_t held = 0, caught = 0, failed = 0;
  ropecheck::gate::run_battery(battery, params, [&](const ropecheck::gate::BatteryOutcome& o, std::size_t done) {
    progress.update(done);
    const char* verdict = o.ok ? (o.negative_control ? "CAUGHT" : "PASS") : "FAIL";
    std::cout << fmt::format("  {:<6} {} ({} cases){}\n", verdict, o.name, o.cases,
                             o.negative_control ? " [negative control]" : "");
    if (!o.ok || o.negative_control) {
      const std::string first_line = o.detail.substr(0, o.detail.find('\n'));
      if (!first_line.empty()) std::cout << "         " << first_line << "\n";
    }
    if (!o.ok) {
      ++failed;
    } else if (o.negative_control) {
      ++caught;
    } else {
      ++held;
    }
    std::cout.flush();
  });
  std::cout << fmt::format("{} properties held, {} negative controls caught, {} failed (reproduce: ropecheck props "
                           "--seed {} --cases {})\n",
                           held, caught, failed, seed, cases);
  std::cout << fmt::format("props: {} passed, {} failed\n", held + caught, failed);
  return failed == 0 ? kExitPass : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ropecheck: numerical verification and property testing of Rotary Position Embedding"};
  app.set_version_flag("--version", std::string("ropecheck ") + ROPECHECK_VERSION);
  app.require_subcommand(1);

  auto* decay = app.add_subcommand("decay", "Print Su's decay curve f(D) = sum_j |S_j(D)| / (R/2) for D = 0..N");
  std::size_t dim = 0;
  double base = 10000;
  std::uint64_t max_distance = 0;
  std::string format = "csv";
  decay->add_option("--dim", dim, "rotary dimension R (even)")->required();
  decay->add_option("--base", base, "RoPE base (default 10000)");
  decay->add_option("--max-distance", max_distance, "largest relative distance N")->required();
  decay->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));

  auto* props = app.add_subcommand("props", "Run the property battery against the built-in reference and kernels");
  std::uint64_t seed = kDefaultPropsSeed;
  int cases = 100;
  props->add_option("--seed", seed, fmt::format("RapidCheck seed (default {})", kDefaultPropsSeed));
  props->add_option("--cases", cases, "cases per property (default 100)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ropecheck: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }

  try {
    if (decay->parsed()) return run_decay(dim, base, max_distance, format);
    if (props->parsed()) return run_props(seed, cases);
  } catch (const InvalidInput& e) {
    std::cerr << "ropecheck: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitUsage;
}
