// RopeSpec: JSON round trip over generated specs (with a lossy-writer negative control)
// and one test per validation rule.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <functional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/props/property_cases.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/spec.h"
#include "support/expect_counterexample.h"

using ropecheck::InvalidInput;
using ropecheck::RopeSpec;
using ropecheck::Role;
using ropecheck::spec_from_json_text;
using ropecheck::to_json_text;
using ropecheck::scales_positions;

namespace {
using Writer = std::function<std::string(const RopeSpec&)>;
void check_round_trip(const RopeSpec& spec, const Writer& write) {
  const RopeSpec back = ropecheck::spec_from_json_text(write(spec));
  RC_ASSERT(back == spec);
}
// A writer that keeps 6 significant digits of the base, as "%g" does.
std::string lossy_writer(const RopeSpec& spec) {
  auto j = ropecheck::to_json(spec);
  j["base"] = std::stod(fmt::format("{:g}", spec.base));
  return j.dump();
}
}  // namespace

RC_GTEST_PROP(rope_spec, json_round_trip_is_exact, ()) {
  check_round_trip(*ropecheck::props::gen_spec(), ropecheck::to_json_text);
}
TEST(rope_spec_negative_control, a_writer_with_six_digits_loses_the_base) {
  ropecheck::testing::expect_counterexample("lossy writer", [] { check_round_trip(*ropecheck::props::gen_spec(), lossy_writer); });
}

TEST(rope_spec, rotary_dim_defaults_to_head_dim) {
  const RopeSpec s = ropecheck::spec_from_json_text(R"({"head_dim":64,"layout":"half_split","base":500000})");
  EXPECT_EQ(s.rotary_dim, 64u);
  EXPECT_EQ(s.layout, ropecheck::Layout::half_split);
  EXPECT_EQ(s.base, 500000.0);
}

namespace {
void expect_rejected(const std::string& json_text, const char* reason) {
  const char* json = json_text.c_str();
  try {
    ropecheck::spec_from_json_text(json);
    ADD_FAILURE() << "accepted: " << json;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "error must be one line";
  }
}
}  // namespace

TEST(rope_spec, invalid_specs_are_rejected_with_the_rule_they_break) {
  expect_rejected(R"({"head_dim":128,"rotary_dim":63,"layout":"interleaved","base":10000})", "odd");
  expect_rejected(R"({"head_dim":64,"rotary_dim":128,"layout":"interleaved","base":10000})", "exceeds head_dim");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":1})", "must be > 1");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":-5})", "must be > 1");
  expect_rejected(R"({"head_dim":128,"layout":"diagonal","base":10000})", "unknown layout");
  expect_rejected(R"({"head_dim":128.5,"layout":"interleaved","base":10000})", "must be an integer");
  expect_rejected(R"({"head_dim":0,"layout":"interleaved","base":10000})", "outside");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved"})", "missing 'base'");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":10000,"heads":4})", "unknown key");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":"1e4"})", "must be a number");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":10000,"scaling":{"type":"longrope","factor":4}})",
                  "needs 'original_max_position_embeddings'");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":10000,"scaling":{"type":"none","factor":4}})",
                  "takes no parameters");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":10000,"scaling":{"type":"ntk"}})",
                  "unknown scaling type");
  expect_rejected(R"({"head_dim":128,"layout":"interleaved","base":10000,"scaling":{"type":"none","fctor":4}})",
                  "unknown scaling parameter");
  expect_rejected(R"({"head_dim":128,)", "not valid JSON");
  expect_rejected(R"([1,2])", "must be a JSON object");
}

// A position scale and its role: written only when present, round-tripped exactly, and
// every rule broken named. rotary_dim 0 (no rotation) only with a scale.
TEST(rope_spec, position_scale_round_trips_and_its_rules_are_enforced) {
  const std::string nope =
      R"({"base":10000.0,"head_dim":128,"layout":"interleaved","position_scale":{"applies_to":"query","beta":0.1,)"
      R"("floor_scale":8192,"position_offset":1},"role":"key","rotary_dim":0,"scaling":{"type":"none"}})";
  const RopeSpec spec = spec_from_json_text(nope);
  EXPECT_EQ(spec.rotary_dim, 0u);
  EXPECT_EQ(spec.role, Role::key);
  EXPECT_FALSE(scales_positions(spec));
  EXPECT_EQ(to_json_text(spec), nope);
  EXPECT_EQ(to_json_text(RopeSpec{}).find("position_scale"), std::string::npos);
  const std::string head = R"({"head_dim":128,"layout":"interleaved","base":10000,)";
  const std::string scale = R"("position_scale":{"applies_to":"query","beta":0.1,"floor_scale":8192,"position_offset":0})";
  expect_rejected(head + R"("rotary_dim":0})", "needs a position_scale");
  expect_rejected(head + scale + "}", "needs 'role'");
  expect_rejected(head + R"("role":"query"})", "only meaningful with a position_scale");
  expect_rejected(head + scale + R"(,"role":"value"})", "must be 'query' or 'key'");
  expect_rejected(head + R"("role":"query","position_scale":{"beta":0,"floor_scale":8192,"position_offset":0,"applies_to":"query"}})",
                  "must be finite and > 0");
  expect_rejected(head + R"("role":"query","position_scale":{"beta":0.1,"floor_scale":8192.5,"position_offset":0,"applies_to":"query"}})",
                  "must be an integer");
  expect_rejected(head + R"("role":"query","position_scale":{"beta":0.1,"floor_scale":0,"position_offset":0,"applies_to":"query"}})",
                  "outside [1, 9007199254740992]");
  expect_rejected(head + R"("role":"query","position_scale":{"beta":0.1,"floor_scale":8,"position_offset":-1,"applies_to":"query"}})",
                  "outside [0, 1048576]");
  expect_rejected(head + R"("role":"query","position_scale":{"beta":0.1,"floor_scale":8,"applies_to":"query"}})",
                  "needs 'position_offset'");
  expect_rejected(head + R"("role":"query","position_scale":{"beta":0.1,"floor_scale":8,"position_offset":0,"applies_to":"query","x":1}})",
                  "unknown position_scale key 'x'");
  expect_rejected(head + R"("role":"query","rotary_dim":0,"scaling":{"type":"linear","factor":2},)" + scale + "}",
                  "takes scaling 'none'");
}

// rotary_offset: DeepSeek MLA's q_pe after q_nope. Written only when nonzero.
TEST(rope_spec, rotary_offset_round_trips_and_must_fit_the_head) {
  const std::string mla = R"({"base":10000.0,"head_dim":192,"layout":"interleaved","rotary_dim":64,"rotary_offset":128,)"
                          R"("scaling":{"type":"none"}})";
  const RopeSpec spec = spec_from_json_text(mla);
  EXPECT_EQ(spec.rotary_offset, 128u);
  EXPECT_TRUE(spec.rotates(128) && spec.rotates(191) && !spec.rotates(127));
  EXPECT_EQ(to_json_text(spec), mla);
  EXPECT_EQ(to_json_text(RopeSpec{}).find("rotary_offset"), std::string::npos);
  expect_rejected(R"({"head_dim":192,"rotary_dim":64,"rotary_offset":129,"layout":"interleaved","base":10000})",
                  "rotary_offset 129 + rotary_dim 64 exceeds head_dim = 192");
  expect_rejected(R"({"head_dim":192,"rotary_dim":64,"rotary_offset":-1,"layout":"interleaved","base":10000})", "outside");
}

// Multi-axis positions: HF's key names, written only when set.
TEST(rope_spec, multi_axis_keys_round_trip_and_their_rules_are_enforced) {
  const std::string qwen3_vl = R"({"base":5000000.0,"head_dim":128,"layout":"half_split","mrope_interleaved":true,)"
                               R"("mrope_section":[24,20,20],"rotary_dim":128,"scaling":{"type":"none"}})";
  const RopeSpec spec = spec_from_json_text(qwen3_vl);
  EXPECT_EQ(position_axes(spec), 3u);
  EXPECT_EQ(to_json_text(spec), qwen3_vl);
  const std::string pixtral = R"({"base":10000.0,"head_dim":64,"layout":"half_split","rotary_dim":64,)"
                              R"("scaling":{"type":"none"},"vision_2d":"pixtral"})";
  EXPECT_EQ(to_json_text(spec_from_json_text(pixtral)), pixtral);
  EXPECT_EQ(position_axes(spec_from_json_text(pixtral)), 2u);
  // false is accepted and not written (the canonical form omits it).
  EXPECT_EQ(to_json_text(spec_from_json_text(
                R"({"head_dim":8,"layout":"half_split","base":10000,"mrope_section":[2,1,1],"mrope_interleaved":false})")),
            R"({"base":10000.0,"head_dim":8,"layout":"half_split","mrope_section":[2,1,1],"rotary_dim":8,"scaling":{"type":"none"}})");
  EXPECT_EQ(to_json_text(RopeSpec{}).find("mrope"), std::string::npos);
  const std::string head = R"({"head_dim":8,"layout":"half_split","base":10000,)";
  expect_rejected(head + R"("mrope_section":[2,1,2]})", "sums to 5, rotary_dim/2 = 4");
  expect_rejected(head + R"("mrope_section":[2,2]})", "list of 3 integers");
  expect_rejected(head + R"("mrope_section":[-1,3,2]})", "integers in [0,");
  expect_rejected(head + R"("mrope_interleaved":true})", "needs 'mrope_section'");
  expect_rejected(head + R"("mrope_section":[2,1,1],"mrope_interleaved":1})", "true or false");
  expect_rejected(head + R"("vision_2d":"qwen"})", "'pixtral' or 'qwen_vl'");
  expect_rejected(head + R"("vision_2d":"pixtral","mrope_section":[2,1,1]})", "exclude each other");
  expect_rejected(R"({"head_dim":6,"layout":"half_split","base":10000,"vision_2d":"pixtral"})", "multiple of 4");
  expect_rejected(head + R"("vision_2d":"pixtral","scaling":{"type":"linear","factor":2}})", "scaling 'none'");
  expect_rejected(head + R"("mrope_section":[2,1,1],"role":"query",)"
                         R"("position_scale":{"beta":0.1,"floor_scale":8192,"position_offset":0,"applies_to":"query"}})",
                  "one position axis");
}

TEST(rope_spec, non_finite_base_is_rejected) {
  RopeSpec s;
  s.base = std::nan("");
  EXPECT_THROW(ropecheck::validate(s), InvalidInput);
  s.base = INFINITY;
  EXPECT_THROW(ropecheck::validate(s), InvalidInput);
}
