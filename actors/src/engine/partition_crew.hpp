#pragma once
// The partitions on CAF actors: one actor a partition, on the run's
// scheduler threads. The control hands each its orders for a stretch of
// simulated time and waits for every report: the only barrier of a run.
// Partitions run side by side within a stretch; nothing crosses between
// them.
//
// A gatherer actor, on the same threads, hands out the orders and collects
// the reports, so that the control's own thread (the caller of run) wakes
// once a stretch rather than once a report: a wake-up is a thread switch,
// and a run is tens of thousands of stretches.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <memory>
#include <vector>

#include "engine/partition.hpp"

namespace fleet::actors {

class partition_crew {
 public:
  partition_crew(caf::actor_system& system, std::vector<std::unique_ptr<partition>>& partitions);
  ~partition_crew();
  partition_crew(const partition_crew&) = delete;
  partition_crew& operator=(const partition_crew&) = delete;

  /// Sends partition p orders[p] and returns the reports, in partition order.
  std::vector<partition_report> run(std::vector<partition_orders> orders);

 private:
  caf::scoped_actor self_;  ///< the control's mailbox, for the gathered reports
  std::vector<caf::actor> partitions_;
  caf::actor gatherer_;
};

}  // namespace fleet::actors
