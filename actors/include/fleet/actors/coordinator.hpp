#pragma once
// Runs simulated time in windows (conservative parallel discrete-event
// simulation). No message arrives sooner than the network's lookahead after
// it was sent, so within a window [T, T + lookahead) the cloud and every
// shard are independent: they run side by side, and what they send lands in
// later windows. T jumps to the earliest pending event, so idle time costs
// nothing. A window with little work runs inline on the coordinator's
// thread; a busy one goes to the CAF actors of the shards and the cloud, on
// `threads` scheduler threads. Either way the result is the same.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "fleet/actors/cloud_host.hpp"
#include "fleet/actors/device_shard.hpp"
#include "fleet/actors/window_overlap.hpp"

namespace fleet::actors {

class coordinator {
 public:
  /// A window runs on the actors when the one before had at least
  /// `parallel_events_min` events and `parallel` is set.
  coordinator(caf::actor_system& system, cloud_host& cloud, std::vector<std::unique_ptr<device_shard>>& shards,
              duration lookahead, bool parallel, std::uint64_t parallel_events_min);

  /// The earliest pending event of any entity; fw::never when none.
  fw::sim_time next_time();
  /// Runs one window starting at the earliest pending event, ending no later
  /// than `limit`. Returns the window's end.
  fw::sim_time run_window(fw::sim_time limit);

  std::uint64_t events() const { return events_; }
  std::uint64_t windows() const { return windows_; }
  std::uint64_t parallel_windows() const { return parallel_windows_; }
  /// The windows run inline, timed host by host (wall clock: not part of the result's replayable figures).
  const window_overlap& inline_overlap() const { return inline_overlap_; }

 private:
  void route(window_result& r);
  void run_inline(fw::sim_time end);
  void run_on_actors(fw::sim_time end);

  caf::actor_system& system_;
  caf::scoped_actor self_;  ///< the coordinator's own mailbox, for the hosts' replies
  cloud_host& cloud_;
  std::vector<std::unique_ptr<device_shard>>& shards_;
  duration lookahead_;
  bool parallel_;
  std::uint64_t parallel_events_min_;
  std::uint64_t parallel_windows_ = 0;
  window_overlap inline_overlap_;
  std::vector<caf::actor> actors_;  ///< the cloud's first, then one per shard
  std::vector<fw::sim_time> next_;  ///< per entity host, the same order
  std::uint64_t events_ = 0;
  std::uint64_t windows_ = 0;
  std::uint64_t window_events_ = 0;  ///< of the window running, then of the last one
};

}  // namespace fleet::actors
