#include "fleet/scenario/rescale.hpp"

#include <gtest/gtest.h>

#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {
namespace {

scenario with_groups(std::vector<std::uint32_t> sizes) {
  scenario s;
  for (std::size_t i = 0; i < sizes.size(); ++i) s.fleet.groups.push_back({"g" + std::to_string(i), 0, sizes[i]});
  return s;
}

std::vector<std::uint32_t> sizes_of(const rescale_result& r) {
  EXPECT_TRUE(r.ok()) << r.error;
  std::vector<std::uint32_t> out;
  for (const group& g : r.value.fleet.groups) out.push_back(g.devices);
  return out;
}

using sizes = std::vector<std::uint32_t>;

TEST(rescale, keeps_proportions) {
  EXPECT_EQ(sizes_of(rescale(with_groups({20, 480, 9500}), 1000)), (sizes{2, 48, 950}));
  EXPECT_EQ(sizes_of(rescale(with_groups({20, 480, 9500}), 1'000'000)), (sizes{2000, 48000, 950000}));
}

TEST(rescale, to_the_same_total_changes_nothing) {
  EXPECT_EQ(sizes_of(rescale(with_groups({7, 13, 101}), 121)), (sizes{7, 13, 101}));
}

TEST(rescale, largest_remainders_get_the_rest) {
  // Exact shares 3.33.., 3.33.., 3.33..: one left over, to the first of equal remainders.
  EXPECT_EQ(sizes_of(rescale(with_groups({1, 1, 1}), 10)), (sizes{4, 3, 3}));
  // 10 * {1, 2, 4} / 7 = 1.43, 2.86, 5.71: floors 1, 2, 5; remainders .43 .86 .71: two left, to 2nd and 3rd.
  EXPECT_EQ(sizes_of(rescale(with_groups({1, 2, 4}), 10)), (sizes{1, 3, 6}));
}

TEST(rescale, every_group_keeps_a_device) {
  // 5 * {1, 1000, 1000} / 2001: 0.0025, 2.499, 2.499 -> 0, 3, 2; the first takes one from the largest.
  EXPECT_EQ(sizes_of(rescale(with_groups({1, 1000, 1000}), 5)), (sizes{1, 2, 2}));
  EXPECT_EQ(sizes_of(rescale(with_groups({1, 1, 1000}), 3)), (sizes{1, 1, 1}));
}

TEST(rescale, adds_up_for_many_totals) {
  const scenario s = with_groups({3, 5, 7, 11, 13, 17, 1000});
  for (std::uint64_t n = s.fleet.groups.size(); n < 3000; n += 37) {
    SCOPED_TRACE("devices=" + std::to_string(n));
    const rescale_result r = rescale(s, n);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.device_count(), n);
    for (const group& g : r.value.fleet.groups) EXPECT_GE(g.devices, 1u);
    EXPECT_EQ(sizes_of(rescale(s, n)), sizes_of(r));  // deterministic
  }
}

TEST(rescale, refuses_what_does_not_fit) {
  const rescale_result few = rescale(with_groups({10, 10, 10}), 2);
  EXPECT_EQ(few.error, "--devices 2 is fewer than the scenario's 3 groups (each keeps at least one device)");
  const rescale_result many = rescale(with_groups({10}), fleet_devices_max + 1);
  EXPECT_EQ(many.error, "--devices 4,000,001 is more than 4,000,000");
  EXPECT_EQ(sizes_of(rescale(with_groups({10, 30}), fleet_devices_max)), (sizes{1'000'000, 3'000'000}));
}

}  // namespace
}  // namespace fleet::scenario
