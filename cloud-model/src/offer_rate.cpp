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

void offer_rate::on_counted(sim_time now, std::uint64_t n) {
  if (!ramp_ || n == 0) return;
  refill(now);
  // Each step crossed multiplies the rate once, as n calls of count_towards_step would.
  const std::uint64_t steps = (counted_ + n) / ramp_->step_devices - counted_ / ramp_->step_devices;
  counted_ += n;
  for (std::uint64_t i = 0; i < steps && rate_ < ramp_->max_per_minute; ++i) {
    rate_ = std::min(ramp_->max_per_minute, rate_ * ramp_->increment_factor);
  }
}

std::uint64_t offer_rate::take_whole(sim_time now, std::uint64_t most) {
  if (!ramp_) return 0;
  refill(now);
  const auto whole = std::min(most, static_cast<std::uint64_t>(tokens_));
  tokens_ -= static_cast<double>(whole);
  return whole;
}

void offer_rate::give_back(std::uint64_t offers) {
  if (ramp_) tokens_ = std::min(capacity(), tokens_ + static_cast<double>(offers));
}

std::optional<double> offer_rate::per_minute() const {
  if (!ramp_) return std::nullopt;
  return rate_;
}

}  // namespace fleet::cloud
