#pragma once
// What crosses between the control and a partition, made serializable: CAF
// inspect functions for the orders and reports and for the cloud types they
// carry. With them a partition and the control need not share a process:
// CAF can put an order or a report on the wire as it is (worker nodes), and
// nothing else crosses between them during a run.
//
// The cloud types' inspect functions live here, in their own namespace so
// that CAF finds them by argument-dependent lookup, and not in cloud-model,
// which knows nothing of CAF (architecture.md: only actors links CAF).

#include <caf/actor_system_config.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <optional>

#include "engine/partition.hpp"
#include "fleet/cloud/rollout_share.hpp"
#include "fleet/cloud/rollout_status.hpp"

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

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_orders& x) {
  return f(caf::meta::type_name("fleet.partition_orders"), x.until_us, x.report, x.deployments, x.samples_us,
           x.censuses_us);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, partition_report& x) {
  return f(caf::meta::type_name("fleet.partition_report"), x.next_us, x.events, x.deployments, x.samples,
           x.censuses);
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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stretch_orders& x) {
  return f(caf::meta::type_name("fleet.stretch_orders"), x.partitions);
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
