#pragma once
// What crosses between the control and a partition, made serializable: CAF
// inspect functions for the orders and reports and for the cloud types they
// carry. With them a partition and the control need not share a process:
// CAF can put an order or a report on the wire as it is (worker nodes), and
// nothing else crosses between them during a run.
//
// The cloud and wire types' inspect functions live here, in their own
// namespaces so that CAF finds them by argument-dependent lookup, and not in
// cloud-model or proto, which know nothing of CAF (architecture.md: only
// actors links CAF).

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <optional>

#include "engine/partition.hpp"
#include "engine/partition_account.hpp"
#include "fleet/cloud/rollout_share.hpp"
#include "fleet/cloud/rollout_status.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::wire {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version& x) {
  return f(caf::meta::type_name("fleet.wire.version"), x.major, x.minor, x.patch);
}

}  // namespace fleet::wire

namespace fleet::cloud {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outcome_counts& x) {
  return f(caf::meta::type_name("fleet.cloud.outcome_counts"), x.by_outcome);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wave_status& x) {
  return f(caf::meta::type_name("fleet.cloud.wave_status"), x.devices, x.done, x.outcomes, x.opened_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attempt_counts& x) {
  return f(caf::meta::type_name("fleet.cloud.attempt_counts"), x.offers, x.notified, x.succeeded, x.failed, x.rejected,
           x.timed_out);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollout_tally& x) {
  return f(caf::meta::type_name("fleet.cloud.rollout_tally"), x.waves, x.attempts, x.devices, x.done, x.failed_now);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollback_progress& x) {
  return f(caf::meta::type_name("fleet.cloud.rollback_progress"), x.took, x.offered, x.in_flight, x.committed, x.failed,
           x.rejected, x.offers, x.last_committed_at, x.refused);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollout_share_report& x) {
  return f(caf::meta::type_name("fleet.cloud.rollout_share_report"), x.tally, x.in_flight, x.eligible, x.rolled_back,
           x.refused, x.reports, x.ramp_counted, x.offers_unused, x.halt_requested);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, transition& x) {
  return f(caf::meta::type_name("fleet.cloud.transition"), x.at, x.from, x.to, x.wave, x.why);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollback_request& x) {
  return f(caf::meta::type_name("fleet.cloud.rollback_request"), x.at, x.why, x.failed_devices, x.targeted_devices);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollout_orders& x) {
  // CAF 0.17 has no std::optional: each goes as a flag and a value, put
  // back together after loading.
  bool has_rollback = x.rollback.has_value();
  rollback_request rollback = x.rollback.value_or(rollback_request{});
  bool has_offers = x.offers.has_value();
  std::uint32_t offers = x.offers.value_or(0);
  auto rebuild = caf::meta::load_callback([&]() -> caf::error {
    x.rollback = has_rollback ? std::optional<rollback_request>{rollback} : std::nullopt;
    x.offers = has_offers ? std::optional<std::uint32_t>{offers} : std::nullopt;
    return caf::none;
  });
  return f(caf::meta::type_name("fleet.cloud.rollout_orders"), x.state, x.paused_by, x.current_wave, x.opened_at,
           has_rollback, rollback, x.changes, x.in_flight_limit, has_offers, offers, rebuild);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollout_status& x) {
  // std::optional as a flag and a value, as for rollout_orders.
  bool has_rate = x.offers_per_minute.has_value();
  double rate = x.offers_per_minute.value_or(0);
  bool has_rollback = x.rollback.has_value();
  rollback_request rollback = x.rollback.value_or(rollback_request{});
  auto rebuild = caf::meta::load_callback([&]() -> caf::error {
    x.offers_per_minute = has_rate ? std::optional<double>{rate} : std::nullopt;
    x.rollback = has_rollback ? std::optional<rollback_request>{rollback} : std::nullopt;
    return caf::none;
  });
  return f(caf::meta::type_name("fleet.cloud.rollout_status"), x.state, x.paused_by, x.current_wave, x.waves, x.devices,
           x.in_flight, x.attempts, has_rate, rate, has_rollback, rollback, x.rolled_back, x.refused, x.reports,
           x.transitions, x.transitions_dropped, rebuild);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, service_counters& x) {
  return f(caf::meta::type_name("fleet.cloud.service_counters"), x.requests, x.ignored, x.invalid, x.rate_limited,
           x.unauthenticated, x.attestation_failed, x.not_found, x.certificates_issued, x.certificate_checks_refused,
           x.clones_flagged, x.revocations, x.blocked_refused, x.update_checks, x.offers, x.chunks_served,
           x.update_results, x.telemetry_batches, x.failures_after_commit, x.rollback_offers, x.images_revoked,
           x.restricted_sessions, x.restricted_refused);
}

}  // namespace fleet::cloud

namespace fleet::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timeline_point& x) {
  return f(caf::meta::type_name("fleet.timeline_point"), x.at, x.app_versions, x.states);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rollback_census& x) {
  return f(caf::meta::type_name("fleet.rollback_census"), x.took, x.running, x.committed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, census& x) {
  return f(caf::meta::type_name("fleet.census"), x.at, x.app_versions_by_group, x.attested_by_group,
           x.rollback_by_deployment, x.attested_running_by_group);
}

// The types a status and an account carry.

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_counters& x) {
  return f(caf::meta::type_name("fleet.run_counters"), x.boots, x.attestations, x.attestation_failures,
           x.certificates_issued, x.updates_downloaded, x.updates_installed, x.updates_committed,
           x.updates_rolled_back, x.updates_rejected, x.updates_failed, x.bricked, x.app_crashes, x.messages_sent,
           x.messages_lost, x.messages_lost_to_faults, x.requests_dropped_by_outages, x.unsigned_code_started,
           x.attacks_stopped, x.faults_injected, x.telemetry_generated, x.telemetry_delivered, x.telemetry_dropped,
           x.telemetry_lost_to_power, x.telemetry_buffered, x.telemetry_received, x.legacy_flashed,
           x.key_stores_taken, x.restricted_sessions, x.faults_armed, x.writes_torn);
}

// Declared a friend in sim_histogram.hpp.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_histogram& x) {
  return f(caf::meta::type_name("fleet.sim_histogram"), x.counts_, x.sum_seconds_);
}

// Declared a friend in traffic.hpp.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, traffic_counts& x) {
  return f(caf::meta::type_name("fleet.traffic_counts"), x.width_, x.buckets_);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, breakdown_counts& x) {
  return f(caf::meta::type_name("fleet.breakdown_counts"), x.devices, x.requests, x.attestation_time,
           x.attestation_failures, x.updates_committed, x.updates_rolled_back, x.updates_failed);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attack_outcome& x) {
  return f(caf::meta::type_name("fleet.attack_outcome"), x.name, x.kind, x.tried, x.stopped, x.got_through,
           x.certificates, x.at, x.length, x.stopped_by, x.victims, x.victims_attested, x.restricted_sessions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tear_tally& x) {
  return f(caf::meta::type_name("fleet.tear_tally"), x.armed, x.torn, x.torn_by_kind);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, revocation_tally& x) {
  return f(caf::meta::type_name("fleet.revocation_tally"), x.affected_online, x.affected_offline,
           x.certificates_on_revoked, x.healed_online_after_s, x.healed_offline_after_s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_status& x) {
  return f(caf::meta::type_name("fleet.partition_status"), x.events, x.steps, x.device_counters, x.message_latency,
           x.attestation_time, x.states_by_group, x.versions_by_group, x.deployments, x.service, x.messages_sent,
           x.messages_lost, x.messages_lost_to_faults, x.requests_dropped, x.attacks, x.tears,
           x.fault_states, x.fault_steps);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, device_digest& x) {
  return f(caf::meta::type_name("fleet.device_digest"), x.device, x.digest);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attack_victims& x) {
  return f(caf::meta::type_name("fleet.attack_victims"), x.victims, x.attested);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, telemetry_sums& x) {
  return f(caf::meta::type_name("fleet.telemetry_sums"), x.generated, x.delivered, x.dropped, x.lost_to_power,
           x.buffered, x.received);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_account& x) {
  return f(caf::meta::type_name("fleet.partition_account"), x.cloud_digest, x.device_digests, x.attacker_digests,
           x.telemetry, x.victims, x.revocations, x.image_starts, x.traffic, x.attestation_time_by_hour,
           x.attestation_failures_by_hour, x.by_cell, x.requests_per_minute, x.requests_dropped_by_fault);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_orders& x) {
  return f(caf::meta::type_name("fleet.partition_orders"), x.until_us, x.report, x.deployments, x.samples_us,
           x.censuses_us, x.status, x.account, x.states_at_us);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_report& x) {
  return f(caf::meta::type_name("fleet.partition_report"), x.next_us, x.events, x.deployments, x.samples,
           x.censuses, x.status, x.account);
}

/// A report with the partition it comes from: the control's mailbox takes
/// them in any order and puts them back in partition order.
struct indexed_report {
  std::uint64_t partition = 0;
  partition_report report;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, indexed_report& x) {
  return f(caf::meta::type_name("fleet.indexed_report"), x.partition, x.report);
}

/// Every partition's orders for one stretch, in partition order: what the
/// control hands the crew's gatherer.
struct stretch_orders {
  std::vector<partition_orders> partitions;
  /// Times within the stretch, ascending, before every partition's
  /// `until_us`: each partition runs to each in turn, as a slice of its own,
  /// before its orders' end. Slices change nothing in the run (a stretch's
  /// ends never do); they let the threads share out the stretch's last
  /// work (partition_crew.hpp). Empty: one slice a partition.
  std::vector<std::int64_t> slice_ends_us;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stretch_orders& x) {
  return f(caf::meta::type_name("fleet.stretch_orders"), x.partitions, x.slice_ends_us);
}

/// Every partition's report for one stretch, in partition order.
struct stretch_reports {
  std::vector<partition_report> partitions;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stretch_reports& x) {
  return f(caf::meta::type_name("fleet.stretch_reports"), x.partitions);
}

/// Announces the control's messages to CAF by name, as a node that sends
/// them to another must.
inline void add_control_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<partition_orders>("fleet.partition_orders");
  cfg.add_message_type<indexed_report>("fleet.indexed_report");
  cfg.add_message_type<stretch_orders>("fleet.stretch_orders");
  cfg.add_message_type<stretch_reports>("fleet.stretch_reports");
}

}  // namespace fleet::actors
