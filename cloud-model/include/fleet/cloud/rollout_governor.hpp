#pragma once
// The fleet-wide policy of one deployment cut into shares (the partitioned
// engine, issue 17): the control actor holds one rollout_governor, each
// partition a governed rollout_controller with its share of the devices.
// At each control tick the partitions report (share_report()), the
// governor merges the reports in share order, runs the same state machine
// as an ungoverned controller on the sum (start, gates, abort, rollback,
// completion), and hands every share its orders (follow()). Between ticks
// the shares run alone, so a fleet-wide decision lands at most one control
// interval after the reports that cause it.
//
// Quotas, in integers and deterministic (remainders to the largest
// fractional parts, ties to the lower share index):
// - in-flight cap: what the shares' in-flight leaves free of the policy's
//   limit is split in proportion to each share's demand (eligible), evenly
//   when none has any; a share's limit is its in-flight plus its part, so
//   the limits never add up past the cap;
// - ramp: one offer_rate for the fleet, fed with the growth of the shares'
//   ramp counts; the whole offers it holds (at most the total demand) are
//   split the same way, and what a share did not spend comes back at the
//   next tick. Offers over any interval are at most what one bucket allows.
// Pure: time comes in as `now`.

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/rollout_share.hpp"
#include "fleet/cloud/rollout_status.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

class offer_rate;
class rollout_phase;

inline constexpr std::uint32_t shares_max = 4096;  ///< partitions a deployment may be cut into

class rollout_governor {
 public:
  /// `policy` must be valid (validate(policy) empty) and `shares` in [1, shares_max]:
  /// the caller rejects bad input before it gets here.
  rollout_governor(const rollout_policy& policy, std::uint32_t shares, sim_time now);
  ~rollout_governor();
  rollout_governor(rollout_governor&&) noexcept;
  rollout_governor& operator=(rollout_governor&&) noexcept;

  /// Takes every share's report (share order), merges them, advances the
  /// phase at `now`, and returns each share's orders.
  std::vector<rollout_orders> tick(sim_time now, const std::vector<rollout_share_report>& reports);
  /// When the phase may change on time alone (start time, a wave's minimum duration); `never` if not armed.
  sim_time next_deadline() const;
  /// Whether ticks are needed now: the rollout can still change state from
  /// reports or holds quotas that bind (running, paused, completed), or a
  /// final state still has devices in flight. False when scheduled
  /// (next_deadline() covers it) and in a final state with nothing in flight.
  bool needs_ticks() const;
  /// Merged over the shares' last reports, with the phase's state, waves' opening times and history counts.
  rollout_status status() const;
  /// The most recent fleet-wide transitions, oldest first, at most history_max.
  const std::deque<transition>& history() const;
  rollout_state state() const;
  std::uint32_t shares() const { return shares_; }

  /// Operator commands, fleet-wide; the shares learn of them at the next tick.
  command_result pause(sim_time now);
  command_result resume(sim_time now);
  command_result halt(sim_time now);

 private:
  void advance(sim_time now);

  rollout_policy policy_;
  std::uint32_t shares_;
  std::unique_ptr<rollout_phase> phase_;
  std::unique_ptr<offer_rate> rate_;
  rollout_share_report merged_;  ///< the sum of the last reports
  std::uint64_t counted_ = 0;    ///< ramp counts fed to the bucket so far
  std::uint64_t sent_ = 0;       ///< transitions already sent to the shares
  sim_time last_now_{0};
  bool reported_ = false;  ///< a tick brought the shares' reports
};

}  // namespace fleet::cloud
