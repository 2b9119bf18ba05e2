#include "fleet/device/simulated_device.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "fleet/check.hpp"

namespace fleet::device {
namespace {

const fw::config& checked_config(const device_spec& spec) {
  FLEET_CHECK(spec.config != nullptr, "device_spec without a config");
  FLEET_CHECK(spec.behaviour != nullptr, "device_spec without a behaviour model");
  FLEET_CHECK(spec.guardian == spec.config->guardian,
                     "guardian device needs a guardian config, and the other way round");
  return *spec.config;
}

}  // namespace

simulated_device::simulated_device(const device_spec& spec, chunk_store& store)
    : flash_(store, spec.run_seed, spec.device_index),
      secure_element_(spec.run_seed, spec.device_index),
      clock_(spec.clock_offset_us, spec.clock_drift_ppm),
      runtime_(*spec.behaviour, checked_config(spec).hardware_revision, spec.run_seed,
               spec.device_index),
      legacy_(spec.guardian ? std::make_unique<legacy_device>(spec.legacy, spec.run_seed,
                                                              spec.device_index)
                            : nullptr),
      core_(*spec.config, fw::hal{&flash_, &secure_element_, &clock_, &runtime_, legacy_.get()}),
      device_index_(spec.device_index) {
  timers_.fill(fw::never);
}

simulated_device::~simulated_device() = default;

void simulated_device::power_went(fw::sim_time now, bool comes_back) {
  powered_ = false;
  flash_.cut_power_now();
  runtime_.stop(now);
  timers_.fill(fw::never);  // RAM is gone: nothing the core armed survives
  if (comes_back && power_restore_at_ == fw::never) power_restore_at_ = now + power_restore_after_;
}

void simulated_device::note_outputs(fw::sim_time now, const fw::outputs& out, std::size_t from,
                                    bool host_power_off) {
  for (std::size_t i = from; i < out.size(); ++i) {
    if (const auto* arm = std::get_if<fw::arm_timer>(&out[i])) {
      const auto t = static_cast<std::size_t>(arm->which);
      FLEET_CHECK(t < timers_.size(), "arm_timer with an unknown timer");
      if (powered_) timers_[t] = arm->at;
    } else if (const auto* rec = std::get_if<fw::record>(&out[i])) {
      // A torn flash write took the power: it comes back on its own. When
      // the host cut the power, the host decided that already.
      if (rec->kind == fw::record_kind::powered_off && !host_power_off) power_went(now, true);
    }
  }
}

void simulated_device::handle(fw::sim_time now, const fw::input& in, fw::outputs& out) {
  const bool is_power_off = std::holds_alternative<fw::power_off>(in);
  if (std::holds_alternative<fw::power_on>(in)) {
    flash_.restore_power();
    powered_ = true;
    power_restore_at_ = fw::never;
  } else if (is_power_off) {
    power_went(now, false);
  }
  last_input_at_ = std::max(last_input_at_, now);
  const std::size_t from = out.size();
  core_.handle(now, in, out);
  note_outputs(now, out, from, is_power_off);
}

void simulated_device::cut_power(fw::sim_time now, fw::outputs& out) {
  if (!powered_) return;
  power_went(now, true);
  last_input_at_ = std::max(last_input_at_, now);
  const std::size_t from = out.size();
  core_.handle(now, fw::power_off{}, out);
  note_outputs(now, out, from, true);
}

fw::sim_time simulated_device::next_deadline() const {
  fw::sim_time t = std::min(power_restore_at_, runtime_.next_event_time());
  if (powered_) {
    t = std::min(t, core_.next_deadline());
    t = std::min(t, *std::min_element(timers_.begin(), timers_.end()));
  }
  if (legacy_) t = std::min(t, legacy_->next_reading_time());
  return t;
}

void simulated_device::deliver(fw::sim_time at, const fw::input& in, fw::outputs& out) {
  handle(std::max(at, last_input_at_), in, out);
}

void simulated_device::advance(fw::sim_time now, fw::outputs& out) {
  for (std::size_t step = 0;; ++step) {
    FLEET_CHECK(step < advance_steps_max, "advance: too many inputs due at once");
    const fw::sim_time software_at = runtime_.next_event_time();
    const fw::sim_time timer_at = *std::min_element(timers_.begin(), timers_.end());
    const fw::sim_time legacy_at = legacy_ ? legacy_->next_reading_time() : fw::never;
    const fw::sim_time t = std::min({power_restore_at_, software_at, timer_at, legacy_at});
    if (t == fw::never || t > now) break;

    if (power_restore_at_ == t) {
      deliver(t, fw::power_on{}, out);
    } else if (software_at == t) {
      if (auto event = runtime_.take_due_event(t)) deliver(t, *event, out);
    } else if (timer_at == t) {
      const auto it = std::find(timers_.begin(), timers_.end(), t);
      *it = fw::never;  // fired: a re-arm comes back through arm_timer
      const auto which = static_cast<fw::timer>(it - timers_.begin());
      deliver(t, fw::timer_fired{which}, out);
    } else {
      std::string reading = legacy_->take_reading(t);
      // Without power the guardian cannot listen: the reading is lost.
      if (powered_ && !reading.empty()) deliver(t, fw::legacy_data{std::move(reading)}, out);
    }
  }
  // Every deadline of the core must have come out as an arm_timer; otherwise
  // the host would wait on a deadline nobody can fire.
  FLEET_CHECK(!powered_ || core_.next_deadline() > now,
                     "core deadline passed without an arm_timer for it");
}

}  // namespace fleet::device
