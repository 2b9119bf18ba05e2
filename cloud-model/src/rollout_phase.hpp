#pragma once
// The fleet-wide state machine of one deployment: its state, current wave,
// the gate, abort, rollback and completion rules, the operator's commands
// and the bounded history. It reads the devices only through a tally, so
// one ungoverned rollout_controller runs it on its own devices and a
// rollout_governor on the sum of its shares' reports. Pure: time comes in
// as `now`.

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/rollout_share.hpp"
#include "fleet/cloud/rollout_status.hpp"
#include "fleet/cloud/snapshot.hpp"

namespace fleet::cloud {

class rollout_phase {
 public:
  /// `policy` is valid; `wave_count` is the membership's (at least 1).
  rollout_phase(const rollout_policy& policy, std::uint32_t wave_count);

  /// The start time has come and the rollout waits for it.
  bool due_to_start(sim_time now) const;
  void start(sim_time now);
  /// Applies the rules in order (rollback, abort, gate, completion) to `tally` at `now`.
  void evaluate(sim_time now, const rollout_tally& tally);
  /// A device joined: a completed rollout runs again.
  void reopen(sim_time now);

  command_result pause(sim_time now);
  /// Resumes an operator pause (back to scheduled if it never started, and
  /// started if its time has come), or passes a held or failed gate; then evaluates.
  command_result resume(sim_time now, const rollout_tally& tally);
  command_result halt(sim_time now);

  /// The start time or the current wave's minimum duration, whichever is armed; `never` otherwise.
  sim_time next_deadline(sim_time last_now) const;

  /// Takes the control's decision (a governed share): state, wave, opening
  /// times and rollback request, and its transitions into the history.
  void follow(const rollout_orders& orders);
  /// What every share is told: the phase, and the transitions since the `since`-th one ever recorded.
  rollout_orders orders(std::uint64_t since) const;
  /// Fills the phase's part of a status: state, cause, wave, opening times, rollback, transition counts.
  void describe(rollout_status& s) const;

  rollout_state state() const { return state_; }
  pause_cause paused_by() const { return paused_by_; }
  bool started() const { return started_; }
  /// Running, paused or completed: reports may still change its state.
  bool active() const;
  std::uint32_t current_wave() const { return current_wave_; }
  std::uint32_t last_wave() const { return last_wave_; }
  std::uint32_t wave_count() const { return last_wave_ + 1; }
  const std::optional<rollback_request>& rollback() const { return rollback_; }
  /// The most recent transitions, oldest first, at most history_max.
  const std::deque<transition>& history() const { return history_; }
  std::uint64_t transitions() const { return transitions_; }

  /// Its part of a controller's snapshot (rollout_controller_state.cpp).
  void save(state::RolloutState& out) const;
  restore_status take(const state::RolloutState& in);

 private:
  void open_wave(sim_time now, std::uint32_t wave, transition_reason why);
  bool check_rollback(sim_time now, const rollout_tally& t);
  bool check_abort(sim_time now, const rollout_tally& t);
  void check_gate(sim_time now, const rollout_tally& t);
  void check_completion(sim_time now, const rollout_tally& t);
  void change(sim_time now, rollout_state to, transition_reason why);
  void record(const transition& t);

  sim_time start_at_;
  wave_gate gate_;
  abort_policy abort_;
  rollback_policy rollback_policy_;
  // Thresholds in parts per million: integer comparisons, no rounding surprises.
  std::uint64_t gate_ppm_ = 0;
  std::uint32_t last_wave_ = 0;
  std::uint32_t current_wave_ = 0;
  rollout_state state_ = rollout_state::scheduled;
  pause_cause paused_by_ = pause_cause::none;
  bool started_ = false;
  std::vector<sim_time> opened_at_;  ///< per wave; never until it opens
  std::deque<transition> history_;
  std::optional<rollback_request> rollback_;
  std::uint64_t transitions_ = 0;
  std::uint64_t transitions_dropped_ = 0;
};

/// count / of >= share (in parts per million), in integers.
inline bool reached(std::uint64_t count, std::uint64_t of, std::uint64_t share_ppm) {
  return count * 1'000'000 >= share_ppm * of;
}

/// A final state: the image is offered no more.
inline bool final_state(rollout_state s) {
  return s == rollout_state::halted || s == rollout_state::aborted || s == rollout_state::rollback_requested;
}

}  // namespace fleet::cloud
