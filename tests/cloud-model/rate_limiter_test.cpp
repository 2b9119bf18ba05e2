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
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(r.admit(sim_time{0}, device_index{1}, traffic::other).ok());
  const rate_decision d = r.admit(sim_time{0}, device_index{1}, traffic::other);
  EXPECT_EQ(d.refusal, rate_refusal::device);
  EXPECT_EQ(d.retry_after, 500ms);
  // Another device is not affected.
  EXPECT_TRUE(r.admit(sim_time{0}, device_index{2}, traffic::other).ok());
  EXPECT_TRUE(r.admit(sim_time{0} + 500ms, device_index{1}, traffic::other).ok());
  EXPECT_EQ(r.counters().refused[1][static_cast<std::size_t>(rate_refusal::device)], 1u);
  EXPECT_EQ(r.counters().admitted[1], 6u);
}

TEST(rate_limiter, other_traffic_cannot_spend_the_attestation_share) {
  // Global 100 a second: 30 for attestation, 70 for the rest.
  rate_limiter r(rate_limits{{1000, 1000}, {100, 100}, 0.3, 1000});
  int other_ok = 0;
  for (int i = 0; i < 500; ++i) other_ok += r.admit(sim_time{0}, std::nullopt, traffic::other).ok() ? 1 : 0;
  EXPECT_EQ(other_ok, 70);
  int attest_ok = 0;
  for (device_index d = 0; d < 100; ++d) attest_ok += r.admit(sim_time{0}, d, traffic::attestation).ok() ? 1 : 0;
  EXPECT_EQ(attest_ok, 30);
  const rate_decision d = r.admit(sim_time{0}, device_index{500}, traffic::attestation);
  EXPECT_EQ(d.refusal, rate_refusal::global);
  EXPECT_GT(d.retry_after.count(), 0);
}

TEST(rate_limiter, the_same_calls_give_the_same_answers) {
  auto run = [] {
    rate_limiter r(rate_limits{{3, 5}, {50, 60}, 0.25, 64});
    std::vector<std::int64_t> out;
    for (int i = 0; i < 2000; ++i) {
      const auto d = r.admit(sim_time{i * 1700}, device_index(i % 13),
                             i % 4 == 0 ? traffic::attestation : traffic::other);
      out.push_back(d.ok() ? -1 : d.retry_after.count());
    }
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace fleet::cloud
