#include "fleet/cloud/nonce_table.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;
constexpr sim_time t0{0};

nonce_limits small(std::uint32_t outstanding, std::uint8_t per_device, std::uint32_t tracked) {
  nonce_limits l;
  l.outstanding_max = outstanding;
  l.per_device_max = per_device;
  l.tracked_max = tracked;
  l.devices_max = 100;
  return l;
}

TEST(nonce_table, outstanding_bound_refuses_and_recovers_after_expiry) {
  nonce_table table(small(3, 3, 10));
  crypto::random_stream random(1, 0, "nonces");
  for (device_index d = 0; d < 3; ++d) EXPECT_TRUE(table.issue(t0, d, random).ok());
  EXPECT_EQ(table.issue(t0 + 1s, 3, random).refusal, nonce_refusal::outstanding_max);
  EXPECT_EQ(table.next_deadline(), t0 + 5min);
  EXPECT_EQ(table.issue(t0 + 5min - 1us, 3, random).refusal, nonce_refusal::outstanding_max);
  EXPECT_TRUE(table.issue(t0 + 5min, 3, random).ok());
  EXPECT_EQ(table.outstanding(), 1u);
}

/// Spends `n` if it is valid; returns what check() said.
nonce_status use(nonce_table& table, sim_time now, device_index device, const nonce& n) {
  const nonce_status s = table.check(now, device, n);
  if (s == nonce_status::valid) table.consume(now, device, n);
  return s;
}

TEST(nonce_table, past_the_per_device_bound_a_new_nonce_supersedes_the_oldest) {
  nonce_table table(small(10, 2, 10));
  crypto::random_stream random(1, 0, "nonces");
  const nonce first = table.issue(t0, 5, random).value;
  const nonce second = table.issue(t0, 5, random).value;
  // Whoever asks in the device's name is never refused for the device's
  // bound (that would lock the device out): the oldest gives way instead.
  const issued_nonce third = table.issue(t0, 5, random);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(table.issue(t0, 6, random).ok());  // other devices are not touched
  EXPECT_EQ(table.check(t0, 5, first), nonce_status::superseded);
  EXPECT_EQ(use(table, t0, 5, second), nonce_status::valid);
  EXPECT_EQ(use(table, t0, 5, third.value), nonce_status::valid);
}

TEST(nonce_table, the_newest_nonce_of_a_device_stays_good_however_many_others_ask) {
  nonce_table table(small(1000, 4, 1000));
  crypto::random_stream random(1, 0, "nonces");
  const nonce own = table.issue(t0, 7, random).value;
  // Three more in the device's name keep it good; the fourth supersedes it.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(table.issue(t0 + 1ms, 7, random).ok());
  EXPECT_EQ(table.check(t0 + 1ms, 7, own), nonce_status::valid);
  ASSERT_TRUE(table.issue(t0 + 2ms, 7, random).ok());
  EXPECT_EQ(table.check(t0 + 2ms, 7, own), nonce_status::superseded);
  // The count wraps at 256 issues without confusing old and new.
  nonce last{};
  for (int i = 0; i < 300; ++i) last = table.issue(t0 + 3ms, 8, random).value;
  EXPECT_EQ(table.check(t0 + 3ms, 8, last), nonce_status::valid);
}

TEST(nonce_table, checking_spends_nothing_consuming_spends_once) {
  nonce_table table(small(10, 2, 10));
  crypto::random_stream random(1, 0, "nonces");
  const nonce n = table.issue(t0, 1, random).value;
  EXPECT_EQ(table.check(t0, 1, n), nonce_status::valid);
  EXPECT_EQ(table.check(t0, 1, n), nonce_status::valid);  // looked at twice, still good
  EXPECT_EQ(table.check(t0, 2, n), nonce_status::wrong_device);
  table.consume(t0, 1, n);
  EXPECT_EQ(table.check(t0, 1, n), nonce_status::reused);
  EXPECT_EQ(table.outstanding(), 0u);
}

TEST(nonce_table, used_nonces_give_way_when_the_table_is_full) {
  nonce_table table(small(2, 2, 2));
  crypto::random_stream random(1, 0, "nonces");
  const nonce a = table.issue(t0, 1, random).value;
  EXPECT_TRUE(table.issue(t0, 2, random).ok());
  EXPECT_EQ(use(table, t0, 1, a), nonce_status::valid);
  EXPECT_EQ(use(table, t0, 1, a), nonce_status::reused);  // still kept to name it
  EXPECT_TRUE(table.issue(t0, 3, random).ok());          // a was dropped for room
  EXPECT_EQ(use(table, t0, 1, a), nonce_status::unknown);
  EXPECT_EQ(table.tracked(), 2u);
  // Full of outstanding nonces: refused until they expire.
  nonce_limits l = small(2, 2, 2);
  nonce_table full(l);
  EXPECT_TRUE(full.issue(t0, 1, random).ok());
  EXPECT_TRUE(full.issue(t0, 2, random).ok());
  EXPECT_FALSE(full.issue(t0, 3, random).ok());
  EXPECT_TRUE(full.issue(t0 + 5min, 3, random).ok());
}

TEST(nonce_table, expired_nonces_are_named_then_forgotten) {
  nonce_table table(small(10, 2, 10));
  crypto::random_stream random(1, 0, "nonces");
  const nonce n = table.issue(t0, 1, random).value;
  EXPECT_EQ(use(table, t0 + 5min, 1, n), nonce_status::expired);
  EXPECT_EQ(table.outstanding(), 0u);
  table.expire(t0 + 10min);
  EXPECT_EQ(table.tracked(), 0u);
  EXPECT_EQ(use(table, t0 + 10min, 1, n), nonce_status::unknown);
}

TEST(nonce_table, same_seed_same_nonces) {
  nonce_table a(small(10, 2, 10)), b(small(10, 2, 10));
  crypto::random_stream ra(9, 1, "nonces"), rb(9, 1, "nonces");
  EXPECT_EQ(a.issue(t0, 1, ra).value, b.issue(t0, 1, rb).value);
}

}  // namespace
}  // namespace fleet::cloud
