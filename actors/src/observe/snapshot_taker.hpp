#pragma once
// Takes live_snapshots of a run between its stretches (see live_snapshot.hpp),
// and the device-state helpers the engine's timeline shares with it.

#include <cstddef>
#include <memory>
#include <vector>

#include "engine/fleet_control.hpp"
#include "engine/partition.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "network/nemesis.hpp"

namespace fleet::actors {

/// Adds what one shard counted to the run's sums.
void add(run_counters& into, const run_counters& c);

/// Index of the device's state at `at` in device_state_names. Attested: it
/// holds a certificate that is valid on its own clock (one its clock sees
/// expired is no use to it: it attests again).
std::size_t state_index(const device::simulated_device& d, sim_time at);
inline constexpr std::size_t attested_state = 2;

class snapshot_taker {
 public:
  /// Counts once which devices each fault hits (a scan of the fleet per fault).
  snapshot_taker(const input::run_input& s, const nemesis& links);

  /// Devices each fault acts on (a cloud outage: 0), scenario order.
  const std::vector<std::uint64_t>& fault_hits() const { return fault_hits_; }

  struct engine_view {
    std::vector<std::unique_ptr<partition>>& partitions;
    const fleet_control& control;
    std::uint64_t barriers = 0;  ///< stretches run so far
  };
  live_snapshot take(const engine_view& e, sim_time reached, bool complete) const;

 private:
  void count_devices(const engine_view& e, live_snapshot& out) const;
  void add_cloud(const engine_view& e, live_snapshot& out) const;
  void add_faults(const engine_view& e, sim_time reached, live_snapshot& out) const;

  const input::run_input& input_;
  const nemesis& links_;
  std::vector<std::uint64_t> fault_hits_;
};

}  // namespace fleet::actors
