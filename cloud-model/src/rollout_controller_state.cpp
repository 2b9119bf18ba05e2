// A deployment's rollout controller in a snapshot: its policy and
// parameters (the controller is rebuilt from them, wave membership
// included), the device slots, wave opening times, pending timeouts, the
// history, the ramp and the counters. The wave tallies and the in-flight,
// failed and done counts are rebuilt from the slots, so they cannot
// disagree with them.
#include <algorithm>

#include "fleet/check.hpp"
#include "fleet/cloud/rollout_controller.hpp"
#include "offer_rate.hpp"
#include "rollout_phase.hpp"
#include "state_codec.hpp"
#include "wave_membership.hpp"

namespace fleet::cloud {
namespace {

void save_rule(const std::optional<abort_rule>& rule, state::AbortRuleState* (state::RolloutPolicyState::*field)(),
               state::RolloutPolicyState& out) {
  if (!rule) return;
  state::AbortRuleState* r = (out.*field)();
  r->set_threshold(rule->threshold);
  r->set_min_sample(rule->min_sample);
}

std::optional<abort_rule> take_rule(bool present, const state::AbortRuleState& in) {
  if (!present) return std::nullopt;
  return abort_rule{in.threshold(), in.min_sample()};
}

void save_policy(const rollout_policy& p, state::RolloutPolicyState& out) {
  out.set_start_at(codec::us(p.start_at));
  out.mutable_waves()->set_by(static_cast<std::uint32_t>(p.waves.by));
  for (const double v : p.waves.cumulative_percent) out.mutable_waves()->add_cumulative_percent(v);
  for (const std::uint32_t v : p.waves.sizes) out.mutable_waves()->add_sizes(v);
  if (p.ramp) {
    state::RampState* r = out.mutable_ramp();
    r->set_base_per_minute(p.ramp->base_per_minute);
    r->set_increment_factor(p.ramp->increment_factor);
    r->set_basis(static_cast<std::uint32_t>(p.ramp->basis));
    r->set_step_devices(p.ramp->step_devices);
    r->set_max_per_minute(p.ramp->max_per_minute);
  }
  out.set_in_flight_limit(p.in_flight_limit);
  out.set_gate_success_threshold(p.gate.success_threshold);
  out.set_gate_min_wave_duration(p.gate.min_wave_duration.count());
  out.set_gate_on_pass(static_cast<std::uint32_t>(p.gate.on_pass));
  save_rule(p.abort.failed, &state::RolloutPolicyState::mutable_abort_failed, out);
  save_rule(p.abort.rejected, &state::RolloutPolicyState::mutable_abort_rejected, out);
  save_rule(p.abort.timed_out, &state::RolloutPolicyState::mutable_abort_timed_out, out);
  save_rule(p.abort.any, &state::RolloutPolicyState::mutable_abort_any, out);
  out.set_device_timeout(p.device_timeout.count());
  out.set_retries_failed(p.retries.failed);
  out.set_retries_rejected(p.retries.rejected);
  out.set_retries_timed_out(p.retries.timed_out);
  for (const maintenance_window& w : p.windows) {
    state::WindowState* o = out.add_windows();
    o->set_start_of_day(w.start_of_day.count());
    o->set_length(w.length.count());
  }
  out.set_has_rollback_failed_share(p.rollback.failed_share.has_value());
  out.set_rollback_failed_share(p.rollback.failed_share.value_or(0));
  out.set_has_rollback_failed_devices(p.rollback.failed_devices.has_value());
  out.set_rollback_failed_devices(p.rollback.failed_devices.value_or(0));
}

/// The policy, or a problem; validate() then checks its values as for a new deployment.
restore_status take_policy(const state::RolloutPolicyState& in, rollout_policy& p) {
  if (in.waves().by() > static_cast<std::uint32_t>(wave_plan::kind::count) ||
      in.gate_on_pass() > static_cast<std::uint32_t>(gate_action::pause) ||
      (in.has_ramp() && in.ramp().basis() > static_cast<std::uint32_t>(ramp_basis::succeeded))) {
    return refused("a policy enum out of range");
  }
  if (static_cast<std::size_t>(in.waves().cumulative_percent_size()) > waves_max ||
      static_cast<std::size_t>(in.waves().sizes_size()) > waves_max ||
      static_cast<std::size_t>(in.windows_size()) > maintenance_windows_max) {
    return refused("a policy list past its limit");
  }
  p.start_at = codec::time(in.start_at());
  p.waves.by = static_cast<wave_plan::kind>(in.waves().by());
  p.waves.cumulative_percent.assign(in.waves().cumulative_percent().begin(), in.waves().cumulative_percent().end());
  p.waves.sizes.assign(in.waves().sizes().begin(), in.waves().sizes().end());
  if (in.has_ramp()) {
    p.ramp = ramp_policy{in.ramp().base_per_minute(), in.ramp().increment_factor(),
                         static_cast<ramp_basis>(in.ramp().basis()), in.ramp().step_devices(),
                         in.ramp().max_per_minute()};
  }
  p.in_flight_limit = in.in_flight_limit();
  p.gate = {in.gate_success_threshold(), duration{in.gate_min_wave_duration()},
            static_cast<gate_action>(in.gate_on_pass())};
  p.abort.failed = take_rule(in.has_abort_failed(), in.abort_failed());
  p.abort.rejected = take_rule(in.has_abort_rejected(), in.abort_rejected());
  p.abort.timed_out = take_rule(in.has_abort_timed_out(), in.abort_timed_out());
  p.abort.any = take_rule(in.has_abort_any(), in.abort_any());
  p.device_timeout = duration{in.device_timeout()};
  p.retries = {in.retries_failed(), in.retries_rejected(), in.retries_timed_out()};
  for (const auto& w : in.windows()) p.windows.push_back({duration{w.start_of_day()}, duration{w.length()}});
  if (in.has_rollback_failed_share()) p.rollback.failed_share = in.rollback_failed_share();
  if (in.has_rollback_failed_devices()) p.rollback.failed_devices = in.rollback_failed_devices();
  const std::vector<policy_error> errors = validate(p);
  if (!errors.empty()) return refused("policy: " + errors.front().field + ": " + errors.front().problem);
  return restored();
}

}  // namespace

void offer_rate::save(state::OfferRateState& out) const {
  out.set_rate(rate_);
  out.set_tokens(tokens_);
  out.set_refilled_at(codec::us(refilled_at_));
  out.set_counted(counted_);
}

restore_status offer_rate::restore(const state::OfferRateState& in) {
  // NaN fails every comparison: written so that it is refused.
  if (!(in.rate() >= 0 && in.rate() <= offers_per_minute_max) || !(in.tokens() >= 0 && in.tokens() <= std::max(1.0, in.rate()))) {
    return refused("the ramp's rate or tokens out of range");
  }
  rate_ = in.rate();
  tokens_ = in.tokens();
  refilled_at_ = codec::time(in.refilled_at());
  counted_ = in.counted();
  return restored();
}

void rollout_controller::save(state::RolloutState& out) const {
  save_policy(policy_, *out.mutable_policy());
  out.set_seed(params_.seed);
  out.set_devices_at_creation(params_.devices);
  out.set_wall_clock_at_zero_us(params_.wall_clock_at_zero.count());
  std::string slots;
  slots.reserve(devices_.size() * 3);
  for (const device_slot& s : devices_) {
    slots.push_back(static_cast<char>(s.outcome));
    slots.push_back(static_cast<char>(s.wave));
    slots.push_back(static_cast<char>(s.offers));
  }
  out.set_slots(std::move(slots));
  phase_->save(out);
  for (const pending_timeout& t : timeouts_) {
    state::PendingTimeout* o = out.add_timeouts();
    o->set_deadline(codec::us(t.deadline));
    o->set_device(t.device);
    o->set_offers(t.offers);
  }
  rate_->save(*out.mutable_rate());
  out.set_last_now(codec::us(last_now_));
  const attempt_counts& a = tally_.attempts;
  out.set_offers(a.offers);
  out.set_notified(a.notified);
  out.set_succeeded(a.succeeded);
  out.set_failed(a.failed);
  out.set_rejected(a.rejected);
  out.set_timed_out(a.timed_out);
  codec::put_counts(out.mutable_refused(), refused_);
  codec::put_counts(out.mutable_reports(), reports_);
  out.set_rollback_slots(std::string(rollback_slots_.begin(), rollback_slots_.end()));
  state::RollbackProgressState& r = *out.mutable_rolled_back();
  r.set_took(rolled_back_.took);
  r.set_offered(rolled_back_.offered);
  r.set_in_flight(rolled_back_.in_flight);
  r.set_committed(rolled_back_.committed);
  r.set_failed(rolled_back_.failed);
  r.set_rejected(rolled_back_.rejected);
  r.set_offers(rolled_back_.offers);
  r.set_last_committed_at(codec::us(rolled_back_.last_committed_at));
  codec::put_counts(r.mutable_refused(), rolled_back_.refused);
}

restore_status rollout_controller::restore(const state::RolloutState& in, std::unique_ptr<rollout_controller>& out) {
  rollout_policy policy;
  if (auto r = take_policy(in.policy(), policy); !r.ok()) return r;
  // Checked before anything is built for them: a made-up count would allocate.
  if (in.devices_at_creation() > devices_max || in.slots().size() / 3 < in.devices_at_creation()) {
    return refused("more devices than devices_max, or than slots saved");
  }
  deployment_params params;
  params.seed = in.seed();
  params.devices = in.devices_at_creation();
  params.wall_clock_at_zero = std::chrono::microseconds{in.wall_clock_at_zero_us()};
  // Built at its last time, then every field is taken from the state.
  auto controller = std::make_unique<rollout_controller>(policy, params, codec::time(in.last_now()));
  if (auto r = controller->take(in); !r.ok()) return r;
  out = std::move(controller);
  return restored();
}

restore_status rollout_controller::take(const state::RolloutState& in) {
  if (in.slots().size() % 3 != 0 || in.slots().size() / 3 < params_.devices || in.slots().size() / 3 > devices_max) {
    return refused("device slots: not 3 bytes a device, fewer than targeted, or past devices_max");
  }
  const std::size_t wave_count = tally_.waves.size();
  devices_.resize(in.slots().size() / 3);
  tally_ = rollout_tally{};
  tally_.waves.resize(wave_count);
  tally_.devices = static_cast<std::uint32_t>(devices_.size());
  in_flight_ = 0;
  for (std::size_t d = 0; d < devices_.size(); ++d) {
    device_slot& s = devices_[d];
    s = {static_cast<std::uint8_t>(in.slots()[3 * d]), static_cast<std::uint8_t>(in.slots()[3 * d + 1]),
         static_cast<std::uint8_t>(in.slots()[3 * d + 2])};
    if (s.outcome >= device_outcome_count || s.wave >= wave_count || s.offers > retries_max + 1 ||
        s.wave != membership_->wave_of(static_cast<device_index>(d))) {
      return refused("a device slot out of range, or in another wave than its membership");
    }
    wave_status& w = tally_.waves[s.wave];
    ++w.devices;
    ++w.outcomes.by_outcome[s.outcome];
    if (s.outcome == static_cast<std::uint8_t>(device_outcome::in_flight)) ++in_flight_;
    if (s.outcome == static_cast<std::uint8_t>(device_outcome::failed)) ++tally_.failed_now;
    if (is_done(s)) {
      ++w.done;
      ++tally_.done;
    }
  }
  timeouts_.clear();
  for (const auto& t : in.timeouts()) {
    if (t.device() >= devices_.size() || t.offers() > retries_max + 1) return refused("a timeout of an unknown device");
    if (!timeouts_.empty() && codec::time(t.deadline()) < timeouts_.back().deadline) {
      return refused("timeouts not in deadline order");
    }
    timeouts_.push_back({codec::time(t.deadline()), t.device(), static_cast<std::uint8_t>(t.offers())});
  }
  if (timeouts_.size() > devices_.size() * (retries_max + 1)) return refused("more timeouts than attempts");
  if (auto r = phase_->take(in); !r.ok()) return r;
  if (auto r = codec::within("ramp", rate_->restore(in.rate())); !r.ok()) return r;
  last_now_ = codec::time(in.last_now());
  tally_.attempts = {in.offers(), in.notified(), in.succeeded(), in.failed(), in.rejected(), in.timed_out()};
  if (!codec::take_counts(in.refused(), refused_) || !codec::take_counts(in.reports(), reports_)) {
    return refused("counters of another size");
  }
  if (in.rollback_slots().size() > devices_.size()) return refused("rollback slots past the targeted devices");
  for (const char c : in.rollback_slots()) {
    const auto b = static_cast<std::uint8_t>(c);
    if ((b & 0x0f) > 5 || (b >> 4) > rollback_attempts_max) return refused("a rollback slot out of range");
  }
  rollback_slots_.assign(in.rollback_slots().begin(), in.rollback_slots().end());
  const state::RollbackProgressState& r = in.rolled_back();
  rolled_back_.took = r.took();
  rolled_back_.offered = r.offered();
  rolled_back_.in_flight = r.in_flight();
  rolled_back_.committed = r.committed();
  rolled_back_.failed = r.failed();
  rolled_back_.rejected = r.rejected();
  rolled_back_.offers = r.offers();
  rolled_back_.last_committed_at = codec::time(r.last_committed_at());
  if (!codec::take_counts(r.refused(), rolled_back_.refused)) return refused("rollback refusals of another size");
  return restored();
}

void rollout_phase::save(state::RolloutState& out) const {
  for (const sim_time at : opened_at_) out.add_wave_opened_at(codec::us(at));
  for (const transition& t : history_) {
    state::TransitionState* o = out.add_history();
    o->set_at(codec::us(t.at));
    o->set_from(static_cast<std::uint32_t>(t.from));
    o->set_to(static_cast<std::uint32_t>(t.to));
    o->set_wave(t.wave);
    o->set_why(static_cast<std::uint32_t>(t.why));
  }
  out.set_current_wave(current_wave_);
  out.set_state(static_cast<std::uint32_t>(state_));
  out.set_paused_by(static_cast<std::uint32_t>(paused_by_));
  out.set_started(started_);
  if (rollback_) {
    state::RollbackRequestState* r = out.mutable_rollback();
    r->set_at(codec::us(rollback_->at));
    r->set_why(static_cast<std::uint32_t>(rollback_->why));
    r->set_failed_devices(rollback_->failed_devices);
    r->set_targeted_devices(rollback_->targeted_devices);
  }
  out.set_transitions(transitions_);
  out.set_transitions_dropped(transitions_dropped_);
}

restore_status rollout_phase::take(const state::RolloutState& in) {
  constexpr auto transition_reason_last = static_cast<std::uint32_t>(transition_reason::late_joiner);
  constexpr auto rollout_state_last = static_cast<std::uint32_t>(rollout_state::rollback_requested);
  if (static_cast<std::size_t>(in.wave_opened_at_size()) != opened_at_.size()) return refused("wave times of another count");
  for (std::size_t w = 0; w < opened_at_.size(); ++w) opened_at_[w] = codec::time(in.wave_opened_at(static_cast<int>(w)));
  if (static_cast<std::size_t>(in.history_size()) > history_max) return refused("a history past history_max");
  history_.clear();
  for (const auto& t : in.history()) {
    if (t.from() > rollout_state_last || t.to() > rollout_state_last || t.why() > transition_reason_last ||
        t.wave() > last_wave_) {
      return refused("a transition out of range");
    }
    history_.push_back({codec::time(t.at()), static_cast<rollout_state>(t.from()), static_cast<rollout_state>(t.to()),
                        t.wave(), static_cast<transition_reason>(t.why())});
  }
  if (in.current_wave() > last_wave_ || in.state() > rollout_state_last ||
      in.paused_by() > static_cast<std::uint32_t>(pause_cause::gate_failed)) {
    return refused("the current wave, state or pause cause out of range");
  }
  current_wave_ = in.current_wave();
  state_ = static_cast<rollout_state>(in.state());
  paused_by_ = static_cast<pause_cause>(in.paused_by());
  started_ = in.started();
  rollback_.reset();
  if (in.has_rollback()) {
    if (in.rollback().why() > transition_reason_last) return refused("a rollback reason out of range");
    rollback_ = rollback_request{codec::time(in.rollback().at()), static_cast<transition_reason>(in.rollback().why()),
                                 in.rollback().failed_devices(), in.rollback().targeted_devices()};
  }
  transitions_ = in.transitions();
  transitions_dropped_ = in.transitions_dropped();
  return restored();
}

}  // namespace fleet::cloud
