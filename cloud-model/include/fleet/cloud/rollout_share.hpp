#pragma once
// A deployment cut across partitions (the partitioned engine, issue 17):
// each partition's rollout controller runs its share of the devices
// (governed mode), and one rollout_governor decides for the whole fleet at
// control ticks. These are the messages between them: plain, copyable data
// with no pointers, so that they can cross actor and process boundaries.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "fleet/cloud/rollout_status.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

/// What the fleet-wide policy (gate, abort, rollback, completion) reads of a
/// rollout's devices: one controller's own, or the sum over the shares.
struct rollout_tally {
  std::vector<wave_status> waves;  ///< devices, done, outcomes per wave; opened_at unused (the phase holds it)
  attempt_counts attempts;         ///< cumulative
  std::uint32_t devices = 0;
  std::uint32_t done = 0;        ///< succeeded, or failed with no retry left
  std::uint32_t failed_now = 0;  ///< current outcome failed or failed_after_commit (the rollback policy's count)
};

/// What a partition's share of a deployment tells the control at a tick.
struct rollout_share_report {
  rollout_tally tally;
  std::uint32_t in_flight = 0;
  /// Devices of open waves (wave <= current) neither done nor in flight: the share's demand.
  std::uint32_t eligible = 0;
  rollback_progress rolled_back;  ///< cumulative, `took` included
  std::array<std::uint64_t, offer_refusal_count> refused{};
  std::array<std::uint64_t, report_result_count> reports{};
  /// Cumulative devices counted toward the ramp's steps (notified or succeeded, by the policy's basis).
  std::uint64_t ramp_counted = 0;
  std::uint32_t offers_unused = 0;  ///< offers of the last orders' allowance not spent
  /// Halted locally (a newer deployment took over, or an operator): the control must halt it fleet-wide.
  bool halt_requested = false;
};

/// What the control decides for one share until the next orders.
struct rollout_orders {
  rollout_state state = rollout_state::scheduled;
  pause_cause paused_by = pause_cause::none;
  std::uint32_t current_wave = 0;
  std::vector<sim_time> opened_at;  ///< per wave, for the share's views
  std::optional<rollback_request> rollback;
  /// The fleet-wide transitions since the previous orders, oldest first (at most history_max), for the share's history.
  std::vector<transition> changes;
  std::uint32_t in_flight_limit = 0;     ///< this share's in-flight at most
  std::optional<std::uint32_t> offers;   ///< offers this share may start until the next orders; none: no ramp
};

}  // namespace fleet::cloud
