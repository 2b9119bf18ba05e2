// The run's report gathered from the partitions' final accounts
// (engine/gathering.hpp): the same devices, reported by one partition or cut
// over two, give the same figures; and in a run, every figure of the
// accounts is the same on one and two threads.
#include "engine/gathering.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "engine/entity_trace.hpp"
#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"
#include "network/network_model.hpp"

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

const char* const fix = "image { name: \"os\" version: \"1.0.1\" component: OS product: \"thermostat\" security_version: 2 size: \"32KiB\" }\n"
                        "deployment { name: \"os-fix\" image: \"os@1.0.1\" group: \"Production\" start: \"1d12h\" repair: true }\n";
const char* const revocation = "cloud { revoke { image: \"os@1.0.0\" at: \"1d12h\" } }\n";
const char* const outage = "fault { at: \"23h30m\" duration: \"2h\" cloud_outage {} }\n";
const char* const spoofers = "attack { at: \"1d14h\" count: 2 spoofed_identity {} }\n";

constexpr int devices = 4;

/// What device i did, as its partition would account for it.
struct device_facts {
  std::uint64_t digest;
  std::uint16_t cell;
  std::uint32_t healed_after_s;  ///< from the revocation
  std::size_t image_started;     ///< scenario image
  bool victim;
  bool attested;
  std::chrono::milliseconds attestation;  ///< in hour `device index`
};
const std::array<device_facts, devices> facts{{
    {0x100, 0, 50, 0, false, true, 100ms},
    {0x101, 0, 10, 1, true, false, 200ms},
    {0x102, 1, 40, 2, true, true, 300ms},
    {0x103, 1, 20, 3, false, true, 400ms},
}};

/// The fleet's accounts cut into `parts` partitions (device i in partition
/// i mod parts), each with its cloud share's own figures.
std::vector<partition_report> accounts_of(std::uint32_t parts) {
  std::vector<partition_report> reports(parts);
  for (std::uint32_t p = 0; p < parts; ++p) {
    partition_account& a = reports[p].account;
    a.cloud_digest = 0xc00 + p;
    a.attacker_digests = {0xa00 + p};
    a.victims.resize(1);
    a.revocations.resize(1);
    a.image_starts.assign(6, 0);
    a.by_cell.resize(2);
    a.traffic = traffic_counts(std::chrono::minutes(1));
    a.requests_dropped_by_fault = {0};
  }
  for (std::uint64_t i = 0; i < facts.size(); ++i) {
    const device_facts& f = facts[i];
    partition_account& a = reports[i % parts].account;
    a.device_digests.push_back({i, f.digest});
    a.telemetry.generated += 10;
    a.telemetry.delivered += 7;
    a.telemetry.dropped += 1;
    a.telemetry.lost_to_power += 1;
    a.telemetry.buffered += 1;
    a.telemetry.received += 8;
    a.victims[0].victims += f.victim ? 1 : 0;
    a.victims[0].attested += f.victim && f.attested ? 1 : 0;
    ++a.revocations[0].affected_online;
    a.revocations[0].healed_online_after_s.push_back(f.healed_after_s);
    ++a.image_starts[f.image_started];
    ++a.by_cell[f.cell].devices;
    ++a.by_cell[f.cell].requests[0];
    a.by_cell[f.cell].attestation_time.observe(f.attestation);
    if (a.attestation_time_by_hour.size() <= i) a.attestation_time_by_hour.resize(i + 1);
    a.attestation_time_by_hour[i].observe(f.attestation);
    // Device i's requests: one in minute i, one dropped by the outage.
    a.traffic.count(std::chrono::minutes(i), request_kind::challenge, request_answer::ok);
    if (a.requests_per_minute.size() <= i) a.requests_per_minute.resize(i + 1);
    ++a.requests_per_minute[i];
    ++a.requests_dropped_by_fault[0];
  }
  return reports;
}

run_result gathered(const scenario::scenario& s, const std::vector<partition_report>& reports) {
  const network_model net(s.fleet.net);
  const nemesis links(net, s.faults, s.seed);
  live_snapshot last;
  last.reached = s.length;
  last.attacks.resize(s.attacks.size());
  last.faults.resize(s.faults.size());
  run_result r;
  r.devices = devices;
  gather(r, s, links, std::vector<std::uint64_t>(s.faults.size(), 0), last, reports);
  return r;
}

TEST(gathering, the_same_devices_in_one_or_two_partitions_give_the_same_figures) {
  const auto s = testing::load(testing::staged_rollout(devices) + fix + revocation + outage + spoofers);
  ASSERT_EQ(s.images.size(), 6u);
  const run_result one = gathered(s, accounts_of(1));
  const run_result two = gathered(s, accounts_of(2));
  for (const run_result* r : {&one, &two}) {
    SCOPED_TRACE(r == &one ? "one partition" : "two partitions");
    EXPECT_EQ(r->counters.telemetry_generated, 40u);
    EXPECT_EQ(r->counters.telemetry_delivered, 28u);
    EXPECT_EQ(r->counters.telemetry_received, 32u);
    ASSERT_EQ(r->attacks.size(), 1u);
    EXPECT_EQ(r->attacks[0].victims, 2u);
    EXPECT_EQ(r->attacks[0].victims_attested, 1u);
    // The heals of both partitions, merged before the shares are read:
    // half the devices had healed after 20 s, all after 50 s.
    ASSERT_EQ(r->revocations.size(), 1u);
    EXPECT_EQ(r->revocations[0].healed_online, 4u);
    EXPECT_EQ(r->revocations[0].online_healed_50, 20s);
    EXPECT_EQ(r->revocations[0].online_healed_100, 50s);
    EXPECT_EQ(r->image_starts, (std::vector<std::uint64_t>{1, 1, 1, 1, 0, 0}));
    EXPECT_EQ(r->requests_per_minute, (std::vector<std::uint32_t>{1, 1, 1, 1}));
    EXPECT_EQ(r->traffic.total(request_kind::challenge, request_answer::ok), 4u);
    EXPECT_EQ(r->traffic.buckets(), 4u);
    ASSERT_EQ(r->faults.size(), 1u);
    EXPECT_EQ(r->faults[0].requests_dropped, 4u);
    ASSERT_EQ(r->by_group_and_revision.size(), 2u);
    EXPECT_EQ(r->by_group_and_revision[1].counts.devices, 2u);
    EXPECT_EQ(r->by_group_and_revision[1].counts.attestation_time.count(), 2u);
    ASSERT_EQ(r->attestation_time_by_hour.size(), 4u);
    EXPECT_EQ(r->attestation_time_by_hour[3].count(), 1u);
  }
  EXPECT_EQ(one.by_group_and_revision[0].counts.attestation_time.counts(),
            two.by_group_and_revision[0].counts.attestation_time.counts());
  EXPECT_DOUBLE_EQ(one.by_group_and_revision[0].counts.attestation_time.sum_seconds(),
                   two.by_group_and_revision[0].counts.attestation_time.sum_seconds());
  // Entity order: each partition's cloud share, the devices by index
  // whichever partition had them, then each partition's attackers.
  EXPECT_EQ(one.trace_hash, combine_traces({0xc00, 0x100, 0x101, 0x102, 0x103, 0xa00}));
  EXPECT_EQ(two.trace_hash, combine_traces({0xc00, 0xc01, 0x100, 0x101, 0x102, 0x103, 0xa00, 0xa01}));
}

run_result run_cut(std::uint32_t threads) {
  auto s = testing::load(testing::staged_rollout(40) + fix + revocation + outage + spoofers);
  s.cloud.partitions = 4;
  run_options o;
  o.threads = threads;
  return run(s, o);
}

// What the accounts carry, for a fleet cut into 4 partitions run side by
// side: every figure is the run's, whatever the threads.
TEST(gathering, every_figure_of_the_accounts_is_the_same_on_one_and_two_threads) {
  const run_result one = run_cut(1);
  const run_result two = run_cut(2);
  ASSERT_EQ(one.partitions, 4u);
  EXPECT_EQ(one.trace_hash, two.trace_hash);
  EXPECT_EQ(one.events, two.events);
  EXPECT_EQ(one.windows, two.windows);
  EXPECT_EQ(one.barriers, two.barriers);
  // Not zero, so that the comparisons below say something.
  EXPECT_GT(one.counters.telemetry_generated, 0u);
  EXPECT_GT(one.counters.telemetry_received, 0u);
  ASSERT_EQ(one.attacks.size(), 1u);
  EXPECT_GT(one.attacks[0].victims, 0u);
  ASSERT_EQ(one.revocations.size(), 1u);
  EXPECT_GT(one.revocations[0].healed_online, 0u);
  ASSERT_EQ(one.faults.size(), 1u);
  EXPECT_GT(one.faults[0].requests_dropped, 0u);
  EXPECT_EQ(one.counters.telemetry_generated, two.counters.telemetry_generated);
  EXPECT_EQ(one.counters.telemetry_delivered, two.counters.telemetry_delivered);
  EXPECT_EQ(one.counters.telemetry_dropped, two.counters.telemetry_dropped);
  EXPECT_EQ(one.counters.telemetry_lost_to_power, two.counters.telemetry_lost_to_power);
  EXPECT_EQ(one.counters.telemetry_buffered, two.counters.telemetry_buffered);
  EXPECT_EQ(one.counters.telemetry_received, two.counters.telemetry_received);
  EXPECT_EQ(one.counters.bricked, two.counters.bricked);
  EXPECT_EQ(one.attacks[0].victims, two.attacks[0].victims);
  EXPECT_EQ(one.attacks[0].victims_attested, two.attacks[0].victims_attested);
  EXPECT_EQ(one.revocations[0].affected_online, two.revocations[0].affected_online);
  EXPECT_EQ(one.revocations[0].affected_offline, two.revocations[0].affected_offline);
  EXPECT_EQ(one.revocations[0].healed_online, two.revocations[0].healed_online);
  EXPECT_EQ(one.revocations[0].online_healed_50, two.revocations[0].online_healed_50);
  EXPECT_EQ(one.revocations[0].online_healed_100, two.revocations[0].online_healed_100);
  EXPECT_EQ(one.revocations[0].requests_per_minute_peak, two.revocations[0].requests_per_minute_peak);
  EXPECT_EQ(one.image_starts, two.image_starts);
  EXPECT_EQ(one.requests_per_minute, two.requests_per_minute);
  EXPECT_EQ(one.faults[0].requests_dropped, two.faults[0].requests_dropped);
  EXPECT_EQ(one.attestation_failures_by_hour, two.attestation_failures_by_hour);
  ASSERT_EQ(one.attestation_time_by_hour.size(), two.attestation_time_by_hour.size());
  for (std::size_t h = 0; h < one.attestation_time_by_hour.size(); ++h) {
    EXPECT_EQ(one.attestation_time_by_hour[h].counts(), two.attestation_time_by_hour[h].counts()) << "hour " << h;
  }
  ASSERT_EQ(one.deployments.size(), two.deployments.size());
  for (std::size_t d = 0; d < one.deployments.size(); ++d) {
    EXPECT_EQ(one.deployments[d].state, two.deployments[d].state);
    EXPECT_EQ(one.deployments[d].succeeded, two.deployments[d].succeeded);
  }
}

}  // namespace
}  // namespace fleet::actors
