#include "fleet/cloud/rollout_controller.hpp"

#include <cmath>
#include <optional>

#include "fleet/check.hpp"
#include "offer_rate.hpp"
#include "rollout_phase.hpp"
#include "wave_membership.hpp"

namespace fleet::cloud {
namespace {

enum class report_kind : std::uint8_t { progress, success, failure, rejection, unspecified };

report_kind classify(wire::UpdateOutcome o) {
  switch (o) {
    case wire::COMMITTED: return report_kind::success;
    case wire::ROLLED_BACK:
    case wire::FAILED: return report_kind::failure;
    case wire::REJECTED: return report_kind::rejection;
    case wire::DOWNLOADED:
    case wire::INSTALLED:
    case wire::DEFERRED: return report_kind::progress;
    default: return report_kind::unspecified;
  }
}

device_outcome outcome_of_report(report_kind k) {
  switch (k) {
    case report_kind::success: return device_outcome::succeeded;
    case report_kind::failure: return device_outcome::failed;
    case report_kind::rejection: return device_outcome::rejected;
    default: break;
  }
  FLEET_CHECK(false, "only final reports have an outcome");
  return device_outcome::pending;
}

/// The checks every outcome report passes first: a targeted device, an outcome that is one.
struct screened {
  std::optional<report_result> refusal;
  report_kind kind = report_kind::unspecified;
};

screened screen(std::size_t devices, device_index device, wire::UpdateOutcome outcome) {
  if (device >= devices) return {report_result::unknown_device};
  const report_kind kind = classify(outcome);
  if (kind == report_kind::unspecified) return {report_result::unspecified};
  return {std::nullopt, kind};
}

bool is_failure(device_outcome o) {
  return o == device_outcome::failed || o == device_outcome::rejected || o == device_outcome::timed_out;
}

/// It committed the image: it runs it (or ran it until the cloud rolled it back).
bool took(device_outcome o) { return o == device_outcome::succeeded || o == device_outcome::failed_after_commit; }

/// Counted by the rollback policy.
bool counts_as_failed(device_outcome o) {
  return o == device_outcome::failed || o == device_outcome::failed_after_commit;
}

/// A rollback attempt's state, the low nibble of its per-device byte.
enum class rollback_slot : std::uint8_t { none, in_flight, committed, failed, rejected, trial_failed };
constexpr std::uint8_t rollback_state_mask = 0x0f;
static_assert(rollback_attempts_max < 16, "attempts fit the high nibble");

rollback_slot state_of(std::uint8_t b) { return static_cast<rollback_slot>(b & rollback_state_mask); }
std::uint32_t attempts_of(std::uint8_t b) { return b >> 4; }
std::uint8_t pack(rollback_slot s, std::uint32_t attempts) {
  return static_cast<std::uint8_t>((attempts << 4) | static_cast<std::uint8_t>(s));
}

template <typename Array, typename Enum>
void bump(Array& counters, Enum e) {
  ++counters[static_cast<std::size_t>(e)];
}

}  // namespace

rollout_controller::rollout_controller(const rollout_policy& policy, const deployment_params& params,
                                       sim_time now)
    : policy_(policy),
      params_(params),
      membership_(std::make_unique<wave_membership>(policy.waves, params.seed, params.devices)),
      rate_(std::make_unique<offer_rate>(policy.ramp)),
      phase_(std::make_unique<rollout_phase>(policy, membership_->wave_count())),
      last_now_(now) {
  FLEET_CHECK(validate(policy).empty(), "the caller validates the policy");
  FLEET_CHECK(params.devices <= devices_max, "the caller bounds the target group");
  static_assert(sizeof(device_slot) == 3, "three bytes per device");
  static_assert(waves_max <= 256 && retries_max + 1 < 256, "wave and offers fit a byte");

  tally_.waves.resize(membership_->wave_count());
  devices_.resize(params.devices);
  tally_.devices = params.devices;
  for (device_index d = 0; d < params.devices; ++d) {
    const std::uint32_t w = membership_->wave_of(d);
    devices_[d] = {static_cast<std::uint8_t>(device_outcome::pending), static_cast<std::uint8_t>(w), 0};
    ++tally_.waves[w].devices;
    bump(tally_.waves[w].outcomes.by_outcome, device_outcome::pending);
  }
  advance(now);
}

rollout_controller::~rollout_controller() = default;
rollout_controller::rollout_controller(rollout_controller&&) noexcept = default;
rollout_controller& rollout_controller::operator=(rollout_controller&&) noexcept = default;

// ------------------------------------------------------------ device inputs

offer_decision rollout_controller::decide(sim_time now, device_index device) {
  advance(now);
  auto refuse = [this](offer_refusal why) {
    bump(refused_, why);
    return offer_decision{false, false, why};
  };
  if (device >= devices_.size()) return refuse(offer_refusal::unknown_device);
  switch (phase_->state()) {
    case rollout_state::scheduled: return refuse(offer_refusal::not_started);
    case rollout_state::paused: return refuse(offer_refusal::paused);
    case rollout_state::halted:
    case rollout_state::aborted:
    case rollout_state::rollback_requested: return refuse(offer_refusal::stopped);
    case rollout_state::running:
    case rollout_state::completed: break;
  }
  device_slot& slot = devices_[device];
  const auto outcome = static_cast<device_outcome>(slot.outcome);
  // A device that asks again while in flight lost its offer (a reboot, a
  // power loss): it gets it again, without a new attempt, slot or token.
  if (outcome == device_outcome::in_flight) return {true, true, offer_refusal::none};
  if (took(outcome)) return refuse(offer_refusal::already_updated);
  if (is_failure(outcome) && !may_retry(slot)) return refuse(offer_refusal::retries_exhausted);
  if (slot.wave > phase_->current_wave()) return refuse(offer_refusal::wave_not_open);
  if (!in_window(policy_.windows, params_.wall_clock_at_zero + now)) return refuse(offer_refusal::outside_window);
  if (in_flight_ >= in_flight_limit()) return refuse(offer_refusal::in_flight_full);
  // Last: taking a token spends it.
  if (!take_offer(now)) return refuse(offer_refusal::rate_limited);

  const bool first = slot.offers == 0;
  set_outcome(device, device_outcome::in_flight);  // before offers changes: done-ness reads it
  ++slot.offers;
  ++in_flight_;
  ++tally_.attempts.offers;
  if (first) {
    ++tally_.attempts.notified;
    count_for_ramp(now, ramp_basis::notified);
  }
  timeouts_.push_back({now + policy_.device_timeout, device, slot.offers});
  return {true, false, offer_refusal::none};
}

report_result rollout_controller::report(sim_time now, device_index device, wire::UpdateOutcome outcome) {
  advance(now);
  const screened first = screen(devices_.size(), device, outcome);
  if (first.refusal) return answer(*first.refusal);
  const report_kind kind = first.kind;

  switch (static_cast<device_outcome>(devices_[device].outcome)) {
    case device_outcome::pending:
      return answer(report_result::not_offered);
    case device_outcome::succeeded:
    case device_outcome::failed:
    case device_outcome::rejected:
    case device_outcome::failed_after_commit:
      return answer(report_result::already_final);
    case device_outcome::in_flight:
      if (kind == report_kind::progress) return answer(report_result::progress);
      finish_attempt(now, device, outcome_of_report(kind));
      evaluate(now);
      return answer(report_result::counted);
    case device_outcome::timed_out:
      // The attempt was counted as timed out and stays so in the abort
      // figures; the device's own outcome follows what it says it did, so a
      // late success is not offered again.
      if (kind != report_kind::progress) {
        set_outcome(device, outcome_of_report(kind));
        if (kind == report_kind::success) count_for_ramp(now, ramp_basis::succeeded);
        evaluate(now);
      }
      return answer(report_result::late);
  }
  FLEET_CHECK(false, "device outcome out of range");
  return report_result::unspecified;
}

bool rollout_controller::report_failure_after_commit(sim_time now, device_index device) {
  advance(now);
  if (device >= devices_.size() || static_cast<device_outcome>(devices_[device].outcome) != device_outcome::succeeded) {
    return false;
  }
  set_outcome(device, device_outcome::failed_after_commit);
  evaluate(now);
  return true;
}

// ----------------------------------------------------------- the rollback

rollback_decision rollout_controller::decide_rollback(sim_time now, device_index device) {
  advance(now);
  auto refuse = [this](rollback_refusal why) {
    bump(rolled_back_.refused, why);
    return rollback_decision{false, false, why};
  };
  if (device >= devices_.size()) return refuse(rollback_refusal::unknown_device);
  if (!phase_->rollback()) return refuse(rollback_refusal::not_requested);
  if (!took(static_cast<device_outcome>(devices_[device].outcome))) return refuse(rollback_refusal::did_not_take);
  if (rollback_slots_.size() < devices_.size()) rollback_slots_.resize(devices_.size(), 0);
  std::uint8_t& slot = rollback_slots_[device];
  const std::uint32_t attempts = attempts_of(slot);
  switch (state_of(slot)) {
    case rollback_slot::in_flight: return {true, true, rollback_refusal::none};  // it lost the offer: again
    case rollback_slot::committed: return refuse(rollback_refusal::already_rolled_back);
    case rollback_slot::rejected: return refuse(rollback_refusal::rejected);
    case rollback_slot::trial_failed: return refuse(rollback_refusal::failed_its_trial);
    case rollback_slot::failed:
      if (attempts >= rollback_attempts_max) return refuse(rollback_refusal::attempts_exhausted);
      --rolled_back_.failed;
      break;
    case rollback_slot::none: ++rolled_back_.offered; break;
  }
  slot = pack(rollback_slot::in_flight, attempts + 1);
  ++rolled_back_.in_flight;
  ++rolled_back_.offers;
  return {true, false, rollback_refusal::none};
}

report_result rollout_controller::report_rollback(sim_time now, device_index device, wire::UpdateOutcome outcome) {
  advance(now);
  // Counted with the rollout's own reports: one tally of what devices said.
  const screened first = screen(devices_.size(), device, outcome);
  if (first.refusal) return answer(*first.refusal);
  const report_kind kind = first.kind;
  const std::uint8_t before = device < rollback_slots_.size() ? rollback_slots_[device] : 0;
  switch (state_of(before)) {
    case rollback_slot::none: return answer(report_result::not_offered);
    case rollback_slot::committed:
    case rollback_slot::failed:
    case rollback_slot::rejected:
    case rollback_slot::trial_failed: return answer(report_result::already_final);
    case rollback_slot::in_flight: break;
  }
  if (kind == report_kind::progress) return answer(report_result::progress);
  --rolled_back_.in_flight;
  rollback_slot to = rollback_slot::failed;
  switch (kind) {
    case report_kind::success:
      to = rollback_slot::committed;
      ++rolled_back_.committed;
      rolled_back_.last_committed_at = now;
      break;
    case report_kind::rejection:
      to = rollback_slot::rejected;
      ++rolled_back_.rejected;
      break;
    default:
      // A trial that failed marks the image on the device, which never
      // installs it again: offering it more would only cost downloads.
      to = outcome == wire::ROLLED_BACK ? rollback_slot::trial_failed : rollback_slot::failed;
      ++rolled_back_.failed;
      break;
  }
  rollback_slots_[device] = pack(to, attempts_of(before));
  return answer(report_result::counted);
}

report_result rollout_controller::answer(report_result r) {
  bump(reports_, r);
  return r;
}

std::optional<device_index> rollout_controller::add_device(sim_time now) {
  advance(now);
  if (devices_.size() >= devices_max) return std::nullopt;
  const auto device = static_cast<device_index>(devices_.size());
  const std::uint32_t w = membership_->wave_of(device);
  devices_.push_back({static_cast<std::uint8_t>(device_outcome::pending), static_cast<std::uint8_t>(w), 0});
  ++tally_.devices;
  ++tally_.waves[w].devices;
  bump(tally_.waves[w].outcomes.by_outcome, device_outcome::pending);
  // Governed: the governor sees the group grow in the next report and reopens it fleet-wide.
  if (!params_.governed) phase_->reopen(now);
  evaluate(now);
  return device;
}

// --------------------------------------------------------- operator inputs

command_result rollout_controller::pause(sim_time now) {
  advance(now);
  if (params_.governed) return command_result::not_allowed;
  return phase_->pause(now);
}

command_result rollout_controller::resume(sim_time now) {
  advance(now);
  if (params_.governed) return command_result::not_allowed;
  const bool started = phase_->started();
  const command_result r = phase_->resume(now, tally_);
  if (!started && phase_->started()) rate_->start(now);
  return r;
}

command_result rollout_controller::halt(sim_time now) {
  advance(now);
  const command_result r = phase_->halt(now);
  if (r == command_result::done && params_.governed) halt_requested_ = true;
  return r;
}

// ------------------------------------------------------------ governed

void rollout_controller::follow(const rollout_orders& orders) {
  FLEET_CHECK(params_.governed, "only a governed controller takes orders");
  // A share halted here stays halted until the control's own decision is final.
  if (phase_->state() != rollout_state::halted || final_state(orders.state)) phase_->follow(orders);
  orders_in_flight_limit_ = orders.in_flight_limit;
  orders_offers_ = orders.offers;
}

rollout_share_report rollout_controller::share_report() {
  FLEET_CHECK(params_.governed, "only a governed controller reports to a governor");
  rollout_share_report r;
  r.tally = tally_;
  r.in_flight = in_flight_;
  for (std::uint32_t w = 0; w <= phase_->current_wave(); ++w) {
    const wave_status& wave = tally_.waves[w];
    r.eligible += wave.devices - wave.done - wave.outcomes.of(device_outcome::in_flight);
  }
  r.rolled_back = rollback_progress_now();
  r.refused = refused_;
  r.reports = reports_;
  r.ramp_counted = ramp_counted_;
  r.offers_unused = orders_offers_.value_or(0);
  r.halt_requested = halt_requested_;
  // Closes the orders until the next ones: what is not spent now goes back to the governor.
  orders_in_flight_limit_ = in_flight_;
  if (orders_offers_) orders_offers_ = 0;
  halt_requested_ = false;
  return r;
}

// ------------------------------------------------------------------ time

void rollout_controller::advance(sim_time now) {
  FLEET_CHECK(now >= last_now_, "simulated time never goes back");
  last_now_ = now;
  if (!params_.governed && phase_->due_to_start(now)) start(now);
  // Deadlines are pushed in offer order with one timeout, so the queue is
  // sorted. An entry is stale once its attempt ended or a retry replaced it.
  while (!timeouts_.empty()) {
    const pending_timeout t = timeouts_.front();
    const device_slot& slot = devices_[t.device];
    const bool live = slot.outcome == static_cast<std::uint8_t>(device_outcome::in_flight) && slot.offers == t.offers;
    if (live && t.deadline > now) break;
    timeouts_.pop_front();
    if (live) finish_attempt(now, t.device, device_outcome::timed_out);
  }
  evaluate(now);
}

sim_time rollout_controller::next_deadline() const {
  // Governed: the phase's deadlines are the governor's.
  sim_time next = params_.governed ? never : phase_->next_deadline(last_now_);
  if (!timeouts_.empty()) next = std::min(next, timeouts_.front().deadline);
  return next;
}

// ------------------------------------------------------------- internals

bool rollout_controller::may_retry(const device_slot& s) const {
  const std::uint32_t retries_used = s.offers == 0 ? 0 : s.offers - 1u;
  switch (static_cast<device_outcome>(s.outcome)) {
    case device_outcome::failed: return retries_used < policy_.retries.failed;
    case device_outcome::rejected: return retries_used < policy_.retries.rejected;
    case device_outcome::timed_out: return retries_used < policy_.retries.timed_out;
    default: return false;
  }
}

bool rollout_controller::is_done(const device_slot& s) const {
  const auto o = static_cast<device_outcome>(s.outcome);
  return took(o) || (is_failure(o) && !may_retry(s));
}

void rollout_controller::set_outcome(device_index d, device_outcome to) {
  device_slot& slot = devices_[d];
  wave_status& wave = tally_.waves[slot.wave];
  const auto from = static_cast<device_outcome>(slot.outcome);
  if (is_done(slot)) {
    --wave.done;
    --tally_.done;
  }
  if (counts_as_failed(from)) --tally_.failed_now;
  --wave.outcomes.by_outcome[static_cast<std::size_t>(from)];
  slot.outcome = static_cast<std::uint8_t>(to);
  bump(wave.outcomes.by_outcome, to);
  if (counts_as_failed(to)) ++tally_.failed_now;
  if (is_done(slot)) {
    ++wave.done;
    ++tally_.done;
  }
}

void rollout_controller::finish_attempt(sim_time now, device_index d, device_outcome o) {
  FLEET_CHECK(devices_[d].outcome == static_cast<std::uint8_t>(device_outcome::in_flight),
                    "only an attempt in flight finishes");
  --in_flight_;
  switch (o) {
    case device_outcome::succeeded:
      ++tally_.attempts.succeeded;
      count_for_ramp(now, ramp_basis::succeeded);
      break;
    case device_outcome::failed: ++tally_.attempts.failed; break;
    case device_outcome::rejected: ++tally_.attempts.rejected; break;
    case device_outcome::timed_out: ++tally_.attempts.timed_out; break;
    default: FLEET_CHECK(false, "an attempt finishes with a final outcome");
  }
  set_outcome(d, o);
}

void rollout_controller::start(sim_time now) {
  phase_->start(now);
  rate_->start(now);
}

void rollout_controller::evaluate(sim_time now) {
  if (!params_.governed) phase_->evaluate(now, tally_);
}

void rollout_controller::count_for_ramp(sim_time now, ramp_basis basis) {
  if (!params_.governed) {
    if (basis == ramp_basis::notified) rate_->on_notified(now);
    if (basis == ramp_basis::succeeded) rate_->on_succeeded(now);
  } else if (policy_.ramp && policy_.ramp->basis == basis) {
    ++ramp_counted_;
  }
}

bool rollout_controller::take_offer(sim_time now) {
  if (!params_.governed) return rate_->try_take(now);
  if (!orders_offers_) return true;  // no ramp
  if (*orders_offers_ == 0) return false;
  --*orders_offers_;
  return true;
}

std::uint32_t rollout_controller::in_flight_limit() const {
  return params_.governed ? orders_in_flight_limit_ : policy_.in_flight_limit;
}

// ------------------------------------------------------------------ views

rollout_status rollout_controller::status() const {
  rollout_status s;
  s.waves = tally_.waves;
  phase_->describe(s);
  s.devices = devices();
  s.in_flight = in_flight_;
  s.attempts = tally_.attempts;
  // Governed: the governor holds the ramp.
  if (!params_.governed) s.offers_per_minute = rate_->per_minute();
  s.rolled_back = rollback_progress_now();
  s.refused = refused_;
  s.reports = reports_;
  return s;
}

rollback_progress rollout_controller::rollback_progress_now() const {
  rollback_progress r = rolled_back_;
  for (const wave_status& w : tally_.waves) {
    r.took += w.outcomes.of(device_outcome::succeeded) + w.outcomes.of(device_outcome::failed_after_commit);
  }
  return r;
}

rollout_state rollout_controller::state() const { return phase_->state(); }
std::uint32_t rollout_controller::current_wave() const { return phase_->current_wave(); }
std::uint32_t rollout_controller::wave_count() const { return phase_->wave_count(); }
const std::deque<transition>& rollout_controller::history() const { return phase_->history(); }

std::uint32_t rollout_controller::wave_of(device_index device) const {
  FLEET_CHECK(device < devices_.size(), "device in the target group");
  return devices_[device].wave;
}

device_outcome rollout_controller::outcome_of(device_index device) const {
  FLEET_CHECK(device < devices_.size(), "device in the target group");
  return static_cast<device_outcome>(devices_[device].outcome);
}

std::uint32_t rollout_controller::offers_to(device_index device) const {
  FLEET_CHECK(device < devices_.size(), "device in the target group");
  return devices_[device].offers;
}

}  // namespace fleet::cloud
