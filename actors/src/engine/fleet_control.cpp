#include "engine/fleet_control.hpp"

#include <algorithm>

#include "fleet/actors/service_snapshot.hpp"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

/// The first multiple of `every` at or after `t`.
fw::sim_time tick_at_or_after(fw::sim_time t, duration every) {
  const std::int64_t n = (t.count() + every.count() - 1) / every.count();
  return fw::sim_time{n * every.count()};
}

}  // namespace

fleet_control::fleet_control(const input::run_input& s, std::uint32_t partitions)
    : s_(s), partitions_(partitions), interval_(s.cloud.control_interval) {
  FLEET_CHECK(interval_.count() > 0, "the scenario loader bounds the control interval");
  for (const input::deployment& d : s.deployments) governors_.emplace_back(d.rollout, partitions, fw::sim_time{0});
}

bool fleet_control::settled(std::size_t d) const {
  switch (governors_[d].state()) {
    case cloud::rollout_state::halted:
    case cloud::rollout_state::aborted:
    case cloud::rollout_state::rollback_requested: return true;  // final: its counts are read where they stand
    case cloud::rollout_state::completed: {
      // Only a failure after commit (the rollback trigger) or a device
      // joining the group could move it again, and no device changes group
      // during a run.
      const cloud::rollback_policy& back = s_.deployments[d].rollout.rollback;
      return !back.failed_devices && !back.failed_share;
    }
    default: return false;
  }
}

fw::sim_time fleet_control::next_tick(fw::sim_time after, fw::sim_time next_event) const {
  const fw::sim_time following = tick_at_or_after(after + duration{1}, interval_);
  fw::sim_time next = fw::never;
  for (std::size_t d = 0; d < governors_.size(); ++d) {
    const cloud::rollout_governor& g = governors_[d];
    if (g.needs_ticks() && !settled(d) && next_event != fw::never) {
      const fw::sim_time before_event{next_event.count() / interval_.count() * interval_.count()};
      next = std::min(next, std::max(following, before_event));
    }
    const fw::sim_time due = g.next_deadline();
    if (due != fw::never) next = std::min(next, std::max(following, tick_at_or_after(due, interval_)));
  }
  return next;
}

std::vector<std::vector<cloud::rollout_orders>> fleet_control::decide(fw::sim_time now,
                                                                      const std::vector<partition_report>& reports) {
  FLEET_CHECK(reports.size() == partitions_, "a report from every partition");
  ++ticks_;
  std::vector<std::vector<cloud::rollout_orders>> out(partitions_);
  std::vector<cloud::rollout_share_report> shares(partitions_);
  for (std::size_t d = 0; d < governors_.size(); ++d) {
    for (std::size_t p = 0; p < partitions_; ++p) {
      FLEET_CHECK(reports[p].deployments.size() == governors_.size(), "a share of every deployment");
      shares[p] = reports[p].deployments[d];
    }
    std::vector<cloud::rollout_orders> orders = governors_[d].tick(now, shares);
    for (std::size_t p = 0; p < partitions_; ++p) out[p].push_back(std::move(orders[p]));
  }
  return out;
}

deployment_snapshot fleet_control::snapshot_of(std::size_t deployment,
                                               const std::vector<partition_report>& reports) const {
  const cloud::rollout_governor& g = governors_[deployment];
  cloud::rollout_status st = g.status();
  // The governor's phase (state, waves' opening times, history); the counts
  // from the shares as they stand.
  for (cloud::wave_status& w : st.waves) w = cloud::wave_status{0, 0, {}, w.opened_at};
  st.devices = 0;
  st.in_flight = 0;
  st.attempts = {};
  st.rolled_back = {};
  st.refused = {};
  st.reports = {};
  for (const partition_report& r : reports) {
    FLEET_CHECK(deployment < r.status.deployments.size(), "a status has every deployment");
    add_counts(st, r.status.deployments[deployment]);
  }
  const std::vector<cloud::transition> history(g.history().begin(), g.history().end());
  return deployment_snapshot_of(st, history, s_.deployments[deployment].name);
}

}  // namespace fleet::actors
