#pragma once
// Takes live_snapshots of a run between its stretches (see live_snapshot.hpp)
// from the partitions' status reports (partition_account.hpp): it reads no
// partition.

#include <cstddef>
#include <vector>

#include "engine/fleet_control.hpp"
#include "engine/partition.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "network/nemesis.hpp"

namespace fleet::actors {

/// Adds what one shard counted to the run's sums.
void add(run_counters& into, const run_counters& c);

class snapshot_taker {
 public:
  /// Counts once which devices each fault hits (a scan of the fleet per fault).
  snapshot_taker(const input::run_input& s, const nemesis& links);

  /// Devices each fault acts on (a cloud outage: 0), scenario order.
  const std::vector<std::uint64_t>& fault_hits() const { return fault_hits_; }

  struct engine_view {
    const fleet_control& control;
    std::uint64_t barriers = 0;  ///< stretches run so far
  };
  /// The run at `reached`, from `reports` (one a partition, in partition
  /// order), each with the status its orders asked for, its devices'
  /// states as at `reached`. taking_seconds is left to the caller, who
  /// knows what the reports cost.
  live_snapshot take(const engine_view& e, const std::vector<partition_report>& reports, sim_time reached,
                     bool complete) const;

 private:
  void count_devices(const std::vector<partition_report>& reports, live_snapshot& out) const;
  void add_cloud(const engine_view& e, const std::vector<partition_report>& reports, live_snapshot& out) const;
  void add_faults(const std::vector<partition_report>& reports, sim_time reached, live_snapshot& out) const;

  const input::run_input& input_;
  const nemesis& links_;
  std::vector<std::uint64_t> fault_hits_;
};

}  // namespace fleet::actors
