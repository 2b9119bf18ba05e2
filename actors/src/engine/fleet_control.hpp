#pragma once
// The fleet-wide control (docs/engine.md): one rollout governor per
// scenario deployment, deciding only at control ticks from the partitions'
// reports, merged in partition order. A tick at which nothing fleet-wide can
// change is skipped: then the partitions run past it without stopping.

#include <cstdint>
#include <vector>

#include "engine/partition.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/cloud/rollout_governor.hpp"

namespace fleet::actors {

class fleet_control {
 public:
  fleet_control(const input::run_input& s, std::uint32_t partitions);

  /// The first control tick after `after` at which a decision may be due,
  /// when the partitions' next event is at `next_event`; fw::never when
  /// none can be. Ticks before the last one at or before that event are
  /// skipped: with no event in the fleet, no report can change, and what
  /// time alone changes (a start, a wave's minimum duration) is a governor's
  /// deadline. The event then sees the orders of the tick it would have.
  fw::sim_time next_tick(fw::sim_time after, fw::sim_time next_event) const;
  /// Decides at tick `now` from every partition's report (partition order);
  /// returns each partition's orders for its deployments.
  std::vector<std::vector<cloud::rollout_orders>> decide(fw::sim_time now, const std::vector<partition_report>& reports);

  /// A deployment's fleet-wide view: the governor's state, waves and
  /// history, with the counts of every partition's share as they stand,
  /// from the statuses in `reports` (one a partition; the governor's own
  /// counts are those of its last tick, and a rollout in a final state has
  /// no more ticks while its rollback goes on).
  deployment_snapshot snapshot_of(std::size_t deployment, const std::vector<partition_report>& reports) const;
  std::uint64_t ticks() const { return ticks_; }
  duration interval() const { return interval_; }

 private:
  /// Deployment `d` can take no more fleet-wide decision: no tick needs it.
  bool settled(std::size_t d) const;

  const input::run_input& s_;
  std::uint32_t partitions_;
  duration interval_;
  std::vector<cloud::rollout_governor> governors_;  ///< by scenario deployment
  std::uint64_t ticks_ = 0;
};

}  // namespace fleet::actors
