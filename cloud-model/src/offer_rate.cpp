#include "offer_rate.hpp"

#include <algorithm>

namespace fleet::cloud {

namespace {
constexpr double us_per_minute = 60e6;
}

offer_rate::offer_rate(const std::optional<ramp_policy>& ramp) : ramp_(ramp) {
  if (ramp_) rate_ = ramp_->base_per_minute;
}

double offer_rate::capacity() const { return std::max(1.0, rate_); }

void offer_rate::start(sim_time now) {
  tokens_ = capacity();
  refilled_at_ = now;
}

void offer_rate::refill(sim_time now) {
  if (now <= refilled_at_) return;
  const double elapsed_us = static_cast<double>((now - refilled_at_).count());
  tokens_ = std::min(capacity(), tokens_ + rate_ * elapsed_us / us_per_minute);
  refilled_at_ = now;
}

bool offer_rate::try_take(sim_time now) {
  if (!ramp_) return true;
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void offer_rate::on_notified(sim_time now) {
  if (ramp_ && ramp_->basis == ramp_basis::notified) count_towards_step(now);
}

void offer_rate::on_succeeded(sim_time now) {
  if (ramp_ && ramp_->basis == ramp_basis::succeeded) count_towards_step(now);
}

void offer_rate::count_towards_step(sim_time now) {
  // Time up to now earns tokens at the old rate.
  refill(now);
  ++counted_;
  if (counted_ % ramp_->step_devices == 0) {
    rate_ = std::min(ramp_->max_per_minute, rate_ * ramp_->increment_factor);
  }
}

std::optional<double> offer_rate::per_minute() const {
  if (!ramp_) return std::nullopt;
  return rate_;
}

}  // namespace fleet::cloud
