// The window model's view of maintenance windows: the same answer as the
// cloud's own rule (cloud::in_window) at every time of day, and the time
// they are open.
#include "day_spans.hpp"

#include <gtest/gtest.h>

#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using windows = std::vector<cloud::maintenance_window>;

TEST(day_spans, agree_with_the_clouds_rule_at_every_time_of_day) {
  for (const windows& w : {windows{}, windows{{22h, 2h}}, windows{{23h, 3h}}, windows{{1h, 2h}, {2h, 3h}},
                           windows{{0h, 24h}}, windows{{12h, 1us}}, windows{{23h + 59min, 24h}},
                           windows{{5h, 1h}, {20h, 6h}, {3h, 30min}}}) {
    const day_spans spans(w);
    // Every 7 minutes over two days, and a microsecond either side of each window's edges.
    std::vector<std::chrono::microseconds> times;
    for (auto t = 0min; t < 48h; t += 7min) times.push_back(t);
    for (const auto& window : w) {
      for (const auto edge : {window.start_of_day, window.start_of_day + window.length}) {
        for (const auto t : {edge - 1us, edge, edge + 1us, edge + 24h - 1us, edge + 24h}) times.push_back(t);
      }
    }
    for (const auto t : times) {
      if (t.count() < 0) continue;
      SCOPED_TRACE(t.count());
      EXPECT_EQ(spans.contains(t), cloud::in_window(w, run_epoch + t));
    }
  }
}

TEST(day_spans, open_per_day_counts_overlaps_once) {
  EXPECT_EQ(day_spans({}).open_per_day(), 24h);
  EXPECT_EQ(day_spans({{22h, 2h}}).open_per_day(), 2h);
  EXPECT_EQ(day_spans({{23h, 3h}}).open_per_day(), 3h);
  EXPECT_EQ(day_spans({{1h, 2h}, {2h, 3h}}).open_per_day(), 4h);
  EXPECT_EQ(day_spans({{20h, 6h}, {1h, 2h}}).open_per_day(), 7h);
  EXPECT_EQ(day_spans({{0h, 24h}, {3h, 1h}}).open_per_day(), 24h);
}

}  // namespace
}  // namespace fleet::scenario
