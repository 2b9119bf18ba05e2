// The engine end to end on small fleets: the real firmware core in every
// device, the real security service, the simulated network, in windows.
#include <gtest/gtest.h>

#include <algorithm>

#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

TEST(engine, a_small_fleet_boots_attests_and_commits_a_staged_rollout) {
  const auto s = testing::load(testing::staged_rollout(50));
  const run_result r = run(s, {});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.devices, 50u);
  EXPECT_EQ(r.simulated, s.length);
  // Every device booted and attested; each of the 50 took 1.1.0 and committed it.
  EXPECT_GE(r.counters.boots, 100u);  // the factory boot and the trial boot
  EXPECT_GE(r.counters.attestations, 100u);
  EXPECT_EQ(r.counters.updates_committed, 50u);
  EXPECT_EQ(r.counters.updates_rolled_back, 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
  EXPECT_GE(r.counters.certificates_issued, r.counters.attestations);
  ASSERT_EQ(r.deployments.size(), 1u);
  EXPECT_EQ(r.deployments[0].name, "app-1.1.0");
  EXPECT_EQ(r.deployments[0].state, "completed");
  EXPECT_EQ(r.deployments[0].succeeded, 50u);
  ASSERT_GE(r.timeline.size(), 2u);
  // Devices are off at time zero and all booted by the second point (4 h).
  EXPECT_EQ(r.timeline.front().states.at("off"), 50u);
  EXPECT_EQ(r.timeline[1].app_versions.at("1.0.0"), 50u);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.1.0"), 50u);
  EXPECT_EQ(r.timeline.back().states.at("attested"), 50u);
  EXPECT_GT(r.crypto_ops.verifies, 0u);
  EXPECT_EQ(r.trace_hash.size(), 64u);
}

TEST(engine, a_bad_build_is_aborted_and_the_devices_that_took_it_roll_back) {
  const auto s = testing::load(testing::staged_rollout(
      50, "behaviour { boot_failure_probability: 1 }", "abort { failed { threshold: 0.5 min_sample: 3 } }"));
  const run_result r = run(s, {});
  ASSERT_EQ(r.deployments.size(), 1u);
  EXPECT_EQ(r.deployments[0].state, "aborted");
  EXPECT_GT(r.counters.updates_rolled_back, 0u);
  EXPECT_EQ(r.counters.updates_committed, 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
  // The abort held the second wave back: far fewer than the fleet tried it.
  EXPECT_LT(r.counters.updates_rolled_back, 20u);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.0.0"), 50u);
}

TEST(engine, a_build_failing_after_commit_is_rolled_back_by_the_cloud) {
  // 1.1.0 passes its trial and commits, then leaks: a crash 2 h after every
  // start. The devices report the crashes in their telemetry; at 3 failed
  // devices the cloud stops the rollout and offers 1.1.1 (the old content,
  // security version 2) to every device that committed 1.1.0.
  const auto s = testing::load(
      testing::staged_rollout(60, "behaviour { leak_crash_after: \"2h\" }",
                              "rollback { failed_devices: 3 image: \"app@1.1.1\" }") +
      "image { name: \"app\" version: \"1.1.1\" component: APP product: \"thermostat\" security_version: 2 "
      "size: \"32KiB\" }\n");
  ASSERT_TRUE(s.deployments[0].rollback_image.has_value());
  const run_result r = run(s, {});
  ASSERT_EQ(r.deployments.size(), 1u);
  const deployment_outcome& d = r.deployments[0];
  EXPECT_EQ(d.state, "rollback_requested");
  EXPECT_GE(d.failed_after_commit, 3u);
  EXPECT_EQ(d.failed, 0u);  // no device failed its trial: the cloud had to act
  ASSERT_TRUE(d.rollback.requested_at.has_value());
  ASSERT_TRUE(d.rollback.last_committed_at.has_value());
  EXPECT_GT(*d.rollback.last_committed_at, *d.rollback.requested_at);
  EXPECT_GE(d.rollback.took, 3u);
  EXPECT_EQ(d.rollback.offered, d.rollback.took);
  EXPECT_EQ(d.rollback.committed, d.rollback.took);
  EXPECT_EQ(d.rollback.took, d.succeeded);  // every commit of 1.1.0 was rolled back
  // No device runs the leaking build at the end; the rest never took it.
  EXPECT_EQ(r.timeline.back().app_versions.count("1.1.0"), 0u);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.1.1"), d.rollback.took);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.0.0"), 60u - d.rollback.took);
  EXPECT_EQ(r.counters.bricked, 0u);
  EXPECT_EQ(r.counters.updates_rolled_back, 0u);
}

// A device an offline fault switched off counts in the timeline with the
// app it last ran: "0.0.0" is for devices that never booted (issue 18).
TEST(engine, a_device_switched_off_counts_with_the_app_it_last_ran) {
  const auto s = testing::load(testing::staged_rollout(50) +
                               "fault { at: \"12h\" duration: \"6h\" fraction: 0.5 offline {} }\n");
  const run_result r = run(s, {});
  // Hourly points over 4 days: the one at 14 h is in the middle of the spell.
  const auto at_14h = std::find_if(r.timeline.begin(), r.timeline.end(),
                                   [](const timeline_point& p) { return p.at == std::chrono::hours(14); });
  ASSERT_NE(at_14h, r.timeline.end());
  ASSERT_GT(at_14h->states.count("off"), 0u);
  EXPECT_GT(at_14h->states.at("off"), 10u);
  EXPECT_EQ(at_14h->app_versions.count("0.0.0"), 0u);
  std::uint64_t counted = 0;
  for (const auto& [version, devices] : at_14h->app_versions) counted += devices;
  EXPECT_EQ(counted, 50u);
  EXPECT_EQ(r.timeline.front().app_versions.at("0.0.0"), 50u);  // before the first boot
}

// ---- a product's device timing (issue 18) ---------------------------------

/// staged_rollout with `timing { <body> }` in the product and `rollout_extra` in its rollout.
std::string timed_rollout(int devices, const std::string& body, const std::string& rollout_extra = "") {
  std::string text = testing::staged_rollout(devices, "", rollout_extra);
  const std::string last_revision = "hardware_rev { name: \"B\" share: 0.5 }";
  text.replace(text.find(last_revision), last_revision.size(), last_revision + " timing { " + body + " }");
  return text;
}

const timeline_point* point_at(const run_result& r, std::chrono::hours at) {
  const auto found =
      std::find_if(r.timeline.begin(), r.timeline.end(), [&](const timeline_point& p) { return p.at == at; });
  return found == r.timeline.end() ? nullptr : &*found;
}

std::uint64_t off_at(const run_result& r, std::chrono::hours at) {
  const timeline_point* p = point_at(r, at);
  EXPECT_NE(p, nullptr) << "no timeline point at " << at.count() << " h";
  if (p == nullptr || p->states.count("off") == 0) return 0;
  return p->states.at("off");
}

TEST(engine, the_default_device_timing_written_out_is_the_same_run) {
  const run_result plain = run(testing::load(testing::staged_rollout(30)), {});
  const std::string defaults =
      "power_on_spread: \"10m\" update_check_interval: \"24h\" renewal_min: \"20h\" renewal_max: \"24h\"";
  const run_result written = run(testing::load(timed_rollout(30, defaults)), {});
  EXPECT_EQ(written.trace_hash, plain.trace_hash);
  // The control: a setting the engine reads changes the run.
  const run_result changed = run(testing::load(timed_rollout(30, "renewal_min: \"21h\"")), {});
  EXPECT_NE(changed.trace_hash, plain.trace_hash);
}

TEST(engine, devices_power_on_over_their_products_spread) {
  const run_result spread = run(testing::load(timed_rollout(50, "power_on_spread: \"2d\"")), {});
  // Each device at its own point of two days: about half are still off after one.
  EXPECT_GE(off_at(spread, std::chrono::hours(24)), 10u);
  EXPECT_LE(off_at(spread, std::chrono::hours(24)), 40u);
  EXPECT_EQ(off_at(spread, std::chrono::hours(49)), 0u);
  // The default spread, ten minutes: every device is on by the first hour.
  const run_result plain = run(testing::load(testing::staged_rollout(50)), {});
  EXPECT_EQ(off_at(plain, std::chrono::hours(1)), 0u);
  EXPECT_GT(off_at(spread, std::chrono::hours(1)), 40u);
}

TEST(engine, the_update_check_interval_decides_whether_a_window_is_met) {
  // Offers only from 22:00 to midnight. A daily check comes back near the
  // time of day of the device's boot (just after midnight), drifting by its
  // jitter: in four days it never reaches 22:00.
  const std::string window = "window { start_of_day: \"22h\" length: \"2h\" }";
  const run_result daily = run(testing::load(timed_rollout(50, "", window)), {});
  ASSERT_EQ(daily.deployments.size(), 1u);
  EXPECT_EQ(daily.deployments[0].succeeded, 0u);
  EXPECT_EQ(daily.deployments[0].notified, 0u);
  // Checks at most two hours apart land in every two-hour window.
  const run_result hourly = run(testing::load(timed_rollout(50, "update_check_interval: \"1h\"", window)), {});
  ASSERT_EQ(hourly.deployments.size(), 1u);
  EXPECT_EQ(hourly.deployments[0].succeeded, 50u);
  EXPECT_EQ(hourly.deployments[0].state, "completed");
}

TEST(engine, devices_renew_their_certificate_at_their_products_renewal_point) {
  const run_result plain = run(testing::load(testing::staged_rollout(50)), {});
  const run_result often = run(testing::load(timed_rollout(50, "renewal_min: \"1h\" renewal_max: \"2h\"")), {});
  // Four days: a renewal about every 21 h against one every 1 to 2 h.
  EXPECT_LT(plain.counters.attestations, 50u * 10);
  EXPECT_GT(often.counters.attestations, 50u * 40);
}

}  // namespace
}  // namespace fleet::actors
