// Guardian products in a run: every device fronts a legacy device that is
// never on the network. The guardian relays its readings as telemetry and
// flashes it only with an image it downloaded and verified itself; a
// compromised mirror's tampered chunks are refused in the guardian and
// never reach the legacy device.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "attack_checks.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/scenario/rescale.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

using testing::guardian_legacy_1_0_0;
using testing::guardian_legacy_2_0_0;

constexpr int devices = 20;

run_result run_guardians(const std::string& more = "", std::uint64_t seed = 7) {
  auto s = testing::load(testing::guardian_fleet(devices) + more);
  s.seed = seed;
  return run(s, {});
}

/// Every legacy device flashed once, with the verified 2.0.0 and nothing else.
void expect_every_legacy_device_on_the_new_build(const run_result& r) {
  EXPECT_EQ(r.counters.legacy_flashed, static_cast<std::uint64_t>(devices));
  ASSERT_EQ(r.image_starts.size(), 6u);
  EXPECT_EQ(r.image_starts[guardian_legacy_2_0_0], static_cast<std::uint64_t>(devices));
  EXPECT_EQ(r.image_starts[guardian_legacy_1_0_0], 0u);  // the factory build was never flashed again
  EXPECT_EQ(r.counters.unsigned_code_started, 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
  ASSERT_EQ(r.deployments.size(), 1u);
  EXPECT_EQ(r.deployments[0].state, "completed");
  EXPECT_EQ(r.deployments[0].succeeded, static_cast<std::uint64_t>(devices));
}

TEST(guardian_fleet, legacy_devices_are_flashed_with_the_verified_build) {
  for (const std::uint64_t seed : {7u, 8u, 9u}) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    const run_result r = run_guardians("", seed);
    expect_every_legacy_device_on_the_new_build(r);
    // The guardian's own chain was not touched: a legacy update is no update of its own.
    EXPECT_EQ(r.counters.updates_installed, 0u);
  }
}

// Readings every hour for three days: far more telemetry than an ordinary
// device's boot records, each delivered or counted, and taken by the cloud.
TEST(guardian_fleet, readings_are_relayed_as_telemetry) {
  const run_result r = run_guardians();
  const std::uint64_t readings_min = devices * (3 * 24 - 2);  // one an hour from an hour after power on
  EXPECT_GE(r.counters.telemetry_generated, readings_min);
  EXPECT_EQ(r.counters.telemetry_generated, r.counters.telemetry_delivered + r.counters.telemetry_dropped +
                                                r.counters.telemetry_lost_to_power + r.counters.telemetry_buffered);
  EXPECT_GT(r.counters.telemetry_delivered, readings_min / 2);
  EXPECT_EQ(r.counters.telemetry_received, r.counters.telemetry_delivered);
}

// The readings follow the scenario's interval: a faster device sends more.
TEST(guardian_fleet, the_reading_interval_sets_how_much_is_relayed) {
  const run_result hourly = run(testing::load(testing::guardian_fleet(devices, "1h")), {});
  const run_result slow = run(testing::load(testing::guardian_fleet(devices, "6h")), {});
  EXPECT_GT(hourly.counters.telemetry_generated, 4 * slow.counters.telemetry_generated);
}

TEST(guardian_fleet, a_tampered_legacy_image_is_never_flashed) {
  const run_result r = run_guardians("attack { at: \"1h\" duration: \"1d\" fraction: 0.5 tampered_image {} }\n");
  testing::expect_stopped_by(r, {"chunk_digest_mismatch"});
  EXPECT_GT(r.counters.updates_failed, 0u);  // spoiled downloads given up, then offered again
  expect_every_legacy_device_on_the_new_build(r);
}

// The same run whatever the number of threads, guardians and their
// readings included.
TEST(guardian_fleet, one_trace_hash_for_1_and_4_threads) {
  auto s = testing::load(testing::guardian_fleet(60) +
                         "attack { at: \"1h\" duration: \"1d\" fraction: 0.3 tampered_image {} }\n");
  s.cloud.partitions = 4;
  run_options o;
  o.threads = 1;
  const run_result one = run(s, o);
  o.threads = 4;
  const run_result four = run(s, o);
  EXPECT_EQ(one.trace_hash, four.trace_hash);
  EXPECT_EQ(one.counters.legacy_flashed, 60u);
  EXPECT_EQ(one.counters.legacy_flashed, four.counters.legacy_flashed);
  EXPECT_EQ(one.counters.telemetry_generated, four.counters.telemetry_generated);
}

// A new user's run (issue 18): the library's guardian fleet with a reading
// every 30 minutes at 2,000 devices filled the guardians' buffers while a
// batch was on its way; the oldest event, sent and about to be stored, was
// dropped and counted dropped, and the cloud took one event more than the
// devices saw delivered. Full buffers now drop the new event instead.
TEST(guardians, the_cloud_takes_exactly_what_the_devices_saw_delivered_when_buffers_fill) {
  std::ifstream file(std::string(FLEET_SCENARIOS_DIR) + "/guardian-legacy-fleet.textproto");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::string hourly = "reading_interval: \"1h\"";
  const auto at = text.find(hourly);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, hourly.size(), "reading_interval: \"30m\"");
  const auto small = scenario::rescale(testing::load(text), 2000);
  ASSERT_TRUE(small.ok()) << small.error;
  const run_result r = run(small.value, {});
  EXPECT_GT(r.counters.telemetry_dropped, 0u);  // the buffers did fill
  EXPECT_EQ(r.counters.telemetry_received, r.counters.telemetry_delivered);
}

}  // namespace
}  // namespace fleet::actors
