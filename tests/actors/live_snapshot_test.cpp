// Snapshots of a run taken between its stretches: they follow the run, the
// last one agrees with the result, and taking them changes nothing.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

struct observed_run {
  run_result result;
  std::vector<live_snapshot> snapshots;
};

observed_run run_observed(std::chrono::milliseconds every) {
  const auto s = testing::load(testing::staged_rollout(60) +
                               "fault { at: \"3h\" duration: \"1h\" cloud_outage {} }\n"
                               "attack { at: \"1d\" count: 2 spoofed_identity {} }\n");
  observed_run out;
  run_options o;
  o.observe_every = every;
  o.observe_share_max = 0;  // every `every`, whatever the snapshots cost
  o.observe = [&out](const live_snapshot& snapshot) { out.snapshots.push_back(snapshot); };
  out.result = run(s, o);
  return out;
}

std::uint64_t devices_in(const live_snapshot& s) {
  std::uint64_t n = 0;
  for (const auto& group : s.states_by_group) n = std::accumulate(group.begin(), group.end(), n);
  return n;
}

TEST(live_snapshot, follows_the_run_and_ends_with_it) {
  const observed_run r = run_observed(std::chrono::milliseconds(0));  // between every two stretches
  ASSERT_GT(r.snapshots.size(), 100u);
  for (std::size_t i = 1; i < r.snapshots.size(); ++i) {
    const live_snapshot& before = r.snapshots[i - 1];
    const live_snapshot& now = r.snapshots[i];
    ASSERT_GE(now.reached, before.reached);
    ASSERT_GE(now.events, before.events);
    ASSERT_GE(now.counters.attestations, before.counters.attestations);
    ASSERT_GE(now.message_latency.count(), before.message_latency.count());
    ASSERT_EQ(devices_in(now), 60u);
  }
  const live_snapshot& last = r.snapshots.back();
  EXPECT_TRUE(last.complete);
  EXPECT_EQ(last.reached, r.result.simulated);
  EXPECT_EQ(last.events, r.result.events);
  EXPECT_EQ(last.counters.updates_committed, r.result.counters.updates_committed);
  EXPECT_EQ(last.counters.attestations, last.attestation_time.count());  // one duration per certificate accepted
  ASSERT_EQ(last.deployments.size(), 1u);
  EXPECT_EQ(last.deployments[0].state, r.result.deployments[0].state);
  EXPECT_EQ(last.deployments[0].wave, 2u);
  EXPECT_EQ(last.deployments[0].by_outcome[2], last.deployments[0].succeeded);  // each device succeeded once
  ASSERT_EQ(last.attacks.size(), 1u);
  EXPECT_EQ(last.attacks[0].stopped, 2u);
  // The outage began at 3 h and lasted an hour: some snapshot saw it in progress.
  bool saw_outage = false;
  for (const live_snapshot& s : r.snapshots) saw_outage = saw_outage || s.faults[0].active;
  EXPECT_TRUE(saw_outage);
  EXPECT_FALSE(last.faults[0].active);
  EXPECT_EQ(last.faults[0].injected, 1u);
}

TEST(live_snapshot, taking_them_changes_nothing_in_the_run) {
  const observed_run watched = run_observed(std::chrono::milliseconds(0));
  const observed_run unwatched = run_observed(std::chrono::hours(1));  // only the last one
  EXPECT_EQ(unwatched.snapshots.size(), 1u);
  EXPECT_EQ(watched.result.trace_hash, unwatched.result.trace_hash);
  EXPECT_EQ(watched.result.events, unwatched.result.events);
}

TEST(live_snapshot, attestation_time_covers_the_round_trips) {
  const live_snapshot last = run_observed(std::chrono::hours(1)).snapshots.back();
  // Four messages of 40 ms median each way at least: nothing faster than 10 ms,
  // and the median of a clean attestation within a second.
  EXPECT_EQ(last.attestation_time.counts()[0], 0u);
  EXPECT_LE(last.attestation_time.quantile_bound(0.5), 1.0);
  EXPECT_GT(last.message_latency.count(), last.counters.attestations * 2);
}

}  // namespace
}  // namespace fleet::actors
