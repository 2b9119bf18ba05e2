// The control's orders and a partition's reports survive CAF's serializer
// whole (control_messages.hpp): what a worker node would put on the wire.
// Every field is set to a value other than its default, so a field the
// inspect functions forgot comes back as its default and fails the test.
#include "engine/control_messages.hpp"

#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <gtest/gtest.h>

#include <vector>

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

template <class T>
T round_trip(caf::actor_system& system, T value) {
  std::vector<char> bytes;
  caf::binary_serializer sink{system, bytes};
  EXPECT_FALSE(sink(value));
  EXPECT_FALSE(bytes.empty());
  T back{};
  caf::binary_deserializer source{system, bytes};
  EXPECT_FALSE(source(back));
  return back;
}

cloud::rollout_orders full_orders() {
  cloud::rollout_orders o;
  o.state = cloud::rollout_state::paused;
  o.paused_by = cloud::pause_cause::gate_failed;
  o.current_wave = 3;
  o.opened_at = {1h, 5h, 9h};
  o.rollback = cloud::rollback_request{7h, cloud::transition_reason::gate_failed, 12, 40};
  o.changes = {{2h, cloud::rollout_state::running, cloud::rollout_state::paused, 3, cloud::transition_reason::gate_hold}};
  o.in_flight_limit = 17;
  o.offers = 5;
  return o;
}

cloud::rollout_share_report full_share() {
  cloud::rollout_share_report r;
  cloud::wave_status wave;
  wave.devices = 11;
  wave.done = 4;
  wave.outcomes.by_outcome[2] = 3;
  wave.opened_at = 3h;
  r.tally.waves = {wave};
  r.tally.attempts = {21, 20, 15, 3, 2, 1};
  r.tally.devices = 30;
  r.tally.done = 19;
  r.tally.failed_now = 2;
  r.in_flight = 6;
  r.eligible = 8;
  r.rolled_back.took = 9;
  r.rolled_back.offered = 8;
  r.rolled_back.in_flight = 1;
  r.rolled_back.committed = 5;
  r.rolled_back.failed = 1;
  r.rolled_back.rejected = 1;
  r.rolled_back.offers = 10;
  r.rolled_back.last_committed_at = 8h;
  r.rolled_back.refused[1] = 4;
  r.refused[2] = 7;
  r.reports[1] = 13;
  r.ramp_counted = 23;
  r.offers_unused = 2;
  r.halt_requested = true;
  return r;
}

TEST(control_messages, orders_cross_whole) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  partition_orders sent;
  sent.until_us = (36h).count();
  sent.report = true;
  sent.deployments = {full_orders(), cloud::rollout_orders{}};
  sent.samples_us = {(36h).count(), (40h).count()};
  sent.censuses_us = {(48h).count()};
  const partition_orders got = round_trip(system, sent);
  EXPECT_EQ(got.until_us, sent.until_us);
  EXPECT_TRUE(got.report);
  ASSERT_EQ(got.deployments.size(), 2u);
  const cloud::rollout_orders& o = got.deployments[0];
  EXPECT_EQ(o.state, cloud::rollout_state::paused);
  EXPECT_EQ(o.paused_by, cloud::pause_cause::gate_failed);
  EXPECT_EQ(o.current_wave, 3u);
  EXPECT_EQ(o.opened_at, (std::vector<cloud::sim_time>{1h, 5h, 9h}));
  ASSERT_TRUE(o.rollback.has_value());
  EXPECT_EQ(o.rollback->at, 7h);
  EXPECT_EQ(o.rollback->why, cloud::transition_reason::gate_failed);
  EXPECT_EQ(o.rollback->failed_devices, 12u);
  EXPECT_EQ(o.rollback->targeted_devices, 40u);
  ASSERT_EQ(o.changes.size(), 1u);
  EXPECT_EQ(o.changes[0].at, 2h);
  EXPECT_EQ(o.changes[0].from, cloud::rollout_state::running);
  EXPECT_EQ(o.changes[0].to, cloud::rollout_state::paused);
  EXPECT_EQ(o.changes[0].wave, 3u);
  EXPECT_EQ(o.changes[0].why, cloud::transition_reason::gate_hold);
  EXPECT_EQ(o.in_flight_limit, 17u);
  EXPECT_EQ(o.offers, std::optional<std::uint32_t>{5});
  // Absent stays absent.
  EXPECT_FALSE(got.deployments[1].rollback.has_value());
  EXPECT_FALSE(got.deployments[1].offers.has_value());
  EXPECT_EQ(got.samples_us, sent.samples_us);
  EXPECT_EQ(got.censuses_us, sent.censuses_us);
}

TEST(control_messages, reports_cross_whole) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  indexed_report sent;
  sent.partition = 5;
  sent.report.next_us = (40h).count();
  sent.report.events = 12345;
  sent.report.deployments = {full_share()};
  timeline_point point;
  point.at = 36h;
  point.app_versions = {{"1.0.0", 7}, {"1.1.0", 3}};
  point.states = {{"attested", 9}, {"off", 1}};
  sent.report.samples = {point};
  census c;
  c.at = 48h;
  c.app_versions_by_group = {{{"1.1.0", 4}}, {{"1.0.0", 2}}};
  c.attested_by_group = {4, 1};
  c.rollback_by_deployment = {{6, 5, 4}};
  c.attested_running_by_group = {{{"app@1.1.0", 4}}, {}};
  sent.report.censuses = {c};
  const indexed_report got = round_trip(system, sent);
  EXPECT_EQ(got.partition, 5u);
  EXPECT_EQ(got.report.next_us, (40h).count());
  EXPECT_EQ(got.report.events, 12345u);
  ASSERT_EQ(got.report.deployments.size(), 1u);
  const cloud::rollout_share_report& r = got.report.deployments[0];
  ASSERT_EQ(r.tally.waves.size(), 1u);
  EXPECT_EQ(r.tally.waves[0].devices, 11u);
  EXPECT_EQ(r.tally.waves[0].done, 4u);
  EXPECT_EQ(r.tally.waves[0].outcomes.by_outcome[2], 3u);
  EXPECT_EQ(r.tally.waves[0].opened_at, 3h);
  EXPECT_EQ(r.tally.attempts.offers, 21u);
  EXPECT_EQ(r.tally.attempts.notified, 20u);
  EXPECT_EQ(r.tally.attempts.succeeded, 15u);
  EXPECT_EQ(r.tally.attempts.failed, 3u);
  EXPECT_EQ(r.tally.attempts.rejected, 2u);
  EXPECT_EQ(r.tally.attempts.timed_out, 1u);
  EXPECT_EQ(r.tally.devices, 30u);
  EXPECT_EQ(r.tally.done, 19u);
  EXPECT_EQ(r.tally.failed_now, 2u);
  EXPECT_EQ(r.in_flight, 6u);
  EXPECT_EQ(r.eligible, 8u);
  EXPECT_EQ(r.rolled_back.took, 9u);
  EXPECT_EQ(r.rolled_back.offered, 8u);
  EXPECT_EQ(r.rolled_back.in_flight, 1u);
  EXPECT_EQ(r.rolled_back.committed, 5u);
  EXPECT_EQ(r.rolled_back.failed, 1u);
  EXPECT_EQ(r.rolled_back.rejected, 1u);
  EXPECT_EQ(r.rolled_back.offers, 10u);
  EXPECT_EQ(r.rolled_back.last_committed_at, 8h);
  EXPECT_EQ(r.rolled_back.refused[1], 4u);
  EXPECT_EQ(r.refused[2], 7u);
  EXPECT_EQ(r.reports[1], 13u);
  EXPECT_EQ(r.ramp_counted, 23u);
  EXPECT_EQ(r.offers_unused, 2u);
  EXPECT_TRUE(r.halt_requested);
  // The partition's counts of its devices.
  ASSERT_EQ(got.report.samples.size(), 1u);
  EXPECT_EQ(got.report.samples[0].at, 36h);
  EXPECT_EQ(got.report.samples[0].app_versions, point.app_versions);
  EXPECT_EQ(got.report.samples[0].states, point.states);
  ASSERT_EQ(got.report.censuses.size(), 1u);
  const census& back = got.report.censuses[0];
  EXPECT_EQ(back.at, 48h);
  EXPECT_EQ(back.app_versions_by_group, c.app_versions_by_group);
  EXPECT_EQ(back.attested_by_group, c.attested_by_group);
  ASSERT_EQ(back.rollback_by_deployment.size(), 1u);
  EXPECT_EQ(back.rollback_by_deployment[0].took, 6u);
  EXPECT_EQ(back.rollback_by_deployment[0].running, 5u);
  EXPECT_EQ(back.rollback_by_deployment[0].committed, 4u);
  EXPECT_EQ(back.attested_running_by_group, c.attested_running_by_group);
}

// The control's messages are announced by name, as a node must before it
// sends them to another.
TEST(control_messages, are_announced_by_name) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  EXPECT_NE(system.types().make_value("fleet.partition_orders"), nullptr);
  EXPECT_NE(system.types().make_value("fleet.indexed_report"), nullptr);
}

}  // namespace
}  // namespace fleet::actors
