#pragma once
// The device's real-time clock: an epoch, a settable offset (a clock set
// wrong, or jumped) and a drift in parts per million of elapsed simulated time.

#include <cstdint>

#include "fleet/fw/hal.hpp"

namespace fleet::device {

/// 2026-01-01T00:00:00Z in microseconds since the Unix epoch: wall time at
/// simulated time zero.
inline constexpr std::int64_t default_epoch_us = 1767225600LL * 1000000LL;

class sim_clock final : public fw::clock_hal {
 public:
  explicit sim_clock(std::int64_t offset_us = 0, double drift_ppm = 0,
                     std::int64_t epoch_us = default_epoch_us)
      : epoch_us_(epoch_us), offset_us_(offset_us), drift_ppm_(drift_ppm) {}

  /// epoch + now + offset + drift_ppm * now / 1e6 (drift term truncated to whole us).
  std::int64_t wall_time_us(fw::sim_time now) const override {
    const std::int64_t elapsed = now.count();
    const auto drift = static_cast<std::int64_t>(drift_ppm_ * static_cast<double>(elapsed) / 1e6);
    return epoch_us_ + elapsed + offset_us_ + drift;
  }

  void set_offset(std::int64_t offset_us) { offset_us_ = offset_us; }
  /// The clock jumps by `delta` (forwards or backwards) from now on.
  void jump(fw::duration delta) { offset_us_ += delta.count(); }
  void set_drift_ppm(double drift_ppm) { drift_ppm_ = drift_ppm; }

  std::int64_t offset_us() const { return offset_us_; }
  double drift_ppm() const { return drift_ppm_; }
  std::int64_t epoch_us() const { return epoch_us_; }

 private:
  std::int64_t epoch_us_;
  std::int64_t offset_us_;
  double drift_ppm_;
};

}  // namespace fleet::device
