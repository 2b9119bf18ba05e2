#include "fleet/cloud/rollout_policy.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "rollout_fixture.hpp"

namespace fleet::cloud {
namespace {

using testing::plain_policy;

/// The problem reported for `field`, or "" when the field is not named.
std::string problem_of(const std::vector<policy_error>& errors, const std::string& field) {
  for (const policy_error& e : errors) {
    if (e.field == field) return e.problem;
  }
  return "";
}

TEST(rollout_policy, defaults_and_plain_policy_are_valid) {
  EXPECT_TRUE(validate(rollout_policy{}).empty());
  EXPECT_TRUE(validate(plain_policy()).empty());
  rollout_policy full = plain_policy();
  full.waves = wave_plan::by_count({10, 100});
  full.ramp = ramp_policy{};
  full.abort.any = abort_rule{0.2, 50};
  full.windows = {{2h, 4h}};
  full.rollback.failed_share = 0.05;
  full.rollback.failed_devices = 100;
  EXPECT_TRUE(validate(full).empty());
}

TEST(rollout_policy, wave_percents_must_increase_and_end_at_100) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 40, 30, 90});
  const auto errors = validate(p);
  EXPECT_NE(problem_of(errors, "waves.cumulative_percent[2]").find("greater than the previous wave (40)"),
            std::string::npos);
  EXPECT_NE(problem_of(errors, "waves.cumulative_percent").find("reach 100"), std::string::npos);
  EXPECT_EQ(errors.size(), 2u);
}

TEST(rollout_policy, wave_percents_out_of_range_and_empty_plans_are_named) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({0, 100});
  EXPECT_NE(problem_of(validate(p), "waves.cumulative_percent[0]"), "");
  p.waves = wave_plan::by_percent({std::numeric_limits<double>::quiet_NaN(), 100});
  EXPECT_NE(problem_of(validate(p), "waves.cumulative_percent[0]"), "");
  p.waves = wave_plan::by_percent({});
  EXPECT_NE(problem_of(validate(p), "waves.cumulative_percent"), "");
  p.waves = wave_plan::by_count({5, 0});
  EXPECT_NE(problem_of(validate(p), "waves.sizes[1]"), "");
  p.waves = wave_plan::by_count(std::vector<std::uint32_t>(waves_max, 1));  // + the last wave: one too many
  EXPECT_NE(problem_of(validate(p), "waves").find("at most 32"), std::string::npos);
}

TEST(rollout_policy, ramp_factor_must_exceed_one_and_rates_be_ordered) {
  rollout_policy p = plain_policy();
  p.ramp = ramp_policy{};
  p.ramp->increment_factor = 1.0;
  p.ramp->base_per_minute = 100;
  p.ramp->max_per_minute = 50;
  p.ramp->step_devices = 0;
  const auto errors = validate(p);
  EXPECT_NE(problem_of(errors, "ramp.increment_factor").find("greater than 1"), std::string::npos);
  EXPECT_NE(problem_of(errors, "ramp.max_per_minute"), "");
  EXPECT_NE(problem_of(errors, "ramp.step_devices"), "");
  p.ramp = ramp_policy{};
  p.ramp->base_per_minute = 0;
  EXPECT_NE(problem_of(validate(p), "ramp.base_per_minute"), "");
}

TEST(rollout_policy, thresholds_must_lie_in_the_unit_interval) {
  rollout_policy p = plain_policy();
  p.gate.success_threshold = 1.5;
  p.abort.failed = abort_rule{-0.1, 10};
  p.abort.timed_out = abort_rule{0.0, 10};  // zero would abort on any finished attempt
  p.abort.any = abort_rule{0.5, 0};
  p.rollback.failed_share = 2.0;
  p.rollback.failed_devices = 0;
  const auto errors = validate(p);
  EXPECT_NE(problem_of(errors, "gate.success_threshold").find("[0, 1]"), std::string::npos);
  EXPECT_NE(problem_of(errors, "abort.failed.threshold").find("(0, 1]"), std::string::npos);
  EXPECT_NE(problem_of(errors, "abort.timed_out.threshold"), "");
  EXPECT_NE(problem_of(errors, "abort.any.min_sample"), "");
  EXPECT_NE(problem_of(errors, "rollback.failed_share"), "");
  EXPECT_NE(problem_of(errors, "rollback.failed_devices"), "");
  EXPECT_EQ(errors.size(), 6u);
}

TEST(rollout_policy, limits_are_enforced) {
  rollout_policy p = plain_policy();
  p.in_flight_limit = 0;
  p.device_timeout = 0s;
  p.retries.timed_out = retries_max + 1;
  p.windows = {{25h, 1h}, {1h, 0h}};
  p.start_at = sim_time{-1};
  const auto errors = validate(p);
  EXPECT_NE(problem_of(errors, "in_flight_limit"), "");
  EXPECT_NE(problem_of(errors, "device_timeout"), "");
  EXPECT_NE(problem_of(errors, "retries.timed_out").find("at most 100"), std::string::npos);
  EXPECT_NE(problem_of(errors, "windows[0].start_of_day"), "");
  EXPECT_NE(problem_of(errors, "windows[1].length"), "");
  EXPECT_NE(problem_of(errors, "start_at"), "");
  p = plain_policy();
  p.windows.assign(maintenance_windows_max + 1, {0h, 1h});
  EXPECT_NE(problem_of(validate(p), "windows"), "");
}

}  // namespace
}  // namespace fleet::cloud
