// The engine end to end on small fleets: the real firmware core in every
// device, the real security service, the simulated network, in windows.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace fleet::actors
