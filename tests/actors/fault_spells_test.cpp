// The spells of a lasting fault at random: at the rate on average, never
// overlapping, within the window, the same answer however asked, and a
// function of the seed, the fault and the entity only.
#include "network/fault_spells.hpp"

#include <gtest/gtest.h>

#include <set>

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;
using duration = fault_spells::duration;

input::fault at_random(duration at, duration window, double rate_per_day, duration spell) {
  input::fault f;
  f.at = at;
  f.length = window;
  f.rate_per_day = rate_per_day;
  f.spell = spell;
  f.kind = input::partition{};
  return f;
}

TEST(fault_spells, come_at_the_rate_within_the_window_and_never_overlap) {
  const input::fault f = at_random(24h, 30 * 24h, 2, 1h);
  const fault_spells spells(f, 7, 1);
  std::size_t total = 0;
  for (std::uint64_t device = 0; device < 200; ++device) {
    const auto starts = spells.starts(device, 1000 * 24h);
    total += starts.size();
    for (std::size_t i = 0; i < starts.size(); ++i) {
      EXPECT_GE(starts[i], f.at);
      EXPECT_LE(starts[i] + spells.length_from(starts[i]), f.at + f.length);
      if (i > 0) {
        EXPECT_GE(starts[i], starts[i - 1] + 1h);  // the last one ended
      }
    }
  }
  // 200 devices x 2 a day x 30 days = 12,000, give or take.
  EXPECT_GT(total, 11'400u);
  EXPECT_LT(total, 12'600u);
}

TEST(fault_spells, an_instant_is_covered_exactly_when_a_listed_spell_holds_it) {
  // A rate high enough that blocks hold a few stretches, low enough that
  // many stretches are empty: both paths of the draw.
  const input::fault f = at_random(1h, 20 * 24h, 3, 45min);
  const fault_spells spells(f, 11, 2);
  for (std::uint64_t device = 0; device < 5; ++device) {
    const auto starts = spells.starts(device, 100 * 24h);
    std::size_t covered_minutes = 0;
    for (duration t = 0min; t < 22 * 24h; t += 1min) {
      const auto start = spells.covering(device, t);
      bool listed = false;
      for (const duration s : starts) listed = listed || (s <= t && t < s + spells.length_from(s));
      ASSERT_EQ(start.has_value(), listed) << "device " << device << " at " << t.count();
      if (start) {
        EXPECT_LE(*start, t);
        ++covered_minutes;
      }
    }
    EXPECT_GT(covered_minutes, 0u);
  }
}

TEST(fault_spells, a_function_of_the_seed_the_fault_and_the_entity) {
  const input::fault f = at_random(0h, 10 * 24h, 4, 30min);
  const auto of = [&](std::uint64_t seed, std::uint64_t salt, std::uint64_t entity) {
    return fault_spells(f, seed, salt).starts(entity, 10 * 24h);
  };
  EXPECT_EQ(of(1, 1, 5), of(1, 1, 5));
  EXPECT_NE(of(1, 1, 5), of(2, 1, 5));
  EXPECT_NE(of(1, 1, 5), of(1, 2, 5));
  EXPECT_NE(of(1, 1, 5), of(1, 1, 6));
}

TEST(fault_spells, at_the_highest_rate_every_stretch_holds_one) {
  // 12 a day with 1 h spells: a spell in every 2 h stretch, half the time.
  const input::fault f = at_random(0h, 24h, 12, 1h);
  const fault_spells spells(f, 3, 1);
  const auto starts = spells.starts(0, 24h);
  ASSERT_EQ(starts.size(), 12u);
  std::set<std::int64_t> stretches;
  for (const duration s : starts) stretches.insert(s / 2h);
  EXPECT_EQ(stretches.size(), 12u);
}

TEST(fault_spells, a_spell_is_cut_at_the_window_end_and_nothing_holds_outside_it) {
  const input::fault f = at_random(10h, 90min, 12, 1h);  // one stretch of 2 h, cut at 90 min
  const fault_spells spells(f, 5, 1);
  for (std::uint64_t device = 0; device < 50; ++device) {
    for (const duration s : spells.starts(device, 24h)) EXPECT_LE(s + spells.length_from(s), 11h + 30min);
    EXPECT_FALSE(spells.covering(device, 9h + 59min));
    EXPECT_FALSE(spells.covering(device, 11h + 30min));
  }
}

}  // namespace
}  // namespace fleet::actors
