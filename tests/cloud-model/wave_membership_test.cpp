#include "wave_membership.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace fleet::cloud {
namespace {

std::vector<std::uint32_t> sizes_of(const wave_membership& m, std::uint32_t devices) {
  std::vector<std::uint32_t> sizes(m.wave_count());
  for (device_index d = 0; d < devices; ++d) ++sizes[m.wave_of(d)];
  return sizes;
}

TEST(wave_membership, percent_waves_have_exactly_their_share) {
  const wave_membership m(wave_plan::by_percent({1, 10, 50, 100}), 42, 1000);
  EXPECT_EQ(sizes_of(m, 1000), (std::vector<std::uint32_t>{10, 90, 400, 500}));
}

TEST(wave_membership, shares_round_up_so_a_small_group_still_gets_a_first_wave) {
  const wave_membership m(wave_plan::by_percent({1, 100}), 42, 30);
  EXPECT_EQ(sizes_of(m, 30), (std::vector<std::uint32_t>{1, 29}));
}

TEST(wave_membership, count_waves_have_exactly_their_size_and_the_rest_follows) {
  const wave_membership m(wave_plan::by_count({5, 20}), 42, 100);
  EXPECT_EQ(sizes_of(m, 100), (std::vector<std::uint32_t>{5, 20, 75}));
  // A group smaller than the plan: the later waves are empty.
  const wave_membership small(wave_plan::by_count({5, 20}), 42, 12);
  EXPECT_EQ(sizes_of(small, 12), (std::vector<std::uint32_t>{5, 7, 0}));
}

TEST(wave_membership, the_seed_decides_membership_and_replays) {
  const wave_plan plan = wave_plan::by_percent({10, 100});
  const wave_membership a(plan, 1, 1000), again(plan, 1, 1000), other(plan, 2, 1000);
  std::uint32_t differ = 0;
  for (device_index d = 0; d < 1000; ++d) {
    ASSERT_EQ(a.wave_of(d), again.wave_of(d)) << d;
    differ += a.wave_of(d) != other.wave_of(d);
  }
  EXPECT_GT(differ, 50u);  // another seed picks another first wave
}

TEST(wave_membership, the_first_wave_is_not_the_lowest_indices) {
  const wave_membership m(wave_plan::by_percent({10, 100}), 3, 1000);
  std::uint32_t low = 0;
  for (device_index d = 0; d < 100; ++d) low += m.wave_of(d) == 0;
  EXPECT_LT(low, 40u);  // about 10 expected
}

TEST(wave_membership, late_joiners_spread_like_the_plan) {
  const wave_membership m(wave_plan::by_percent({20, 60, 100}), 9, 10'000);
  std::vector<std::uint32_t> joined(3);
  for (device_index d = 10'000; d < 20'000; ++d) ++joined[m.wave_of(d)];
  EXPECT_NEAR(joined[0], 2000, 200);
  EXPECT_NEAR(joined[1], 4000, 250);
  EXPECT_NEAR(joined[2], 4000, 250);
}

TEST(wave_membership, keys_are_distinct) {
  std::set<std::uint64_t> keys;
  for (device_index d = 0; d < 100'000; ++d) keys.insert(membership_key(5, d));
  EXPECT_EQ(keys.size(), 100'000u);
}

}  // namespace
}  // namespace fleet::cloud
