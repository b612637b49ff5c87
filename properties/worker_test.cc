// The worker protocol (harness/worker_protocol.h) and exec workers (harness/exec_worker.h):
//  - every rule of the reply parser, each by a reply that breaks only it;
//  - every fault a worker can commit (properties/workers/fault_worker.py), each reported as
//    the worker's ImplementationFailure with what happened and its stderr, within the
//    timeout, and with ropecheck still running: crash, exit, hang, garbage, a length no
//    call can need, wrong shape, dtype or id, a reported error, stray stdout, an exit
//    before the request is written (SIGPIPE), 8 MiB of stderr, an unknown protocol, no capabilities, a process
//    that escapes its group;
//  - a worker that crashed once is restarted and the next call succeeds;
//  - a command the shell cannot run is bad input (exit 2), not a failure.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ropecheck/errors.h"
#include "ropecheck/harness/exec_worker.h"
#include "ropecheck/harness/worker_protocol.h"
#include "ropecheck/io/safetensors.h"

using namespace ropecheck;
using namespace ropecheck::harness;

namespace {

const std::string kPython = "/usr/bin/python3";

std::string fault_worker(const std::string& fault) {
  return kPython + " " + ROPECHECK_SOURCE_DIR + "/properties/workers/fault_worker.py --fault " + fault;
}

PluginLimits quick_limits() {
  PluginLimits limits;
  limits.memory_bytes = std::uint64_t{2} << 30;
  limits.timeout = std::chrono::duration<double>(5);
  return limits;
}

RopeSpec small_spec() {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 4;
  return spec;
}

struct Call {
  RopeSpec spec = small_spec();
  std::vector<std::int64_t> positions{0, 1, 2};
  std::vector<float> x = std::vector<float>(3 * 2 * 4, 1.5f);
  std::vector<float> out = std::vector<float>(3 * 2 * 4, 0.0f);
  RopeCall call() const { return RopeCall{spec, Dtype::f32, 2, PositionsView(positions, 1), x.data(), 8, false}; }
};

// The message of the ImplementationFailure `f` throws ("" when it does not throw).
template <class F>
std::string failure_of(F&& f) {
  try {
    f();
  } catch (const ImplementationRefusal& e) {
    return std::string("REFUSAL: ") + e.what();
  } catch (const ImplementationFailure& e) {
    return e.what();
  }
  return "";
}

// A reply blob from metadata and tensors.
std::vector<unsigned char> reply(std::map<std::string, std::string> metadata, std::vector<io::Tensor> tensors = {}) {
  io::SafetensorsFile file;
  file.metadata = std::move(metadata);
  file.tensors = std::move(tensors);
  return io::serialize_safetensors(file);
}

io::Tensor f32_out(std::vector<std::uint64_t> shape) {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  return io::make_tensor("out", io::StDtype::F32, shape, std::vector<unsigned char>(n * 4));
}

}  // namespace

// --- the messages --------------------------------------------------------------------

TEST(worker_protocol, capabilities_round_trip) {
  Capabilities c;
  c.dtypes = {Dtype::bf16, Dtype::f32};
  c.layouts = {Layout::half_split};
  c.scaling_types = {ScalingType::none, ScalingType::yarn};
  c.multi_axis = true;
  c.max_position = (std::int64_t{1} << 31) - 1;
  c.strides = true;
  c.in_place = false;
  c.device = "cuda:0";
  const Capabilities back = capabilities_from_json_text(capabilities_to_json_text(c));
  EXPECT_EQ(back.dtypes, c.dtypes);
  EXPECT_EQ(back.layouts, c.layouts);
  EXPECT_EQ(back.scaling_types, c.scaling_types);
  EXPECT_EQ(back.multi_axis, true);
  EXPECT_EQ(back.max_position, c.max_position);
  EXPECT_EQ(back.strides, true);
  EXPECT_EQ(back.in_place, false);
  EXPECT_EQ(back.device, "cuda:0");
}

TEST(worker_protocol, a_hello_that_cannot_state_its_support_is_refused) {
  for (const auto& [supports, rule] : std::vector<std::pair<std::string, std::string>>{
           {"[]", "not a JSON object"},
           {"{}", "no 'dtypes'"},
           {R"({"dtypes":[]})", "is empty"},
           {R"({"dtypes":["f64"]})", "unknown value 'f64'"},
           {R"({"dtypes":["f32"],"layouts":["diagonal"]})", "unknown value 'diagonal'"},
           {R"({"dtypes":["f32"],"scaling":["ntk"]})", "unknown value 'ntk'"},
           {R"({"dtypes":["f32"],"max_position":-1})", "max_position"},
           {R"({"dtypes":["f32"],"max_position":1.5})", "max_position"},
           {R"({"dtypes":["f32"],"multi_axis":"yes"})", "multi_axis"},
           {R"({"dtypes":["f32"],"colour":"blue"})", "unknown field 'colour'"},
           {"{not json", "not a JSON object"}}) {
    const std::string message = failure_of([&] {
      parse_hello_reply(reply({{"op", "hello"}, {"id", "0"}, {"protocol", "1"}, {"supports", supports}}));
    });
    EXPECT_NE(message.find(rule), std::string::npos) << supports << " → " << message;
  }
  // The valid one is accepted: the rules above are what fails, not the frame.
  const WorkerHello ok =
      parse_hello_reply(reply({{"op", "hello"}, {"id", "0"}, {"protocol", "1"}, {"name", "n|x"}, {"supports", R"({"dtypes":["f16"]})"}}));
  EXPECT_EQ(ok.capabilities.dtypes, std::vector<Dtype>{Dtype::f16});
  EXPECT_EQ(ok.name, "n/x");  // table-safe
}

TEST(worker_protocol, every_rule_of_an_apply_reply_is_checked) {
  const Call c;
  const RopeCall call = c.call();
  const auto parse = [&](const std::vector<unsigned char>& blob) { return failure_of([&] { parse_apply_reply(blob, 7, call); }); };
  // The correct reply passes.
  const ApplyReply good = parse_apply_reply(reply({{"op", "apply"}, {"id", "7"}}, {f32_out({3, 2, 4})}), 7, call);
  ASSERT_TRUE(std::holds_alternative<ApplyOutput>(good));
  EXPECT_EQ(std::get<ApplyOutput>(good).out.size(), 3u * 2 * 4 * 4);
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "8"}}, {f32_out({3, 2, 4})})).find("mixed up"), std::string::npos);
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "07x"}}, {f32_out({3, 2, 4})})).find("mixed up"), std::string::npos);
  EXPECT_NE(parse(reply({{"op", "hello"}, {"id", "7"}}, {f32_out({3, 2, 4})})).find("metadata 'op'"), std::string::npos);
  EXPECT_NE(parse(reply({{"op", "apply"}}, {f32_out({3, 2, 4})})).find("no metadata 'id'"), std::string::npos);
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "7"}})).find("no tensor 'out'"), std::string::npos);
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "7"}}, {f32_out({3, 8})})).find("shape [3, 8], expected [3, 2, 4]"),
            std::string::npos);
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "7"}},
                        {io::make_tensor("out", io::StDtype::F16, {3, 2, 4}, std::vector<unsigned char>(48))}))
                .find("dtype F16, expected F32"),
            std::string::npos);
  io::Tensor extra = f32_out({1});
  extra.name = "debug";
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "7"}}, {f32_out({3, 2, 4}), extra})).find("expected only 'out'"),
            std::string::npos);
  EXPECT_NE(parse(reply({{"op", "apply"}, {"id", "7"}, {"error", "e"}, {"unsupported", "u"}})).find("both"),
            std::string::npos);
  EXPECT_NE(parse({1, 2, 3}).find("not a valid message"), std::string::npos);
  // error and unsupported are results, not parse failures; their text is made one line.
  const ApplyReply error = parse_apply_reply(reply({{"op", "apply"}, {"id", "7"}, {"error", "bad\nthing"}}), 7, call);
  ASSERT_TRUE(std::holds_alternative<ApplyError>(error));
  EXPECT_EQ(std::get<ApplyError>(error).message, "bad\\nthing");
  EXPECT_TRUE(std::holds_alternative<ApplyDeclined>(
      parse_apply_reply(reply({{"op", "apply"}, {"id", "7"}, {"unsupported", "no"}}), 7, call)));
}

TEST(worker_protocol, a_strided_request_carries_its_buffer_and_strides) {
  Call c;
  c.x.assign(3 * 11, 2.0f);  // token stride 11 > heads·head_dim 8
  const RopeCall call{c.spec, Dtype::f32, 2, PositionsView(c.positions, 1), c.x.data(), 11, false};
  const std::vector<unsigned char> blob = encode_apply_request(5, call);
  const io::SafetensorsFile file = io::parse_safetensors(blob, "request");
  EXPECT_EQ(file.get("x", "request").shape, (std::vector<std::uint64_t>{3, 11}));
  EXPECT_EQ(io::to_int64s(file.get("strides", "request"), "request"), (std::vector<std::int64_t>{11, 4, 1}));
  EXPECT_EQ(file.metadata.at("heads"), "2");
  EXPECT_EQ(file.metadata.at("id"), "5");
  // Dense: [T, H, D] and no strides.
  const io::SafetensorsFile dense = io::parse_safetensors(encode_apply_request(6, c.call()), "request");
  EXPECT_EQ(dense.get("x", "request").shape, (std::vector<std::uint64_t>{3, 2, 4}));
  EXPECT_EQ(dense.find("strides"), nullptr);
}

// --- the process -----------------------------------------------------------------------

TEST(exec_worker, a_correct_worker_answers_and_reports_its_capabilities) {
  const ExecWorker w = ExecWorker::open(fault_worker("none"), quick_limits());
  EXPECT_EQ(w.name(), "fault none");
  EXPECT_TRUE(w.capabilities().multi_axis);
  Call c;
  w.apply(c.call(), c.out.data());
  EXPECT_EQ(c.out, c.x);
  w.apply(c.call(), c.out.data());
  EXPECT_EQ(w.calls(), 2u);
  EXPECT_EQ(w.restarts(), 0);
}

TEST(exec_worker, every_fault_is_a_reported_failure_with_its_stderr) {
  struct Expect {
    std::string fault;
    std::vector<std::string> phrases;
  };
  const std::vector<Expect> faults{
      {"crash", {"crashed with SIGSEGV", "about to crash on call 1"}},
      {"exit", {"exited with status 3", "exiting on call 1"}},
      {"garbage", {"not a valid message"}},
      {"huge-length", {"announces a reply of 1099511627776 bytes"}},
      {"truncated", {"exited in the middle of its reply"}},
      {"wrong-shape", {"shape [24], expected [3, 2, 4]"}},
      {"wrong-dtype", {"dtype F64, expected F32"}},
      {"wrong-id", {"carries id '2'", "mixed up"}},
      {"error", {"reported an error on call 1: ValueError: something broke\\nwith a second line"}},
      {"stray-stdout", {"garbage on stdout"}},
  };
  for (const Expect& e : faults) {
    const ExecWorker w = ExecWorker::open(fault_worker(e.fault), quick_limits());
    Call c;
    const auto start = std::chrono::steady_clock::now();
    const std::string message = failure_of([&] { w.apply(c.call(), c.out.data()); });
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4)) << e.fault;
    ASSERT_FALSE(message.empty()) << e.fault << " was not reported";
    EXPECT_EQ(message.rfind("REFUSAL", 0), std::string::npos) << e.fault << ": " << message;
    for (const std::string& phrase : e.phrases) EXPECT_NE(message.find(phrase), std::string::npos) << e.fault << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

TEST(exec_worker, a_request_to_a_worker_that_is_gone_is_reported_not_a_sigpipe) {
  const ExecWorker w = ExecWorker::open(fault_worker("exit-after-hello"), quick_limits());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it and its shell have exited
  Call c;
  // Writing to a pipe nobody reads raises SIGPIPE, whose default action would end this
  // test binary: it is blocked and consumed, and the write's EPIPE reported.
  const std::string message = failure_of([&] { w.apply(c.call(), c.out.data()); });
  EXPECT_NE(message.find("stopped reading its input (exited with status 5)"), std::string::npos) << message;
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(exec_worker, a_declined_call_is_a_refusal_not_a_failure) {
  const ExecWorker w = ExecWorker::open(fault_worker("unsupported"), quick_limits());
  Call c;
  EXPECT_EQ(failure_of([&] { w.apply(c.call(), c.out.data()); }).rfind("REFUSAL", 0), 0u);
}

TEST(exec_worker, a_call_outside_the_declared_support_is_never_sent) {
  const ExecWorker w = ExecWorker::open(fault_worker("none"), quick_limits());
  Call c;
  c.spec.scaling.type = ScalingType::linear;
  c.spec.scaling.factor = 2;
  // The fault worker declares every scaling type; a narrower declaration is tested through
  // outside_capabilities directly.
  Capabilities only_none;
  only_none.dtypes = {Dtype::f32};
  only_none.scaling_types = {ScalingType::none};
  const auto reason = outside_capabilities(only_none, c.call());
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("scaling type linear"), std::string::npos);
  only_none.scaling_types.push_back(ScalingType::linear);
  only_none.max_position = 1;
  EXPECT_NE(outside_capabilities(only_none, c.call()).value_or("").find("position 2 is above its max_position 1"),
            std::string::npos);
}

TEST(exec_worker, a_hang_costs_one_timeout_and_the_worker_is_not_called_again) {
  PluginLimits limits = quick_limits();
  limits.timeout = std::chrono::duration<double>(0.5);
  const ExecWorker w = ExecWorker::open(fault_worker("hang"), limits);
  Call c;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(failure_of([&] { w.apply(c.call(), c.out.data()); }).find("no reply within 0.5 s"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  const auto again = std::chrono::steady_clock::now();
  EXPECT_NE(failure_of([&] { w.apply(c.call(), c.out.data()); }).find("timed out earlier"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - again, std::chrono::milliseconds(100));
}

TEST(exec_worker, a_worker_that_crashed_is_restarted_and_answers) {
  const std::string state = testing::TempDir() + "/crash_once_" + std::to_string(getpid());
  std::filesystem::remove(state);
  setenv("ROPECHECK_FAULT_STATE", state.c_str(), 1);
  const ExecWorker w = ExecWorker::open(fault_worker("crash-once"), quick_limits());
  unsetenv("ROPECHECK_FAULT_STATE");
  Call c;
  EXPECT_NE(failure_of([&] { w.apply(c.call(), c.out.data()); }).find("SIGSEGV"), std::string::npos);
  w.apply(c.call(), c.out.data());
  EXPECT_EQ(c.out, c.x);
  EXPECT_EQ(w.restarts(), 1);
  std::filesystem::remove(state);
}

TEST(exec_worker, a_stderr_flood_neither_blocks_the_worker_nor_fills_memory) {
  const ExecWorker w = ExecWorker::open(fault_worker("stderr-flood"), quick_limits());
  Call c;
  w.apply(c.call(), c.out.data());  // 8 MiB of stderr before the reply: drained, kept bounded
  EXPECT_EQ(c.out, c.x);
}

TEST(exec_worker, a_failed_handshake_is_a_failure_and_a_missing_command_bad_input) {
  for (const auto& [fault, phrase] : std::vector<std::pair<std::string, std::string>>{
           {"bad-protocol", "speaks protocol '99'"},
           {"no-supports", "no metadata 'supports'"},
           {"exit-on-hello", "exiting before the handshake"}}) {
    const std::string message = failure_of([&] { ExecWorker::open(fault_worker(fault), quick_limits()); });
    EXPECT_NE(message.find(phrase), std::string::npos) << fault << ": " << message;
  }
  PluginLimits limits = quick_limits();
  limits.timeout = std::chrono::duration<double>(0.5);
  EXPECT_NE(failure_of([&] { ExecWorker::open(fault_worker("hang-on-hello"), limits); }).find("no reply within"),
            std::string::npos);
  EXPECT_THROW(ExecWorker::open("/nonexistent/ropecheck-worker --serve", quick_limits()), InvalidInput);
  // The verdict comes from the exit status, never from what the worker printed: a worker
  // that writes the shell's words and exits 1 failed (exit 1), it is not a missing command.
  EXPECT_NE(failure_of([&] { ExecWorker::open(fault_worker("misleading-stderr"), quick_limits()); }).find("status 1"),
            std::string::npos);
  EXPECT_THROW(ExecWorker::open("   ", quick_limits()), InvalidInput);
}

TEST(exec_worker, nothing_a_worker_started_outlives_it) {
  const std::string pid_file = testing::TempDir() + "/escaped_" + std::to_string(getpid());
  std::filesystem::remove(pid_file);
  pid_t escaped = 0;
  {
    const ExecWorker w = ExecWorker::open(fault_worker("escape") + " --pid-file " + pid_file, quick_limits());
    Call c;
    w.apply(c.call(), c.out.data());
    std::ifstream(pid_file) >> escaped;
    ASSERT_GT(escaped, 0);
    EXPECT_EQ(kill(escaped, 0), 0) << "the escaped process runs while the worker does";
  }
  // The worker is gone; its setsid child was orphaned to us (subreaper) and killed.
  for (int i = 0; i < 100 && kill(escaped, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(kill(escaped, 0), 0) << "process " << escaped << " outlived its worker";
  std::filesystem::remove(pid_file);
}
