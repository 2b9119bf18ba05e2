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
  sent.status = true;
  sent.account = true;
  sent.states_at_us = (37h).count();
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
  EXPECT_TRUE(got.status);
  EXPECT_TRUE(got.account);
  EXPECT_EQ(got.states_at_us, (37h).count());
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

/// Every field set, each to a value of its own (its place in the struct
/// and a base), so that two fields swapped by an inspect function show.
run_counters full_counters(std::uint64_t base) {
  run_counters c;
  std::uint64_t n = base;
  for (std::uint64_t* field :
       {&c.boots, &c.attestations, &c.attestation_failures, &c.certificates_issued, &c.updates_downloaded,
        &c.updates_installed, &c.updates_committed, &c.updates_rolled_back, &c.updates_rejected, &c.updates_failed,
        &c.bricked, &c.app_crashes, &c.messages_sent, &c.messages_lost, &c.messages_lost_to_faults,
        &c.requests_dropped_by_outages, &c.unsigned_code_started, &c.attacks_stopped, &c.faults_injected,
        &c.telemetry_generated, &c.telemetry_delivered, &c.telemetry_dropped, &c.telemetry_lost_to_power,
        &c.telemetry_buffered, &c.telemetry_received, &c.legacy_flashed, &c.key_stores_taken, &c.restricted_sessions,
        &c.faults_armed, &c.writes_torn}) {
    *field = ++n;
  }
  return c;
}

void expect_same(const run_counters& a, const run_counters& b) {
  EXPECT_EQ(a.boots, b.boots);
  EXPECT_EQ(a.attestations, b.attestations);
  EXPECT_EQ(a.attestation_failures, b.attestation_failures);
  EXPECT_EQ(a.certificates_issued, b.certificates_issued);
  EXPECT_EQ(a.updates_downloaded, b.updates_downloaded);
  EXPECT_EQ(a.updates_installed, b.updates_installed);
  EXPECT_EQ(a.updates_committed, b.updates_committed);
  EXPECT_EQ(a.updates_rolled_back, b.updates_rolled_back);
  EXPECT_EQ(a.updates_rejected, b.updates_rejected);
  EXPECT_EQ(a.updates_failed, b.updates_failed);
  EXPECT_EQ(a.bricked, b.bricked);
  EXPECT_EQ(a.app_crashes, b.app_crashes);
  EXPECT_EQ(a.messages_sent, b.messages_sent);
  EXPECT_EQ(a.messages_lost, b.messages_lost);
  EXPECT_EQ(a.messages_lost_to_faults, b.messages_lost_to_faults);
  EXPECT_EQ(a.requests_dropped_by_outages, b.requests_dropped_by_outages);
  EXPECT_EQ(a.unsigned_code_started, b.unsigned_code_started);
  EXPECT_EQ(a.attacks_stopped, b.attacks_stopped);
  EXPECT_EQ(a.faults_injected, b.faults_injected);
  EXPECT_EQ(a.telemetry_generated, b.telemetry_generated);
  EXPECT_EQ(a.telemetry_delivered, b.telemetry_delivered);
  EXPECT_EQ(a.telemetry_dropped, b.telemetry_dropped);
  EXPECT_EQ(a.telemetry_lost_to_power, b.telemetry_lost_to_power);
  EXPECT_EQ(a.telemetry_buffered, b.telemetry_buffered);
  EXPECT_EQ(a.telemetry_received, b.telemetry_received);
  EXPECT_EQ(a.legacy_flashed, b.legacy_flashed);
  EXPECT_EQ(a.key_stores_taken, b.key_stores_taken);
  EXPECT_EQ(a.restricted_sessions, b.restricted_sessions);
  EXPECT_EQ(a.faults_armed, b.faults_armed);
  EXPECT_EQ(a.writes_torn, b.writes_torn);
}

cloud::service_counters full_service_counters() {
  cloud::service_counters c;
  std::uint64_t n = 100;
  for (std::uint64_t* field :
       {&c.requests, &c.ignored, &c.invalid, &c.rate_limited, &c.unauthenticated, &c.attestation_failed, &c.not_found,
        &c.certificates_issued, &c.certificate_checks_refused, &c.clones_flagged, &c.revocations, &c.blocked_refused,
        &c.update_checks, &c.offers, &c.chunks_served, &c.update_results, &c.telemetry_batches,
        &c.failures_after_commit, &c.rollback_offers, &c.images_revoked, &c.restricted_sessions}) {
    *field = ++n;
  }
  c.restricted_refused = {7, 8, 9};
  return c;
}

sim_histogram histogram_of(std::initializer_list<std::chrono::microseconds> observed) {
  sim_histogram h;
  for (const auto d : observed) h.observe(d);
  return h;
}

void expect_same(const sim_histogram& a, const sim_histogram& b) {
  EXPECT_EQ(a.counts(), b.counts());
  EXPECT_EQ(a.sum_seconds(), b.sum_seconds());
}

TEST(control_messages, a_status_crosses_whole) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  indexed_report sent;
  partition_status& st = sent.report.status;
  st.events = 4321;
  st.steps = 765;
  st.device_counters = full_counters(0);
  st.message_latency = histogram_of({20ms, 40ms, 3s});
  st.attestation_time = histogram_of({700ms, 2h});
  st.states_by_group = {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}};
  st.versions_by_group = {{{wire::version{1, 2, 3}, 11}, {wire::version{1, 10, 0}, 12}}, {}};
  cloud::rollout_status d;
  d.state = cloud::rollout_state::paused;
  d.paused_by = cloud::pause_cause::gate_failed;
  d.current_wave = 1;
  d.waves = {cloud::wave_status{5, 4, {}, 1h}, cloud::wave_status{9, 2, {}, 3h}};
  d.waves[1].outcomes.by_outcome[6] = 2;
  d.devices = 14;
  d.in_flight = 3;
  d.attempts = {21, 20, 15, 3, 2, 1};
  d.offers_per_minute = 2.5;
  d.rollback = cloud::rollback_request{7h, cloud::transition_reason::gate_failed, 12, 40};
  d.rolled_back.took = 9;
  d.rolled_back.committed = 5;
  d.rolled_back.last_committed_at = 8h;
  d.refused[1] = 4;
  d.reports[2] = 6;
  d.transitions = 300;
  d.transitions_dropped = 44;
  st.deployments = {d, cloud::rollout_status{}};
  st.service = full_service_counters();
  st.messages_sent = 31;
  st.messages_lost = 32;
  st.messages_lost_to_faults = 33;
  st.requests_dropped = 34;
  attack_outcome a;
  a.name = "spoof";
  a.kind = "spoofed_identity";
  a.tried = 41;
  a.stopped = 42;
  a.got_through = 43;
  a.certificates = 44;
  a.at = 1h;
  a.length = 2h;
  a.stopped_by = {{"bad_signature", 40}, {"replayed_nonce", 2}};
  a.victims = 45;
  a.victims_attested = 46;
  a.restricted_sessions = 47;
  st.attacks = {a};
  st.tears = {{0, 0, {}}, {51, 52, {}}};
  st.tears[1].torn_by_kind[1] = 53;
  st.fault_states = {{}, {}};
  st.fault_states[1][2] = 54;
  st.fault_steps = {{}, {}, {}};
  st.fault_steps[2][1] = 55;
  const indexed_report got = round_trip(system, sent);
  const partition_status& back = got.report.status;
  EXPECT_EQ(back.events, 4321u);
  EXPECT_EQ(back.steps, 765u);
  expect_same(back.device_counters, st.device_counters);
  expect_same(back.message_latency, st.message_latency);
  expect_same(back.attestation_time, st.attestation_time);
  EXPECT_EQ(back.states_by_group, st.states_by_group);
  EXPECT_EQ(back.versions_by_group, st.versions_by_group);
  ASSERT_EQ(back.deployments.size(), 2u);
  const cloud::rollout_status& e = back.deployments[0];
  EXPECT_EQ(e.state, cloud::rollout_state::paused);
  EXPECT_EQ(e.paused_by, cloud::pause_cause::gate_failed);
  EXPECT_EQ(e.current_wave, 1u);
  ASSERT_EQ(e.waves.size(), 2u);
  EXPECT_EQ(e.waves[1].devices, 9u);
  EXPECT_EQ(e.waves[1].done, 2u);
  EXPECT_EQ(e.waves[1].outcomes.by_outcome[6], 2u);
  EXPECT_EQ(e.waves[1].opened_at, 3h);
  EXPECT_EQ(e.devices, 14u);
  EXPECT_EQ(e.in_flight, 3u);
  EXPECT_EQ(e.attempts.offers, 21u);
  EXPECT_EQ(e.attempts.timed_out, 1u);
  EXPECT_EQ(e.offers_per_minute, std::optional<double>{2.5});
  ASSERT_TRUE(e.rollback.has_value());
  EXPECT_EQ(e.rollback->at, 7h);
  EXPECT_EQ(e.rollback->targeted_devices, 40u);
  EXPECT_EQ(e.rolled_back.took, 9u);
  EXPECT_EQ(e.rolled_back.committed, 5u);
  EXPECT_EQ(e.rolled_back.last_committed_at, 8h);
  EXPECT_EQ(e.refused, d.refused);
  EXPECT_EQ(e.reports, d.reports);
  EXPECT_EQ(e.transitions, 300u);
  EXPECT_EQ(e.transitions_dropped, 44u);
  // Absent stays absent.
  EXPECT_FALSE(back.deployments[1].offers_per_minute.has_value());
  EXPECT_FALSE(back.deployments[1].rollback.has_value());
  const cloud::service_counters& c = back.service;
  const cloud::service_counters& want = st.service;
  EXPECT_EQ(c.requests, want.requests);
  EXPECT_EQ(c.ignored, want.ignored);
  EXPECT_EQ(c.invalid, want.invalid);
  EXPECT_EQ(c.rate_limited, want.rate_limited);
  EXPECT_EQ(c.unauthenticated, want.unauthenticated);
  EXPECT_EQ(c.attestation_failed, want.attestation_failed);
  EXPECT_EQ(c.not_found, want.not_found);
  EXPECT_EQ(c.certificates_issued, want.certificates_issued);
  EXPECT_EQ(c.certificate_checks_refused, want.certificate_checks_refused);
  EXPECT_EQ(c.clones_flagged, want.clones_flagged);
  EXPECT_EQ(c.revocations, want.revocations);
  EXPECT_EQ(c.blocked_refused, want.blocked_refused);
  EXPECT_EQ(c.update_checks, want.update_checks);
  EXPECT_EQ(c.offers, want.offers);
  EXPECT_EQ(c.chunks_served, want.chunks_served);
  EXPECT_EQ(c.update_results, want.update_results);
  EXPECT_EQ(c.telemetry_batches, want.telemetry_batches);
  EXPECT_EQ(c.failures_after_commit, want.failures_after_commit);
  EXPECT_EQ(c.rollback_offers, want.rollback_offers);
  EXPECT_EQ(c.images_revoked, want.images_revoked);
  EXPECT_EQ(c.restricted_sessions, want.restricted_sessions);
  EXPECT_EQ(c.restricted_refused, want.restricted_refused);
  EXPECT_EQ(back.messages_sent, 31u);
  EXPECT_EQ(back.messages_lost, 32u);
  EXPECT_EQ(back.messages_lost_to_faults, 33u);
  EXPECT_EQ(back.requests_dropped, 34u);
  ASSERT_EQ(back.attacks.size(), 1u);
  const attack_outcome& b = back.attacks[0];
  EXPECT_EQ(b.name, "spoof");
  EXPECT_EQ(b.kind, "spoofed_identity");
  EXPECT_EQ(b.tried, 41u);
  EXPECT_EQ(b.stopped, 42u);
  EXPECT_EQ(b.got_through, 43u);
  EXPECT_EQ(b.certificates, 44u);
  EXPECT_EQ(b.at, 1h);
  EXPECT_EQ(b.length, 2h);
  EXPECT_EQ(b.stopped_by, a.stopped_by);
  EXPECT_EQ(b.victims, 45u);
  EXPECT_EQ(b.victims_attested, 46u);
  EXPECT_EQ(b.restricted_sessions, 47u);
  ASSERT_EQ(back.tears.size(), 2u);
  EXPECT_EQ(back.tears[1].armed, 51u);
  EXPECT_EQ(back.tears[1].torn, 52u);
  EXPECT_EQ(back.tears[1].torn_by_kind[1], 53u);
  ASSERT_EQ(back.fault_states.size(), 2u);
  EXPECT_EQ(back.fault_states[1][2], 54u);
  ASSERT_EQ(back.fault_steps.size(), 3u);
  EXPECT_EQ(back.fault_steps[2][1], 55u);
}

TEST(control_messages, an_account_crosses_whole) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  indexed_report sent;
  partition_account& a = sent.report.account;
  a.cloud_digest = 0xc10d;
  a.device_digests = {{1, 0xd1}, {3, 0xd3}};
  a.attacker_digests = {0xa1, 0xa2};
  a.telemetry = {61, 62, 63, 64, 65, 66};
  a.victims = {{71, 72}, {0, 0}};
  revocation_tally t;
  t.affected_online = 81;
  t.affected_offline = 82;
  t.certificates_on_revoked = 83;
  t.healed_online_after_s = {10, 20};
  t.healed_offline_after_s = {30};
  a.revocations = {t};
  a.image_starts = {0, 91, 92};
  a.traffic = traffic_counts(std::chrono::minutes(5));
  a.traffic.count(12min, request_kind::chunk, request_answer::dropped);
  a.traffic.count(1h, request_kind::evidence, request_answer::ok);
  a.attestation_time_by_hour = {histogram_of({300ms}), histogram_of({1s, 2s})};
  a.attestation_failures_by_hour = {0, 93};
  breakdown_counts cell;
  cell.devices = 101;
  cell.requests = {102, 103, 104, 105};
  cell.attestation_time = histogram_of({500ms});
  cell.attestation_failures = 106;
  cell.updates_committed = 107;
  cell.updates_rolled_back = 108;
  cell.updates_failed = 109;
  a.by_cell = {cell, breakdown_counts{}};
  a.requests_per_minute = {0, 111, 112};
  a.requests_dropped_by_fault = {0, 113};
  const indexed_report got = round_trip(system, sent);
  const partition_account& back = got.report.account;
  EXPECT_EQ(back.cloud_digest, 0xc10du);
  ASSERT_EQ(back.device_digests.size(), 2u);
  EXPECT_EQ(back.device_digests[1].device, 3u);
  EXPECT_EQ(back.device_digests[1].digest, 0xd3u);
  EXPECT_EQ(back.attacker_digests, a.attacker_digests);
  EXPECT_EQ(back.telemetry.generated, 61u);
  EXPECT_EQ(back.telemetry.delivered, 62u);
  EXPECT_EQ(back.telemetry.dropped, 63u);
  EXPECT_EQ(back.telemetry.lost_to_power, 64u);
  EXPECT_EQ(back.telemetry.buffered, 65u);
  EXPECT_EQ(back.telemetry.received, 66u);
  ASSERT_EQ(back.victims.size(), 2u);
  EXPECT_EQ(back.victims[0].victims, 71u);
  EXPECT_EQ(back.victims[0].attested, 72u);
  ASSERT_EQ(back.revocations.size(), 1u);
  EXPECT_EQ(back.revocations[0].affected_online, 81u);
  EXPECT_EQ(back.revocations[0].affected_offline, 82u);
  EXPECT_EQ(back.revocations[0].certificates_on_revoked, 83u);
  EXPECT_EQ(back.revocations[0].healed_online_after_s, t.healed_online_after_s);
  EXPECT_EQ(back.revocations[0].healed_offline_after_s, t.healed_offline_after_s);
  EXPECT_EQ(back.image_starts, a.image_starts);
  EXPECT_EQ(back.traffic.bucket_width(), std::chrono::minutes(5));
  ASSERT_EQ(back.traffic.buckets(), a.traffic.buckets());
  EXPECT_EQ(back.traffic.at(2, request_kind::chunk, request_answer::dropped), 1u);
  EXPECT_EQ(back.traffic.at(12, request_kind::evidence, request_answer::ok), 1u);
  EXPECT_EQ(back.traffic.total(), 2u);
  ASSERT_EQ(back.attestation_time_by_hour.size(), 2u);
  expect_same(back.attestation_time_by_hour[1], a.attestation_time_by_hour[1]);
  EXPECT_EQ(back.attestation_failures_by_hour, a.attestation_failures_by_hour);
  ASSERT_EQ(back.by_cell.size(), 2u);
  EXPECT_EQ(back.by_cell[0].devices, 101u);
  EXPECT_EQ(back.by_cell[0].requests, cell.requests);
  expect_same(back.by_cell[0].attestation_time, cell.attestation_time);
  EXPECT_EQ(back.by_cell[0].attestation_failures, 106u);
  EXPECT_EQ(back.by_cell[0].updates_committed, 107u);
  EXPECT_EQ(back.by_cell[0].updates_rolled_back, 108u);
  EXPECT_EQ(back.by_cell[0].updates_failed, 109u);
  EXPECT_EQ(back.requests_per_minute, a.requests_per_minute);
  EXPECT_EQ(back.requests_dropped_by_fault, a.requests_dropped_by_fault);
}

// The control's messages are announced by name, as a node must before it
// sends them to another.
TEST(control_messages, are_announced_by_name) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  EXPECT_NE(system.types().make_value("fleet.partition_orders"), nullptr);
  EXPECT_NE(system.types().make_value("fleet.indexed_report"), nullptr);
  EXPECT_NE(system.types().make_value("fleet.stretch_orders"), nullptr);
  EXPECT_NE(system.types().make_value("fleet.stretch_reports"), nullptr);
}

// What the control hands the crew's gatherer and gets back: every
// partition's orders and reports, in partition order.
TEST(control_messages, a_stretch_crosses_whole_in_partition_order) {
  caf::actor_system_config cfg;
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  stretch_orders orders;
  orders.partitions.resize(3);
  for (std::size_t p = 0; p < 3; ++p) orders.partitions[p].until_us = static_cast<std::int64_t>(100 + p);
  orders.slice_ends_us = {40, 70};
  const stretch_orders orders_back = round_trip(system, orders);
  ASSERT_EQ(orders_back.partitions.size(), 3u);
  for (std::size_t p = 0; p < 3; ++p) EXPECT_EQ(orders_back.partitions[p].until_us, static_cast<std::int64_t>(100 + p));
  EXPECT_EQ(orders_back.slice_ends_us, (std::vector<std::int64_t>{40, 70}));
  stretch_reports reports;
  reports.partitions.resize(2);
  reports.partitions[0].events = 7;
  reports.partitions[1].events = 9;
  const stretch_reports reports_back = round_trip(system, reports);
  ASSERT_EQ(reports_back.partitions.size(), 2u);
  EXPECT_EQ(reports_back.partitions[0].events, 7u);
  EXPECT_EQ(reports_back.partitions[1].events, 9u);
}

}  // namespace
}  // namespace fleet::actors
