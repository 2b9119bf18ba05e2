#pragma once
// The partitions on CAF actors: one actor a partition, on the run's
// scheduler threads. The control hands each its orders for a stretch of
// simulated time and waits for every report: the only barrier of a run.
// Partitions run side by side within a stretch; nothing crosses between
// them.
//
// Each partition's actor builds and frees its partition itself, so the
// set-up and tear-down of a big fleet use every thread.
//
// A stretch may be run in slices (stretch_orders::slice_ends_us): the
// threads take partitions off one queue as they come free, so what one
// thread idles at a stretch's end is the last job it could not share, and
// smaller jobs leave less. Slicing in time rather than cutting more
// partitions keeps P, and with it the trace, as the scenario says.
//
// A gatherer actor, on the same threads, hands out the orders and collects
// the reports, so that the control's own thread (the caller of run) wakes
// once a stretch rather than once a report: a wake-up is a thread switch,
// and a run is tens of thousands of stretches.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/partition.hpp"

namespace fleet::actors {

class partition_crew {
 public:
  /// Spawns a partition's actor per partition and has each build its
  /// partition of `s` (its share of `devices`), side by side on the
  /// system's threads; returns once every one is built. `s`, `links` and
  /// `tamper` must outlive the actors (the system, not only the crew).
  partition_crew(caf::actor_system& system, const input::run_input& s, std::uint32_t partitions,
                 std::uint64_t devices, const nemesis& links, const link_tamper& tamper);
  /// Has every partition's actor exit: each frees its partition on the
  /// system's threads (the system's end waits for them).
  ~partition_crew();
  partition_crew(const partition_crew&) = delete;
  partition_crew& operator=(const partition_crew&) = delete;

  /// Sends partition p orders[p] and returns the reports, in partition
  /// order. With `slice_ends` (ascending, before every order's end), each
  /// partition runs to each of them in turn, as a slice of its own, then to
  /// its orders' end; its report counts the events of every slice.
  std::vector<partition_report> run(std::vector<partition_orders> orders, std::vector<std::int64_t> slice_ends = {});

 private:
  caf::scoped_actor self_;  ///< the control's mailbox, for the gathered reports
  std::vector<caf::actor> partitions_;
  caf::actor gatherer_;
};

}  // namespace fleet::actors
