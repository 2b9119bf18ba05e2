// The determinism contract: the same scenario and seed give the same
// trace_hash whatever the number of scheduler threads; another seed gives
// another run. The fleets here are cut into 4 partitions, so that the
// partitions really run side by side.
#include <gtest/gtest.h>

#include "fleet/actors/run.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/rescale.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

/// Every kind of fault and attack, so that the nemesis and the attackers
/// are under the contract too.
const char* const every_fault =
    "fault { at: \"20m\" duration: \"2h\" fraction: 0.2 partition {} }\n"
    "fault { at: \"0s\" duration: \"4d\" fraction: 0.3 degraded_network { loss: 0.1 extra_latency: \"1s\" jitter: \"500ms\" } }\n"
    "fault { at: \"1d\" duration: \"3h\" cloud_outage { part: UPDATES } }\n"
    "fault { at: \"1h\" fraction: 0.2 power_loss { during: FLASH_WRITE } }\n"
    "fault { at: \"5h\" fraction: 0.1 power_loss {} }\n"
    "fault { at: \"6h\" duration: \"1d\" fraction: 0.1 offline {} }\n"
    "fault { at: \"7h\" fraction: 0.1 clock_jump { behind: \"10m\" } }\n"
    "fault { at: \"2h\" duration: \"1d\" fraction: 0.2 slow_link { bytes_per_second: \"8KiB\" } }\n"
    "fault { at: \"0s\" rate_per_day: 2 spell: \"1h\" fraction: 0.2 partition {} }\n"
    "fault { at: \"12h\" rate_per_day: 1 spell: \"20m\" cloud_outage { part: ATTESTATION } }\n"
    "fault { at: \"2d\" rate_per_day: 1 spell: \"2h\" fraction: 0.1 offline {} }\n"
    "attack { at: \"1d\" count: 5 spoofed_identity {} }\n"
    "attack { at: \"1d\" count: 5 cloned_identity {} }\n"
    "attack { at: \"1d1h\" count: 5 replayed_evidence {} }\n"
    "attack { at: \"2h\" duration: \"6h\" fraction: 0.2 man_in_the_middle {} }\n"
    "attack { at: \"1d2h\" duration: \"10m\" count: 2 request_flood { requests_per_second: 5 } }\n"
    "attack { at: \"1d\" count: 3 forged_certificate {} }\n"
    "attack { at: \"2h\" count: 3 expired_certificate {} }\n"
    // The compromised mirror's kinds, with the images they serve.
    "image { name: \"app\" version: \"1.2.0\" component: APP product: \"thermostat\" security_version: 2 size: "
    "\"32KiB\" hardware_revisions: \"B\" }\n"
    "image { name: \"app\" version: \"1.0.5\" component: APP product: \"thermostat\" security_version: 2 size: "
    "\"32KiB\" expires: \"12h\" }\n"
    "attack { at: \"2h\" duration: \"1d\" fraction: 0.1 rogue_image {} }\n"
    "attack { at: \"1h\" duration: \"1d\" fraction: 0.3 tampered_image {} }\n"
    "attack { at: \"2d\" duration: \"1d\" fraction: 0.1 rollback_image { image: \"app@1.0.0\" } }\n"
    "attack { at: \"2h\" duration: \"2d\" fraction: 0.1 mix_and_match { image: \"app@1.2.0\" } }\n"
    "attack { at: \"1d\" duration: \"1d\" fraction: 0.1 freeze { image: \"app@1.0.5\" } }\n"
    "attack { at: \"1h\" duration: \"2d\" fraction: 0.1 endless_data {} }\n"
    // Last, so that the mirrors above keep their indices (a mirror picks its devices by it).
    "attack { at: \"1d\" count: 3 stolen_certificate {} }\n"
    "attack { at: \"1d3h\" duration: \"1h\" count: 3 victim_lockout { requests_per_second: 3 } }\n"
    "attack { at: \"1d\" count: 3 nonce_burning {} }\n";

constexpr std::uint32_t partitions = 4;

run_result run_with(std::uint64_t seed, std::uint32_t threads, std::uint32_t timeline_points = 97) {
  auto s = testing::load(testing::staged_rollout(300) + every_fault);
  s.seed = seed;
  s.cloud.partitions = partitions;
  run_options o;
  o.threads = threads;
  o.timeline_points = timeline_points;
  return run(s, o);
}

TEST(determinism, one_trace_hash_for_1_2_and_4_threads) {
  const run_result one = run_with(11, 1);
  const run_result two = run_with(11, 2);
  const run_result four = run_with(11, 4);
  EXPECT_EQ(one.partitions, partitions);
  EXPECT_GT(one.control_ticks, 0u);
  EXPECT_EQ(one.trace_hash, two.trace_hash);
  EXPECT_EQ(one.trace_hash, four.trace_hash);
  EXPECT_EQ(one.events, four.events);
  EXPECT_EQ(one.counters.updates_committed, four.counters.updates_committed);
  EXPECT_EQ(one.counters.messages_sent, four.counters.messages_sent);
  EXPECT_GT(one.counters.faults_injected, 0u);
  EXPECT_EQ(one.counters.faults_injected, four.counters.faults_injected);
  EXPECT_EQ(one.counters.messages_lost_to_faults, four.counters.messages_lost_to_faults);
  EXPECT_GT(one.counters.attacks_stopped, 0u);
  EXPECT_EQ(one.counters.attacks_stopped, four.counters.attacks_stopped);
  ASSERT_EQ(one.attacks.size(), four.attacks.size());
  for (std::size_t a = 0; a < one.attacks.size(); ++a) {
    SCOPED_TRACE(one.attacks[a].name);
    EXPECT_GT(one.attacks[a].tried, 0u);
    EXPECT_EQ(one.attacks[a].tried, four.attacks[a].tried);
    EXPECT_EQ(one.attacks[a].stopped_by, four.attacks[a].stopped_by);
  }
  // The report's breakdowns, summed over the partitions, are the run's too.
  ASSERT_EQ(one.traffic.buckets(), four.traffic.buckets());
  for (std::size_t b = 0; b < one.traffic.buckets(); ++b) {
    for (std::size_t k = 0; k < request_kind_count; ++k) {
      for (std::size_t a = 0; a < request_answer_count; ++a) {
        const auto kind = static_cast<request_kind>(k);
        const auto answer = static_cast<request_answer>(a);
        EXPECT_EQ(one.traffic.at(b, kind, answer), four.traffic.at(b, kind, answer)) << "bucket " << b;
      }
    }
  }
  for (const request_answer a : {request_answer::ok, request_answer::error, request_answer::dropped}) {
    EXPECT_GT(one.traffic.total(a), 0u) << request_answer_names[static_cast<std::size_t>(a)];
  }
  ASSERT_EQ(one.by_group_and_revision.size(), four.by_group_and_revision.size());
  for (std::size_t c = 0; c < one.by_group_and_revision.size(); ++c) {
    const breakdown_counts& x = one.by_group_and_revision[c].counts;
    const breakdown_counts& y = four.by_group_and_revision[c].counts;
    EXPECT_EQ(x.devices, y.devices);
    EXPECT_EQ(x.requests, y.requests);
    EXPECT_EQ(x.attestation_time.counts(), y.attestation_time.counts());
    EXPECT_EQ(x.updates_committed, y.updates_committed);
  }
}

// Where the engine stops every partition (timeline points and censuses, and
// a stretch's wall time) is not part of the run: other stops, same trace.
TEST(determinism, where_stretches_end_changes_nothing) {
  const run_result few = run_with(11, 2, 2);
  const run_result many = run_with(11, 2, 400);
  EXPECT_GT(many.barriers, few.barriers);
  EXPECT_EQ(few.trace_hash, many.trace_hash);
}

TEST(determinism, another_seed_gives_another_run) {
  EXPECT_NE(run_with(11, 1).trace_hash, run_with(12, 1).trace_hash);
}

TEST(determinism, a_repeated_run_gives_the_same_report) {
  const run_result a = run_with(13, 2);
  const run_result b = run_with(13, 2);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.windows, b.windows);
  EXPECT_EQ(a.counters.attestations, b.counters.attestations);
  EXPECT_EQ(a.crypto_ops.signs, b.crypto_ops.signs);
  ASSERT_EQ(a.timeline.size(), b.timeline.size());
  for (std::size_t i = 0; i < a.timeline.size(); ++i) EXPECT_EQ(a.timeline[i].states, b.timeline[i].states);
}

// The cloud-initiated rollback crosses the cloud and the devices both ways
// (crash telemetry in, rollback offers out): the library's scenario at 500
// devices (its min_devices) gives one run on 1 and 2 threads.
TEST(determinism, the_cloud_rollback_scenario_on_1_and_2_threads) {
  const auto loaded = scenario::load_file(std::string(FLEET_SCENARIOS_DIR) + "/cloud-rollback.textproto");
  ASSERT_TRUE(loaded.value);
  const auto small = scenario::rescale(*loaded.value, 500);
  ASSERT_TRUE(small.ok()) << small.error;
  scenario::scenario cut = small.value;
  cut.cloud.partitions = partitions;
  run_options o;
  o.threads = 1;
  const run_result one = run(cut, o);
  o.threads = 2;
  const run_result two = run(cut, o);
  EXPECT_EQ(one.trace_hash, two.trace_hash);
  ASSERT_EQ(one.deployments.size(), 1u);
  ASSERT_EQ(two.deployments.size(), 1u);
  const rollback_figures& a = one.deployments[0].rollback;
  const rollback_figures& b = two.deployments[0].rollback;
  EXPECT_GT(a.committed, 0u);
  EXPECT_EQ(a.took, b.took);
  EXPECT_EQ(a.committed, b.committed);
  EXPECT_EQ(a.requested_at, b.requested_at);
  EXPECT_EQ(a.last_committed_at, b.last_committed_at);
}

}  // namespace
}  // namespace fleet::actors
