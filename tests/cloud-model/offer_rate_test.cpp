#include "offer_rate.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

ramp_policy ramp(double base, double factor, std::uint32_t step, double max, ramp_basis basis = ramp_basis::notified) {
  ramp_policy r;
  r.base_per_minute = base;
  r.increment_factor = factor;
  r.step_devices = step;
  r.max_per_minute = max;
  r.basis = basis;
  return r;
}

/// Offers taken in [from, from + span) when asked every `every`.
int taken(offer_rate& rate, sim_time from, duration span, duration every) {
  int n = 0;
  for (sim_time t = from; t < from + span; t += every) n += rate.try_take(t);
  return n;
}

TEST(offer_rate, no_ramp_allows_every_offer) {
  offer_rate rate(std::nullopt);
  rate.start(sim_time{0});
  EXPECT_EQ(taken(rate, sim_time{0}, 1s, 1ms), 1000);
  EXPECT_FALSE(rate.per_minute().has_value());
}

TEST(offer_rate, base_rate_holds_after_the_first_minute_burst) {
  offer_rate rate(ramp(10, 2, 1000, 1000));
  rate.start(sim_time{0});
  EXPECT_EQ(taken(rate, sim_time{0}, 1s, 10ms), 10);  // one minute of the base rate at the start
  EXPECT_FALSE(rate.try_take(sim_time{1s}));
  EXPECT_TRUE(rate.try_take(sim_time{7s}));           // one offer every 6 s at 10/min
  EXPECT_EQ(taken(rate, sim_time{7s} + 1ms, 10min, 100ms), 100);
}

TEST(offer_rate, rate_multiplies_by_the_factor_every_step_up_to_the_max) {
  offer_rate rate(ramp(10, 3, 5, 200));
  rate.start(sim_time{0});
  for (int i = 0; i < 4; ++i) rate.on_notified(sim_time{0});
  EXPECT_DOUBLE_EQ(*rate.per_minute(), 10);
  rate.on_notified(sim_time{0});
  EXPECT_DOUBLE_EQ(*rate.per_minute(), 30);
  for (int i = 0; i < 5; ++i) rate.on_notified(sim_time{0});
  EXPECT_DOUBLE_EQ(*rate.per_minute(), 90);
  for (int i = 0; i < 5; ++i) rate.on_notified(sim_time{0});
  EXPECT_DOUBLE_EQ(*rate.per_minute(), 200);  // 270 capped
  // Offers follow the new rate: 200 a minute once the first burst is spent.
  (void)taken(rate, sim_time{0}, 1ms, 1us);
  EXPECT_NEAR(taken(rate, sim_time{1ms}, 10min, 10ms), 2000, 2);
}

TEST(offer_rate, succeeded_basis_ignores_notifications) {
  offer_rate rate(ramp(10, 2, 1, 1000, ramp_basis::succeeded));
  rate.start(sim_time{0});
  rate.on_notified(sim_time{0});
  EXPECT_DOUBLE_EQ(*rate.per_minute(), 10);
  rate.on_succeeded(sim_time{0});
  EXPECT_DOUBLE_EQ(*rate.per_minute(), 20);
}

}  // namespace
}  // namespace fleet::cloud
