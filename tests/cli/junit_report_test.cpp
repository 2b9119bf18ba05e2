// The --junit file on results built by hand: well-formed, one test case per
// expectation, counts that match, failures with what the run showed, and
// an interrupted run's expectations skipped. The real binary writing it is
// in run_cli_test.cpp.
#include "junit_report.hpp"

#include <gtest/gtest.h>

#include <string>

#include "junit_xml.hpp"
#include "run_fixture.hpp"

namespace fleet::cli {
namespace {

actors::run_result with_expectations(bool complete) {
  actors::run_result r = testing::sample_result();
  r.complete = complete;
  r.expectations = {{"no_bricked_devices", true, "0 of 20 devices bricked"},
                    {"all updated in 2h", false, "0.00 % of 16 devices ran sensor-app@1.1.0 at 2h, at least 100 %"},
                    {"a < b & \"c\" 'd' > e\x01", false, "detail <with> & markup"}};
  return r;
}

TEST(junit_report, is_well_formed_with_one_case_per_expectation_and_matching_counts) {
  const testing::parsed_xml x = testing::parse_xml(junit_report(with_expectations(true), testing::sample_context()));
  ASSERT_EQ(x.error, "");
  ASSERT_EQ(x.named("testsuites").size(), 1u);
  ASSERT_EQ(x.named("testsuite").size(), 1u);
  const testing::xml_element& suite = *x.named("testsuite")[0];
  EXPECT_EQ(suite.attributes.at("name"), "tiny-rollout");
  EXPECT_EQ(suite.attributes.at("tests"), "3");
  EXPECT_EQ(suite.attributes.at("failures"), "2");
  EXPECT_EQ(suite.attributes.at("skipped"), "0");
  EXPECT_EQ(suite.attributes.at("errors"), "0");
  EXPECT_EQ(x.named("testsuites")[0]->attributes.at("tests"), "3");
  const auto cases = x.named("testcase");
  ASSERT_EQ(cases.size(), 3u);
  EXPECT_EQ(cases[0]->attributes.at("name"), "no_bricked_devices");
  EXPECT_EQ(cases[2]->attributes.at("name"), "a < b & \"c\" 'd' > e\xEF\xBF\xBD");  // escaped, read back whole
  const auto failures = x.named("failure");
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0]->attributes.at("message"), "0.00 % of 16 devices ran sensor-app@1.1.0 at 2h, at least 100 %");
  EXPECT_EQ(failures[1]->text, "detail <with> & markup");
  EXPECT_TRUE(x.named("skipped").empty());
}

TEST(junit_report, carries_the_seed_and_the_replay_command) {
  const testing::parsed_xml x = testing::parse_xml(junit_report(with_expectations(true), testing::sample_context()));
  ASSERT_EQ(x.error, "");
  std::map<std::string, std::string> properties;
  for (const testing::xml_element* p : x.named("property")) properties[p->attributes.at("name")] = p->attributes.at("value");
  EXPECT_EQ(properties["seed"], "7");
  EXPECT_EQ(properties["replay"], "fleetsim run tests/cli/data/tiny_rollout.textproto --seed 7");
  EXPECT_EQ(properties["trace_hash"], "0123456789abcdef");
  EXPECT_EQ(properties["complete"], "true");
  ASSERT_EQ(x.named("system-out").size(), 1u);
  EXPECT_EQ(x.named("system-out")[0]->text, "replay: fleetsim run tests/cli/data/tiny_rollout.textproto --seed 7");
}

TEST(junit_report, an_interrupted_run_skips_every_expectation_and_fails_none) {
  const testing::parsed_xml x = testing::parse_xml(junit_report(with_expectations(false), testing::sample_context()));
  ASSERT_EQ(x.error, "");
  const testing::xml_element& suite = *x.named("testsuite")[0];
  EXPECT_EQ(suite.attributes.at("tests"), "3");
  EXPECT_EQ(suite.attributes.at("failures"), "0");
  EXPECT_EQ(suite.attributes.at("skipped"), "3");
  EXPECT_EQ(x.named("skipped").size(), 3u);
  EXPECT_TRUE(x.named("failure").empty());
  EXPECT_EQ(x.named("skipped")[0]->attributes.at("message"), "not judged: 0 of 20 devices bricked");
}

TEST(junit_report, the_parser_refuses_what_is_not_well_formed) {
  // The check above can fail: unescaped markup in a name is an error.
  EXPECT_NE(testing::parse_xml("<testsuites><testcase name=\"a<b\"/></testsuites>").error, "");
  EXPECT_NE(testing::parse_xml("<a>\x01</a>").error, "");
}

TEST(xml_escaped, escapes_markup_and_control_characters) {
  EXPECT_EQ(xml_escaped("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  EXPECT_EQ(xml_escaped("tab\tnl\n\x1f"), "tab\tnl\n\xEF\xBF\xBD");
}

}  // namespace
}  // namespace fleet::cli
