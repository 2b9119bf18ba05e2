#include "backoff.hpp"

#include <gtest/gtest.h>

#include "fleet/crypto/random_stream.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;

TEST(backoff, window_doubles_up_to_the_cap) {
  const duration base = 5s, cap = 1h;
  crypto::random_stream rng(1, 1, "backoff");
  for (std::uint32_t failures = 0; failures < 20; ++failures) {
    duration window = std::min<duration>(cap, base * (1ll << failures));
    duration longest{0};
    for (int i = 0; i < 2000; ++i) {
      duration d = backoff_delay(base, cap, failures, rng.next());
      ASSERT_GE(d.count(), 0);
      ASSERT_LE(d, window);
      longest = std::max(longest, d);
    }
    // Full jitter: draws reach into the top of the window.
    EXPECT_GT(longest, window * 9 / 10) << failures;
  }
}

TEST(backoff, huge_failure_counts_stay_at_the_cap) {
  EXPECT_LE(backoff_delay(5s, 1h, 1'000'000, ~0ull), duration{1h});
  EXPECT_EQ(backoff_delay(5s, 1h, 0, 0), duration{0});
}

TEST(backoff, retries_after_an_outage_spread_out) {
  // 1000 devices that failed 6 times: their retries cover the window evenly.
  crypto::random_stream rng(2, 2, "backoff");
  int early = 0;
  for (int i = 0; i < 1000; ++i) early += backoff_delay(5s, 1h, 6, rng.next()) < 160s;
  EXPECT_NEAR(early, 500, 60);
}

}  // namespace
}  // namespace fleet::fw
