// A deployment's rollout is checked by the cloud's own validate(); each of
// its errors comes back at the field of the file it is about, named as the
// file names it, with the cloud's microseconds written in the file's units.
#include <gtest/gtest.h>

#include <algorithm>

#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using testing::errors_of;
using testing::small_with;
using errors = std::vector<std::string>;

/// The small scenario whose deployment has `rollout` as its rollout.
std::string with_rollout(const std::string& rollout) {
  return small_with("rollout { wave { percent: 10 } wave { percent: 100 } }", "rollout { " + rollout + " }");
}

/// The error `message` of deployment "d" at the `nth` `needle` of `text`.
std::string at(const std::string& text, const std::string& needle, const std::string& message, int nth = 0) {
  return testing::place(text, needle, nth) + "deployment \"d\": rollout." + message;
}

TEST(rollout_errors, waves_not_increasing) {
  const std::string text = with_rollout("wave { percent: 50 } wave { percent: 20 } wave { percent: 100 }");
  EXPECT_EQ(errors_of(text),
            (errors{at(text, "percent: 20", "wave[1].percent: must be greater than the previous wave (50), is 20")}));
}

TEST(rollout_errors, last_wave_short_of_100) {
  const std::string text = with_rollout("wave { percent: 10 } wave { percent: 50 }");
  EXPECT_EQ(errors_of(text),
            (errors{at(text, "percent: 50", "wave[1].percent: the last wave must reach 100, reaches 50")}));
}

TEST(rollout_errors, wave_out_of_range) {
  const std::string text = with_rollout("wave { percent: 0 } wave { percent: 100 }");
  EXPECT_EQ(errors_of(text), (errors{at(text, "percent: 0", "wave[0].percent: must be in (0, 100], is 0")}));
}

TEST(rollout_errors, wave_of_zero_devices) {
  const std::string text = with_rollout("wave { count: 5 } wave { count: 0 }");
  EXPECT_EQ(errors_of(text), (errors{at(text, "count: 0", "wave[1].count: must be at least 1 device")}));
}

TEST(rollout_errors, waves_mixed_or_empty) {
  const std::string text = with_rollout("wave { percent: 10 } wave { count: 100 } wave {}");
  EXPECT_EQ(errors_of(text),
            (errors{at(text, "wave", "wave[1]: waves are all by percent or all by count; wave[0] is by percent", 1),
                    at(text, "wave", "wave[2]: missing: percent or count", 2)}));
}

TEST(rollout_errors, too_many_waves) {
  std::string waves;
  for (int i = 1; i <= 33; ++i) waves += "wave { percent: " + std::to_string(i * 3) + " } ";
  const std::string text = with_rollout(waves + "wave { percent: 100 }");
  EXPECT_EQ(errors_of(text), (errors{at(text, "wave { percent: 100 }", "wave[33]: at most 32 waves, has 34")}));
}

TEST(rollout_errors, ramp) {
  // max_per_minute is not in the file: its error points at the ramp.
  const std::string text = with_rollout("ramp { increment_factor: 1 base_per_minute: 20000 }");
  EXPECT_EQ(errors_of(text),
            (errors{at(text, "ramp", "ramp.max_per_minute: must be in [base_per_minute (20000), 1e+09], is 10000"),
                    at(text, "increment_factor", "ramp.increment_factor: must be greater than 1, is 1")}));
}

TEST(rollout_errors, in_flight_limit) {
  const std::string text = with_rollout("in_flight_limit: 0");
  EXPECT_EQ(errors_of(text), (errors{at(text, "in_flight_limit", "in_flight_limit: must be in [1, 100000000], is 0")}));
}

TEST(rollout_errors, gate) {
  const std::string text = with_rollout("gate { success_threshold: 1.5 min_wave_duration: \"6x\" }");
  EXPECT_EQ(errors_of(text), (errors{at(text, "success_threshold", "gate.success_threshold: must be in [0, 1], is 1.5"),
                                     at(text, "min_wave_duration",
                                        "gate.min_wave_duration: \"6x\": unknown unit \"x\" (us, ms, s, m, h, d)")}));
}

TEST(rollout_errors, abort_rules_per_failure_type) {
  const std::string text =
      with_rollout("abort { failed { threshold: 0 } timed_out { min_sample: 0 } any { threshold: 2 } }");
  EXPECT_EQ(errors_of(text), (errors{at(text, "threshold: 0", "abort.failed.threshold: must be in (0, 1], is 0"),
                                     at(text, "min_sample", "abort.timed_out.min_sample: must be at least 1 attempt"),
                                     at(text, "threshold: 2", "abort.any.threshold: must be in (0, 1], is 2")}));
}

TEST(rollout_errors, device_timeout_in_the_files_units) {
  std::string text = with_rollout("device_timeout: \"31d\"");
  EXPECT_EQ(errors_of(text), (errors{at(text, "device_timeout", "device_timeout: must be in (0, 30d], is 31d")}));
  text = with_rollout("device_timeout: \"0s\"");
  EXPECT_EQ(errors_of(text), (errors{at(text, "device_timeout", "device_timeout: must be in (0, 30d], is 0s")}));
}

TEST(rollout_errors, retries) {
  const std::string text = with_rollout("retries { rejected: 101 }");
  EXPECT_EQ(errors_of(text), (errors{at(text, "rejected", "retries.rejected: at most 100, is 101")}));
}

TEST(rollout_errors, maintenance_windows) {
  const std::string text = with_rollout(
      "window { start_of_day: \"22h\" length: \"4h\" } window { start_of_day: \"25h\" length: \"25h\" } window { }");
  EXPECT_EQ(errors_of(text),
            (errors{at(text, "start_of_day: \"25h\"", "window[1].start_of_day: must be in [0, 24h), is 1d1h"),
                    at(text, "length: \"25h\"", "window[1].length: must be in (0, 24h], is 1d1h"),
                    at(text, "window { }", "window[2].length: missing")}));
}

TEST(rollout_errors, rollback) {
  const std::string text = with_rollout("rollback { failed_share: 0 failed_devices: 0 }");
  EXPECT_EQ(errors_of(text),
            (errors{at(text, "failed_share", "rollback.failed_share: must be in (0, 1], is 0"),
                    at(text, "failed_devices", "rollback.failed_devices: must be at least 1 device")}));
}

/// The small scenario with app 1.1.0 at security version 2, `images`
/// appended, and `rollback` as its deployment's rollback.
std::string with_rollback(const std::string& rollback, const std::string& images) {
  std::string text = small_with("rollout { wave { percent: 10 } wave { percent: 100 } }", "rollout { " + rollback + " }");
  const std::string failed = "version: \"1.1.0\" component: APP product: \"p\"";
  text.replace(text.find(failed), failed.size(), failed + " security_version: 2");
  return text + images;
}

/// The one error of `text`: its rollback image at `needle`, refused for `problem`.
errors rollback_image_refused(const std::string& text, const std::string& needle, const std::string& problem) {
  return errors{at(text, needle, "rollback.image: " + problem)};
}

const std::string roll_forward =
    "image { name: \"app\" version: \"1.1.1\" component: APP product: \"p\" security_version: 2 size: \"256KiB\" }\n";

TEST(rollout_errors, a_rollback_image_is_read_when_the_devices_would_take_it) {
  const scenario s = testing::loaded(with_rollback("rollback { failed_share: 0.1 image: \"app@1.1.1\" }", roll_forward));
  ASSERT_TRUE(s.deployments[0].rollback_image.has_value());
  EXPECT_EQ(s.images[*s.deployments[0].rollback_image].ref(), "app@1.1.1");
  EXPECT_FALSE(testing::loaded(testing::small_scenario).deployments[0].rollback_image.has_value());
}

TEST(rollout_errors, a_rollback_image_below_the_failed_security_version) {
  const std::string text = with_rollback(
      "rollback { failed_share: 0.1 image: \"app@1.1.1\" }",
      "image { name: \"app\" version: \"1.1.1\" component: APP product: \"p\" security_version: 1 size: \"256KiB\" }\n");
  EXPECT_EQ(errors_of(text),
            rollback_image_refused(text, "image: \"app@1.1.1\"",
                                   "\"app@1.1.1\" has security version 1, below the 2 of \"app@1.1.0\": the "
                                   "anti-rollback counter of devices that committed it refuses it (rollback)"));
}

TEST(rollout_errors, a_refused_rollback_image_is_reported_once) {
  // An expectation about the deployment's rollback says nothing more of it.
  const std::string text = with_rollback("rollback { failed_devices: 5 image: \"app@1.0.0\" }", "") +
                           "expect { rolled_back_by_cloud { deployment: \"d\" percent: 90 } }\n";
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("rollout.rollback.image: \"app@1.0.0\" is not newer"), std::string::npos) << e[0];
}

TEST(rollout_errors, a_rollback_image_not_newer_than_the_failed_one) {
  // The old build itself: the devices refuse what is not newer than what they run.
  const std::string text = with_rollback("rollback { failed_devices: 5 image: \"app@1.0.0\" }", "");
  EXPECT_EQ(errors_of(text),
            rollback_image_refused(text, "image: \"app@1.0.0\"",
                                   "\"app@1.0.0\" is not newer than \"app@1.1.0\": devices that committed it "
                                   "refuse an image that is not newer (not_newer); roll forward to the old content under a higher "
                                   "version"));
}

TEST(rollout_errors, a_rollback_image_of_another_component_revision_or_product) {
  std::string text = with_rollback("rollback { failed_devices: 5 image: \"os@1.0.0\" }", "");
  EXPECT_EQ(errors_of(text),
            rollback_image_refused(text, "image: \"os@1.0.0\"",
                                   "\"os@1.0.0\" is of component OS, and the deployment deploys no image of it: "
                                   "there is nothing of it to roll back"));
  text = with_rollback("rollback { failed_devices: 5 image: \"app@1.1.1\" }",
                       "image { name: \"app\" version: \"1.1.1\" component: APP product: \"p\" security_version: 2 "
                       "size: \"256KiB\" hardware_revisions: \"A\" }\n");
  EXPECT_EQ(errors_of(text),
            rollback_image_refused(text, "image: \"app@1.1.1\"",
                                   "\"app@1.1.1\" does not run on hardware revision \"B\", which \"app@1.1.0\" "
                                   "runs on"));
  text = with_rollback("rollback { failed_devices: 5 image: \"app@1.1.1\" }",
                       "image { name: \"app\" version: \"1.1.1\" component: APP product: \"q\" security_version: 2 "
                       "size: \"256KiB\" }\n");
  const std::string group = "  group { name: \"Production\"";
  text.replace(text.find(group), group.size(), "  product { name: \"q\" hardware_rev { name: \"A\" share: 1 } }\n" + group);
  const errors e = errors_of(text);
  ASSERT_FALSE(e.empty());
  EXPECT_NE(std::find(e.begin(), e.end(),
                      at(text, "image: \"app@1.1.1\"",
                         "rollback.image: \"app@1.1.1\" is for product \"q\", the failed image for \"p\"")),
            e.end())
      << e.front();
}

TEST(rollout_errors, a_rollback_image_without_a_trigger) {
  const std::string text = with_rollback("rollback { image: \"app@1.1.1\" }", roll_forward);
  EXPECT_EQ(errors_of(text),
            rollback_image_refused(text, "image: \"app@1.1.1\"",
                                   "the rollback has no trigger (failed_share or failed_devices): \"app@1.1.1\" "
                                   "would never be offered"));
}

TEST(rollout_errors, a_column_by_hand) {
  // The helpers above find columns; this one is counted: line 16 is the
  // deployment, its rollout's first field starts at column 73.
  const std::string text = with_rollout("in_flight_limit: 0");
  EXPECT_EQ(errors_of(text),
            (errors{"t.textproto:16:73: deployment \"d\": rollout.in_flight_limit: must be in [1, 100000000], is 0"}));
}

}  // namespace
}  // namespace fleet::scenario
