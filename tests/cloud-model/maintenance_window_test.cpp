#include "fleet/cloud/maintenance_window.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud {
namespace {

constexpr wall_time a_day = std::chrono::hours(24 * 20000);  // some midnight UTC

TEST(maintenance_window, no_window_means_always_open) {
  EXPECT_TRUE(in_window({}, a_day + 13h));
}

TEST(maintenance_window, open_from_start_for_length) {
  const std::vector<maintenance_window> w{{2h, 3h}};
  EXPECT_FALSE(in_window(w, a_day + 2h - 1us));
  EXPECT_TRUE(in_window(w, a_day + 2h));
  EXPECT_TRUE(in_window(w, a_day + 5h - 1us));
  EXPECT_FALSE(in_window(w, a_day + 5h));
  EXPECT_TRUE(in_window(w, a_day + 24h + 3h));  // every day
}

TEST(maintenance_window, a_window_may_run_past_midnight) {
  const std::vector<maintenance_window> w{{23h, 2h}};
  EXPECT_TRUE(in_window(w, a_day + 23h + 30min));
  EXPECT_TRUE(in_window(w, a_day + 24h + 30min));
  EXPECT_FALSE(in_window(w, a_day + 24h + 1h));
  EXPECT_FALSE(in_window(w, a_day + 12h));
}

TEST(maintenance_window, any_of_several_windows_and_times_before_the_epoch) {
  const std::vector<maintenance_window> w{{1h, 1h}, {13h, 1h}};
  EXPECT_TRUE(in_window(w, a_day + 13h + 5min));
  EXPECT_FALSE(in_window(w, a_day + 7h));
  EXPECT_TRUE(in_window(w, wall_time{-24h} + 1h + 1min));
  EXPECT_FALSE(in_window(w, wall_time{-1h}));
}

}  // namespace
}  // namespace fleet::cloud
