// The partitioned engine's fidelity contract (docs/engine.md): a fleet-wide
// decision lands at most one control interval after the reports that call
// for it; the in-flight cap holds fleet-wide at every stretch's end; the
// global rate budget, split over the partitions, is never exceeded.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/fleet_setup.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t partitions = 4;

/// Runs `s` on 2 threads, taking a snapshot after every stretch.
std::vector<live_snapshot> observed(const scenario::scenario& s, run_result* result = nullptr) {
  std::vector<live_snapshot> seen;
  run_options o;
  o.threads = 2;
  o.observe_every = std::chrono::milliseconds(0);
  o.observe_share_max = 0;
  o.observe = [&](const live_snapshot& snap) { seen.push_back(snap); };
  run_result r = run(s, o);
  if (result != nullptr) *result = std::move(r);
  return seen;
}

std::uint32_t in_flight(const live_snapshot& snap) {
  return snap.deployments.at(0).by_outcome[static_cast<std::size_t>(cloud::device_outcome::in_flight)];
}

// 2,000 devices all eager for the update at once (one wave from time zero,
// so that every device asks as it boots in the first 10 minutes; slow
// downloads so that attempts last), over 4 partitions, against a cap of 10.
TEST(partitioned_engine, a_cap_of_10_holds_fleet_wide_against_2000_eager_devices) {
  auto s = testing::load(testing::staged_rollout(2000, "", "in_flight_limit: 10"));
  s.deployments[0].rollout.waves = cloud::wave_plan::by_percent({100});
  s.deployments[0].rollout.start_at = 0s;
  s.fleet.net.download_bytes_per_second = 2048;  // 32 KiB: 16 s a download
  s.length = 12h;
  s.cloud.partitions = partitions;
  run_result r;
  const std::vector<live_snapshot> seen = observed(s, &r);
  ASSERT_GT(seen.size(), 10u);
  std::uint32_t most = 0;
  for (const live_snapshot& snap : seen) {
    ASSERT_LE(in_flight(snap), 10u) << "at " << snap.reached.count() << " us";
    most = std::max(most, in_flight(snap));
  }
  EXPECT_EQ(most, 10u);  // the cap binds: the test would not see it broken otherwise
  EXPECT_GT(r.deployments.at(0).succeeded, 10u);
  EXPECT_GT(r.deployments.at(0).refused_in_flight_full, 0u);  // the report shows it binding
}

// The report's count of offers the cap held back: none when the cap is
// above the group, some when it is below what the devices ask at once.
TEST(partitioned_engine, the_report_counts_the_offers_the_in_flight_cap_held_back) {
  for (const std::uint32_t cap : {10u, 5000u}) {
    SCOPED_TRACE("cap=" + std::to_string(cap));
    auto s = testing::load(testing::staged_rollout(400, "", "in_flight_limit: " + std::to_string(cap)));
    s.deployments[0].rollout.waves = cloud::wave_plan::by_percent({100});
    s.deployments[0].rollout.start_at = 0s;
    s.fleet.net.download_bytes_per_second = 2048;
    s.length = 6h;
    s.cloud.partitions = partitions;
    const run_result r = run(s, {});
    ASSERT_EQ(r.deployments.size(), 1u);
    if (cap == 10u) {
      EXPECT_GT(r.deployments[0].refused_in_flight_full, 0u);
    } else {
      EXPECT_EQ(r.deployments[0].refused_in_flight_full, 0u);
    }
  }
}

// A bad build (every trial boot fails): the abort comes at the first tick at
// which the partitions' reports, summed, cross the rule: the stretch ends
// (every tick among them) see the counts as they stand.
TEST(partitioned_engine, an_abort_lands_within_one_control_interval_of_the_reports_that_call_for_it) {
  auto s = testing::load(testing::staged_rollout(
      400, "behaviour { boot_failure_probability: 1 }", "abort { failed { threshold: 0.5 min_sample: 10 } }"));
  s.cloud.partitions = partitions;
  s.cloud.control_interval = 5s;
  run_result r;
  const std::vector<live_snapshot> seen = observed(s, &r);
  ASSERT_EQ(r.deployments.at(0).state, "aborted");
  const auto& transitions = r.deployments[0].transitions;
  const auto aborted = std::find_if(transitions.begin(), transitions.end(),
                                    [](const deployment_transition& t) { return t.state == "aborted"; });
  ASSERT_NE(aborted, transitions.end());
  EXPECT_EQ(aborted->at.count() % std::chrono::microseconds(s.cloud.control_interval).count(), 0);
  // The first stretch end at which the fleet's counts cross the rule.
  std::optional<sim_time> crossed;
  for (const live_snapshot& snap : seen) {
    const deployment_snapshot& d = snap.deployments.at(0);
    const std::uint64_t finished = d.succeeded + d.failed + d.rejected + d.timed_out;
    if (finished >= 10 && d.failed * 2 >= finished) {
      crossed = snap.reached;
      break;
    }
  }
  ASSERT_TRUE(crossed.has_value());
  EXPECT_GE(aborted->at, *crossed - s.cloud.control_interval);
  EXPECT_LE(aborted->at, *crossed + s.cloud.control_interval);
}

// Each partition's cloud holds its devices' share of the global budget: a
// flood at every partition at once gets no more through, over any
// interval, than the fleet's one bucket allows.
TEST(partitioned_engine, the_global_budget_split_over_partitions_is_never_exceeded) {
  const auto s = testing::load(testing::staged_rollout(1000));
  const cloud::rate_limits fleet_limits;
  std::vector<cloud::rate_limiter> shares;
  double rate_sum = 0;
  for (std::uint32_t p = 0; p < partitions; ++p) {
    const fleet_setup setup(s, partition_plan{p, partitions, s.device_count()});
    const cloud::rate_limits& limits = setup.service().rates().limits();
    rate_sum += limits.global.per_second;
    shares.emplace_back(limits);
  }
  EXPECT_NEAR(rate_sum, fleet_limits.global.per_second, 1e-6);
  // Every partition asks 4 times the fleet's rate, for 10 s, in 1 ms steps.
  const double other_share = 1 - fleet_limits.attestation_share;
  const double allowed = (fleet_limits.global.burst + fleet_limits.global.per_second * 10) * other_share;
  std::uint64_t admitted = 0;
  const auto asks_per_ms = static_cast<std::uint32_t>(4 * fleet_limits.global.per_second / 1000 / partitions);
  for (std::int64_t ms = 0; ms < 10'000; ++ms) {
    for (cloud::rate_limiter& share : shares) {
      for (std::uint32_t k = 0; k < asks_per_ms; ++k) {
        admitted += share.admit_global(sim_time{ms * 1000}, cloud::traffic::other).ok() ? 1 : 0;
      }
    }
  }
  EXPECT_LE(static_cast<double>(admitted), allowed + partitions);  // a token of rounding each
  EXPECT_GT(static_cast<double>(admitted), 0.9 * allowed);         // the flood did reach the budget
}

// P is part of the scenario: changing it may change the run (the hash), and
// a fleet smaller than P gets one partition a device.
TEST(partitioned_engine, the_partitions_come_from_the_scenario) {
  auto s = testing::load(testing::staged_rollout(3));
  EXPECT_EQ(s.partition_count(), 1u);
  s.cloud.partitions = 8;
  EXPECT_EQ(s.partition_count(), 3u);
  const run_result r = run(s, {});
  EXPECT_EQ(r.partitions, 3u);
  EXPECT_EQ(r.counters.updates_committed, 3u);
}

}  // namespace
}  // namespace fleet::actors
