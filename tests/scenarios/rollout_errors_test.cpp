// A deployment's rollout is checked by the cloud's own validate(); each of
// its errors comes back at the field of the file it is about, named as the
// file names it, with the cloud's microseconds written in the file's units.
#include <gtest/gtest.h>

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

TEST(rollout_errors, a_column_by_hand) {
  // The helpers above find columns; this one is counted: line 16 is the
  // deployment, its rollout's first field starts at column 73.
  const std::string text = with_rollout("in_flight_limit: 0");
  EXPECT_EQ(errors_of(text),
            (errors{"t.textproto:16:73: deployment \"d\": rollout.in_flight_limit: must be in [1, 100000000], is 0"}));
}

}  // namespace
}  // namespace fleet::scenario
