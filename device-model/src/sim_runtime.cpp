#include "fleet/device/sim_runtime.hpp"

#include <algorithm>
#include <cmath>

namespace fleet::device {
namespace {

constexpr std::int32_t oom_kill_signal = 9;
constexpr double us_per_hour = 3.6e9;

/// now + d, saturating at fw::never.
fw::sim_time later(fw::sim_time now, fw::duration d) {
  if (d.count() < 0) return now;
  if (now == fw::never || d >= fw::never - now) return fw::never;
  return now + d;
}

}  // namespace

sim_runtime::sim_runtime(const behaviour_model& model, std::string_view hardware_revision,
                         std::uint64_t run_seed, std::uint64_t device_index)
    : model_(&model), revision_(hardware_revision), rng_(run_seed, device_index, "runtime") {}

void sim_runtime::start(fw::sim_time now, const fw::running_software& software) {
  const double u_boot = rng_.unit();
  const double u_health = rng_.unit();
  const double u_crash = rng_.unit();
  const double u_which = rng_.unit();

  double boots_ok = 1;
  double healthy = 1;
  double crash_rate = 0;
  fw::duration boot{0};
  std::optional<fw::duration> leak;
  fw::duration deferral{0};
  const version_behaviour* stages[fw::boot_chain_length] = {};
  for (std::size_t i = 0; i < fw::boot_chain_length; ++i) {
    if (i == fw::index_of(fw::component::app) && !software.app_present) continue;
    const version_behaviour& b = model_->lookup(software.image_names[i], software.versions[i]);
    stages[i] = &b;
    boots_ok *= 1 - b.boot_failure_for(revision_);
    healthy *= 1 - b.health_check_failure_probability;
    crash_rate += b.crash_rate_per_hour;
    boot = std::max(boot, b.boot_duration);
    if (b.leak_crash_after && (!leak || *b.leak_crash_after < *leak)) leak = b.leak_crash_after;
    if (i == fw::index_of(fw::component::app)) deferral = b.os_update_deferral;
  }

  ++starts_;
  running_ = true;
  deferral_ = deferral;
  outcome_at_ = later(now, boot);
  crash_at_ = fw::never;
  if (u_boot < 1 - boots_ok) {
    outcome_ = fw::software_event::kind::boot_failed;
    return;
  }
  if (u_health < 1 - healthy) {
    outcome_ = fw::software_event::kind::unhealthy;
    return;
  }
  outcome_ = fw::software_event::kind::ready;

  if (crash_rate > 0) {
    // Exponential uptime after ready; the stage that crashes is picked in
    // proportion to its rate.
    const double after_us = -std::log1p(-u_crash) / crash_rate * us_per_hour;
    if (after_us < 1e17) crash_at_ = later(outcome_at_, fw::duration(static_cast<std::int64_t>(after_us)));
    double pick = u_which * crash_rate;
    for (const version_behaviour* b : stages) {
      if (b == nullptr || b->crash_rate_per_hour <= 0) continue;
      crash_exit_status_ = b->crash_exit_status;
      crash_signal_ = b->crash_signal;
      pick -= b->crash_rate_per_hour;
      if (pick < 0) break;
    }
  }
  if (leak) {
    // A leak kills at a fixed uptime; it cannot come before ready is reported.
    const fw::sim_time leak_at = std::max(later(now, *leak), outcome_at_);
    if (leak_at <= crash_at_) {
      crash_at_ = leak_at;
      crash_exit_status_ = 0;
      crash_signal_ = oom_kill_signal;
    }
  }
}

void sim_runtime::stop(fw::sim_time) {
  running_ = false;
  outcome_at_ = fw::never;
  crash_at_ = fw::never;
  deferral_ = fw::duration{0};
}

fw::duration sim_runtime::os_update_deferral(fw::sim_time, fw::duration deferred) {
  if (!running_ || deferred >= deferral_) return fw::duration{0};
  return deferral_ - deferred;
}

fw::sim_time sim_runtime::next_event_time() const { return std::min(outcome_at_, crash_at_); }

std::optional<fw::software_event> sim_runtime::take_due_event(fw::sim_time now) {
  if (outcome_at_ != fw::never && outcome_at_ <= now) {
    outcome_at_ = fw::never;
    fw::software_event e;
    e.what = outcome_;
    if (outcome_ == fw::software_event::kind::boot_failed) running_ = false;
    return e;
  }
  if (crash_at_ != fw::never && crash_at_ <= now) {
    crash_at_ = fw::never;
    running_ = false;
    fw::software_event e;
    e.what = fw::software_event::kind::crashed;
    e.exit_status = crash_exit_status_;
    e.signal = crash_signal_;
    return e;
  }
  return std::nullopt;
}

}  // namespace fleet::device
