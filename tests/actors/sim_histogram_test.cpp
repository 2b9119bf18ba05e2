// The histogram of simulated durations: buckets as Prometheus reads them
// (a value on a bound goes in that bound's bucket), sums, and quantile bounds.
#include "fleet/actors/sim_histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

TEST(sim_histogram, a_value_on_a_bound_counts_in_that_bucket) {
  sim_histogram h;
  h.observe(10ms);   // on the first bound
  h.observe(11ms);   // just above: second bucket
  h.observe(2h);     // past 3,600 s: the day's bucket
  h.observe(48h);    // past every bound: +Inf
  EXPECT_EQ(h.counts()[0], 1u);
  EXPECT_EQ(h.counts()[1], 1u);
  EXPECT_EQ(h.counts()[13], 1u);
  EXPECT_EQ(h.counts()[14], 1u);
  EXPECT_EQ(h.count(), 4u);
  EXPECT_DOUBLE_EQ(h.sum_seconds(), 0.010 + 0.011 + 7200 + 172800);
}

TEST(sim_histogram, adds_up) {
  sim_histogram a, b;
  a.observe(30ms);
  b.observe(30ms);
  b.observe(5s);
  a += b;
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.counts()[2], 2u);  // (25 ms, 50 ms]
  EXPECT_EQ(a.counts()[8], 1u);  // (2.5 s, 10 s]
}

TEST(sim_histogram, quantile_bound_is_the_upper_bound_of_the_bucket_holding_it) {
  sim_histogram h;
  EXPECT_EQ(h.quantile_bound(0.99), 0);  // empty
  for (int i = 0; i < 99; ++i) h.observe(40ms);
  h.observe(20s);
  EXPECT_EQ(h.quantile_bound(0.5), 0.05);
  EXPECT_EQ(h.quantile_bound(0.99), 0.05);  // the 99th of 100 is still 40 ms
  EXPECT_EQ(h.quantile_bound(1.0), 60);     // the slowest: (10 s, 60 s]
  h.observe(72h);
  EXPECT_TRUE(std::isinf(h.quantile_bound(1.0)));
}

TEST(sim_histogram, quantile_estimate_interpolates_within_the_bucket_holding_it) {
  sim_histogram h;
  EXPECT_EQ(h.quantile_estimate(0.5), 0);  // empty
  // 100 in (100 ms, 250 ms]: the median is half way through that bucket.
  for (int i = 0; i < 100; ++i) h.observe(200ms);
  EXPECT_DOUBLE_EQ(h.quantile_estimate(0.5), 0.1 + 0.15 * 0.5);
  EXPECT_DOUBLE_EQ(h.quantile_estimate(0.99), 0.1 + 0.15 * 0.99);
  EXPECT_DOUBLE_EQ(h.quantile_estimate(1.0), 0.25);
  // 100 more in (10 s, 60 s]: the median now tops the first bucket, the
  // 95th is 90 % through the second.
  for (int i = 0; i < 100; ++i) h.observe(30s);
  EXPECT_DOUBLE_EQ(h.quantile_estimate(0.5), 0.25);
  EXPECT_DOUBLE_EQ(h.quantile_estimate(0.95), 10 + 50 * 0.9);
  // The first bucket starts at 0; empty buckets in between are skipped.
  sim_histogram low;
  low.observe(5ms);
  low.observe(5ms);
  EXPECT_DOUBLE_EQ(low.quantile_estimate(0.5), 0.005);
  // Past the last bound there is no upper edge to interpolate to.
  sim_histogram slow;
  slow.observe(72h);
  EXPECT_TRUE(std::isinf(slow.quantile_estimate(0.5)));
}

}  // namespace
}  // namespace fleet::actors
