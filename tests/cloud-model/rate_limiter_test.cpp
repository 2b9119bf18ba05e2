#include "fleet/cloud/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

TEST(token_bucket, spends_the_burst_then_refills_at_the_rate) {
  token_bucket b(bucket_settings{10, 3});
  const sim_time t0{0};
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.take(t0).has_value());
  const auto wait = b.take(t0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 100ms);  // one token at 10 a second
  EXPECT_TRUE(b.take(t0 + 99ms).has_value());
  EXPECT_FALSE(b.take(t0 + 100ms).has_value());
  // A long idle time refills to the burst, not beyond.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(b.take(t0 + 1h).has_value());
  EXPECT_TRUE(b.take(t0 + 1h).has_value());
}

TEST(rate_limiter, a_device_is_held_to_its_own_bucket_and_told_when_to_retry) {
  rate_limiter r(rate_limits{{2, 4}, {1000, 1000}, 0.3, 100});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.admit_device(sim_time{0}, device_index{1}, traffic::other).ok());
  const rate_decision d = r.admit_device(sim_time{0}, device_index{1}, traffic::other);
  EXPECT_EQ(d.refusal, rate_refusal::device);
  EXPECT_EQ(d.retry_after, 500ms);
  // Another device is not affected.
  EXPECT_TRUE(r.admit_device(sim_time{0}, device_index{2}, traffic::other).ok());
  EXPECT_TRUE(r.admit_device(sim_time{0} + 500ms, device_index{1}, traffic::other).ok());
  EXPECT_EQ(r.counters().refused[1][static_cast<std::size_t>(rate_refusal::device)], 1u);
}

TEST(rate_limiter, a_source_is_held_to_its_own_bucket_and_spends_no_devices) {
  rate_limits limits{{2, 4}, {1000, 1000}, 0.3, 100};
  limits.per_source = {1, 3};
  rate_limiter r(limits);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.admit_source(sim_time{0}, 42, traffic::attestation).ok());
  const rate_decision d = r.admit_source(sim_time{0}, 42, traffic::attestation);
  EXPECT_EQ(d.refusal, rate_refusal::source);
  EXPECT_EQ(d.retry_after, 1s);
  EXPECT_TRUE(r.admit_source(sim_time{0}, 43, traffic::attestation).ok());  // another place
  // Every device's own budget is whole.
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.admit_device(sim_time{0}, device_index{1}, traffic::other).ok());
}

TEST(rate_limiter, sources_are_bounded_and_idle_ones_make_room) {
  rate_limits limits;
  limits.per_source = {10, 10};
  limits.sources_max = 2;
  rate_limiter r(limits);
  EXPECT_TRUE(r.admit_source(sim_time{0}, 1, traffic::other).ok());
  EXPECT_TRUE(r.admit_source(sim_time{0}, 2, traffic::other).ok());
  // Both still remember a spent token: no room for a third.
  EXPECT_EQ(r.admit_source(sim_time{0}, 3, traffic::other).refusal, rate_refusal::sources_max);
  // A tenth of a second later both are full again: forgotten, room made.
  EXPECT_TRUE(r.admit_source(sim_time{0} + 100ms, 3, traffic::other).ok());
  EXPECT_EQ(r.sources_tracked(), 1u);
}

TEST(rate_limiter, other_traffic_cannot_spend_the_attestation_share) {
  // Global 100 a second: 30 for attestation, 70 for the rest.
  rate_limiter r(rate_limits{{1000, 1000}, {100, 100}, 0.3, 1000});
  int other_ok = 0;
  for (int i = 0; i < 500; ++i) other_ok += r.admit_global(sim_time{0}, traffic::other).ok() ? 1 : 0;
  EXPECT_EQ(other_ok, 70);
  int attest_ok = 0;
  for (int i = 0; i < 100; ++i) attest_ok += r.admit_global(sim_time{0}, traffic::attestation).ok() ? 1 : 0;
  EXPECT_EQ(attest_ok, 30);
  const rate_decision d = r.admit_global(sim_time{0}, traffic::attestation);
  EXPECT_EQ(d.refusal, rate_refusal::global);
  EXPECT_GT(d.retry_after.count(), 0);
}

TEST(rate_limiter, the_same_calls_give_the_same_answers) {
  auto run = [] {
    rate_limiter r(rate_limits{{3, 5}, {50, 60}, 0.25, 64});
    std::vector<std::int64_t> out;
    for (int i = 0; i < 2000; ++i) {
      const traffic kind = i % 4 == 0 ? traffic::attestation : traffic::other;
      auto d = r.admit_global(sim_time{i * 1700}, kind);
      if (d.ok()) d = r.admit_source(sim_time{i * 1700}, static_cast<source_id>(i % 5), kind);
      if (d.ok()) d = r.admit_device(sim_time{i * 1700}, device_index(i % 13), kind);
      out.push_back(d.ok() ? -1 : d.retry_after.count());
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace fleet::cloud
