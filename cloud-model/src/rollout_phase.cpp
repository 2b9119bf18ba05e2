#include "rollout_phase.hpp"

#include <algorithm>
#include <cmath>

#include "fleet/check.hpp"

namespace fleet::cloud {
namespace {

std::uint64_t ppm(double share) { return static_cast<std::uint64_t>(std::llround(share * 1e6)); }

}  // namespace

rollout_phase::rollout_phase(const rollout_policy& policy, std::uint32_t wave_count)
    : start_at_(policy.start_at),
      gate_(policy.gate),
      abort_(policy.abort),
      rollback_policy_(policy.rollback),
      gate_ppm_(ppm(policy.gate.success_threshold)),
      last_wave_(wave_count - 1),
      opened_at_(wave_count, never) {
  FLEET_CHECK(wave_count >= 1 && wave_count <= waves_max, "a membership has 1 to waves_max waves");
}

bool rollout_phase::due_to_start(sim_time now) const {
  return !started_ && state_ == rollout_state::scheduled && now >= start_at_;
}

void rollout_phase::start(sim_time now) {
  started_ = true;
  change(now, rollout_state::running, transition_reason::started);
  opened_at_[0] = now;
}

void rollout_phase::open_wave(sim_time now, std::uint32_t wave, transition_reason why) {
  current_wave_ = wave;
  opened_at_[wave] = now;
  change(now, state_, why);
}

bool rollout_phase::active() const {
  return state_ == rollout_state::running || state_ == rollout_state::paused || state_ == rollout_state::completed;
}

void rollout_phase::reopen(sim_time now) {
  if (state_ == rollout_state::completed) change(now, rollout_state::running, transition_reason::late_joiner);
}

void rollout_phase::evaluate(sim_time now, const rollout_tally& tally) {
  // Failures are checked in every active state: a paused rollout still has
  // devices in flight whose reports may call for an abort or a rollback.
  if (!active()) return;
  if (check_rollback(now, tally)) return;
  if (check_abort(now, tally)) return;
  check_gate(now, tally);
  check_completion(now, tally);
}

bool rollout_phase::check_rollback(sim_time now, const rollout_tally& t) {
  std::optional<transition_reason> why;
  if (rollback_policy_.failed_devices && t.failed_now >= *rollback_policy_.failed_devices) {
    why = transition_reason::rollback_failed_devices;
  } else if (rollback_policy_.failed_share && reached(t.failed_now, t.devices, ppm(*rollback_policy_.failed_share))) {
    why = transition_reason::rollback_failed_share;
  }
  if (!why) return false;
  rollback_ = rollback_request{now, *why, t.failed_now, t.devices};
  paused_by_ = pause_cause::none;
  change(now, rollout_state::rollback_requested, *why);
  return true;
}

bool rollout_phase::check_abort(sim_time now, const rollout_tally& t) {
  const attempt_counts& a = t.attempts;
  const std::uint64_t sample = a.finished();
  const struct {
    const std::optional<abort_rule>& rule;
    std::uint64_t count;
    transition_reason why;
  } rules[] = {
      {abort_.failed, a.failed, transition_reason::abort_failed},
      {abort_.rejected, a.rejected, transition_reason::abort_rejected},
      {abort_.timed_out, a.timed_out, transition_reason::abort_timed_out},
      {abort_.any, a.failed + a.rejected + a.timed_out, transition_reason::abort_any},
  };
  for (const auto& r : rules) {
    if (r.rule && sample >= r.rule->min_sample && reached(r.count, sample, ppm(r.rule->threshold))) {
      paused_by_ = pause_cause::none;
      change(now, rollout_state::aborted, r.why);
      return true;
    }
  }
  return false;
}

void rollout_phase::check_gate(sim_time now, const rollout_tally& t) {
  while (state_ == rollout_state::running && current_wave_ < last_wave_) {
    const wave_status& wave = t.waves[current_wave_];
    if (wave.devices == 0) {
      // Nobody to wait for (a small group, or count waves larger than it).
      open_wave(now, current_wave_ + 1, transition_reason::wave_empty);
      continue;
    }
    const bool all_done = wave.done == wave.devices;
    const bool enough = reached(wave.outcomes.of(device_outcome::succeeded), wave.devices, gate_ppm_);
    const bool long_enough = now - opened_at_[current_wave_] >= gate_.min_wave_duration;
    if (enough && (all_done || long_enough)) {
      if (gate_.on_pass == gate_action::pause) {
        paused_by_ = pause_cause::gate_hold;
        change(now, rollout_state::paused, transition_reason::gate_hold);
        return;
      }
      open_wave(now, current_wave_ + 1, transition_reason::wave_opened);
      continue;
    }
    if (all_done) {
      paused_by_ = pause_cause::gate_failed;
      change(now, rollout_state::paused, transition_reason::gate_failed);
    }
    return;
  }
}

void rollout_phase::check_completion(sim_time now, const rollout_tally& t) {
  if (state_ == rollout_state::running && current_wave_ == last_wave_ && t.done == t.devices) {
    change(now, rollout_state::completed, transition_reason::all_done);
  }
}

command_result rollout_phase::pause(sim_time now) {
  if (state_ != rollout_state::scheduled && state_ != rollout_state::running && state_ != rollout_state::completed) {
    return command_result::not_allowed;
  }
  paused_by_ = pause_cause::operator_request;
  change(now, rollout_state::paused, transition_reason::operator_pause);
  return command_result::done;
}

command_result rollout_phase::resume(sim_time now, const rollout_tally& tally) {
  if (state_ != rollout_state::paused) return command_result::not_allowed;
  const pause_cause cause = paused_by_;
  paused_by_ = pause_cause::none;
  if (!started_) {
    // Paused before it started: back to waiting for the start time.
    change(now, rollout_state::scheduled, transition_reason::operator_resume);
    if (now >= start_at_) start(now);
    return command_result::done;
  }
  change(now, rollout_state::running, transition_reason::operator_resume);
  if (cause == pause_cause::gate_hold || cause == pause_cause::gate_failed) {
    // The operator's resume is the gate's decision: on to the next wave.
    FLEET_CHECK(current_wave_ < last_wave_, "the last wave has no gate");
    open_wave(now, current_wave_ + 1, transition_reason::wave_opened);
  }
  evaluate(now, tally);
  return command_result::done;
}

command_result rollout_phase::halt(sim_time now) {
  if (!active() && state_ != rollout_state::scheduled) return command_result::not_allowed;
  paused_by_ = pause_cause::none;
  change(now, rollout_state::halted, transition_reason::operator_halt);
  return command_result::done;
}

sim_time rollout_phase::next_deadline(sim_time last_now) const {
  sim_time next = never;
  if (!started_ && state_ == rollout_state::scheduled) next = start_at_;
  if (state_ == rollout_state::running && current_wave_ < last_wave_) {
    // The gate may pass on time alone once the threshold is met.
    const sim_time gate_at = opened_at_[current_wave_] + gate_.min_wave_duration;
    if (gate_at > last_now) next = std::min(next, gate_at);
  }
  return next;
}

void rollout_phase::change(sim_time now, rollout_state to, transition_reason why) {
  record({now, state_, to, current_wave_, why});
  state_ = to;
}

void rollout_phase::record(const transition& t) {
  history_.push_back(t);
  if (history_.size() > history_max) {
    history_.pop_front();
    ++transitions_dropped_;
  }
  ++transitions_;
}

void rollout_phase::follow(const rollout_orders& orders) {
  FLEET_CHECK(orders.opened_at.size() == opened_at_.size() && orders.current_wave <= last_wave_,
              "orders of this deployment's waves");
  for (const transition& t : orders.changes) record(t);
  state_ = orders.state;
  paused_by_ = orders.paused_by;
  current_wave_ = orders.current_wave;
  opened_at_ = orders.opened_at;
  rollback_ = orders.rollback;
}

rollout_orders rollout_phase::orders(std::uint64_t since) const {
  rollout_orders o;
  o.state = state_;
  o.paused_by = paused_by_;
  o.current_wave = current_wave_;
  o.opened_at = opened_at_;
  o.rollback = rollback_;
  const std::uint64_t missed = std::min<std::uint64_t>(transitions_ - std::min(since, transitions_), history_.size());
  o.changes.assign(history_.end() - static_cast<std::ptrdiff_t>(missed), history_.end());
  return o;
}

void rollout_phase::describe(rollout_status& s) const {
  s.state = state_;
  s.paused_by = paused_by_;
  s.current_wave = current_wave_;
  for (std::size_t w = 0; w < s.waves.size() && w < opened_at_.size(); ++w) s.waves[w].opened_at = opened_at_[w];
  s.rollback = rollback_;
  s.transitions = transitions_;
  s.transitions_dropped = transitions_dropped_;
}

}  // namespace fleet::cloud
