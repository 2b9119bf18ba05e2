#include "fleet/device/sim_clock.hpp"

#include <gtest/gtest.h>

namespace fleet::device {
namespace {

using namespace std::chrono_literals;

TEST(sim_clock, default_epoch_is_2026_01_01_utc) {
  // 56 years since 1970, 14 of them leap years.
  EXPECT_EQ(default_epoch_us, (56LL * 365 + 14) * 86400 * 1000000);
  const sim_clock clock;
  EXPECT_EQ(clock.wall_time_us(fw::sim_time{0}), default_epoch_us);
  EXPECT_EQ(clock.wall_time_us(fw::sim_time{1h}), default_epoch_us + 3600LL * 1000000);
}

TEST(sim_clock, offset_and_jump_shift_the_wall_time) {
  sim_clock clock(-5'000'000);
  EXPECT_EQ(clock.wall_time_us(fw::sim_time{10s}), default_epoch_us + 5'000'000);
  clock.jump(-1h);
  EXPECT_EQ(clock.wall_time_us(fw::sim_time{10s}), default_epoch_us + 5'000'000 - 3'600'000'000LL);
  clock.jump(2h);
  EXPECT_EQ(clock.offset_us(), -5'000'000 + 3'600'000'000LL);
  clock.set_offset(0);
  EXPECT_EQ(clock.wall_time_us(fw::sim_time{10s}), default_epoch_us + 10'000'000);
}

TEST(sim_clock, drift_grows_with_elapsed_time) {
  sim_clock fast(0, 100);   // +100 ppm: 8.64 s a day
  sim_clock slow(0, -50);
  const fw::sim_time day{24h};
  EXPECT_EQ(fast.wall_time_us(day), default_epoch_us + 86'400'000'000LL + 8'640'000);
  EXPECT_EQ(slow.wall_time_us(day), default_epoch_us + 86'400'000'000LL - 4'320'000);
  EXPECT_EQ(fast.wall_time_us(fw::sim_time{0}), default_epoch_us);
  sim_clock mixed(1'000, 10, 0);  // explicit epoch 0
  EXPECT_EQ(mixed.wall_time_us(fw::sim_time{1'000'000}), 1'000'000 + 1'000 + 10);
}

}  // namespace
}  // namespace fleet::device
