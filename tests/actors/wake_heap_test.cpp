// The shard's wake-up times (engine/wake_heap.hpp): one entry per slot, in
// (time, slot) order, moved in place when a slot's time changes; checked
// against a plain model of the same operations.
#include "engine/wake_heap.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <utility>

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

TEST(wake_heap, takes_the_earliest_and_ties_by_the_lower_slot) {
  wake_heap h;
  h.set(4, fw::sim_time{30s});
  h.set(2, fw::sim_time{10s});
  h.set(7, fw::sim_time{10s});
  h.set(1, fw::sim_time{20s});
  std::vector<std::uint32_t> order;
  while (!h.empty()) {
    order.push_back(h.top_slot());
    h.set(h.top_slot(), fw::never);
  }
  EXPECT_EQ(order, (std::vector<std::uint32_t>{2, 7, 1, 4}));
}

TEST(wake_heap, holds_one_entry_per_slot_whatever_its_time_does) {
  wake_heap h;
  // A daily timer, and a message after message that comes sooner: the old
  // heap held an entry for each.
  h.set(0, fw::sim_time{24h});
  for (int i = 1; i <= 100; ++i) {
    h.lower(0, fw::sim_time{std::chrono::minutes(i)});
    h.set(0, fw::sim_time{24h});
  }
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.top_time(), fw::sim_time{24h});
}

TEST(wake_heap, lower_only_moves_a_time_earlier) {
  wake_heap h;
  h.set(3, fw::sim_time{10s});
  h.lower(3, fw::sim_time{20s});
  EXPECT_EQ(h.time_of(3), fw::sim_time{10s});
  h.lower(3, fw::sim_time{5s});
  EXPECT_EQ(h.time_of(3), fw::sim_time{5s});
  h.lower(9, fw::sim_time{7s});  // no entry yet: the message makes one
  EXPECT_EQ(h.time_of(9), fw::sim_time{7s});
  EXPECT_EQ(h.size(), 2u);
}

TEST(wake_heap, never_removes_the_entry) {
  wake_heap h;
  h.set(1, fw::sim_time{1s});
  h.set(2, fw::sim_time{2s});
  h.set(1, fw::never);
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.time_of(1), fw::never);
  EXPECT_EQ(h.top_slot(), 2u);
  h.set(5, fw::never);  // a slot with no entry stays without one
  EXPECT_EQ(h.size(), 1u);
}

TEST(wake_heap, agrees_with_a_model_under_random_moves) {
  std::mt19937_64 rng(17);
  wake_heap h;
  std::map<std::uint32_t, std::int64_t> model;  // slot -> time
  auto model_top = [&] {
    auto best = model.begin();
    for (auto it = model.begin(); it != model.end(); ++it) {
      if (std::pair(it->second, it->first) < std::pair(best->second, best->first)) best = it;
    }
    return best;
  };
  for (int step = 0; step < 20000; ++step) {
    const auto slot = static_cast<std::uint32_t>(rng() % 64);
    const std::int64_t at = static_cast<std::int64_t>(rng() % 1000);
    switch (rng() % 4) {
      case 0:
        h.set(slot, fw::sim_time{at});
        model[slot] = at;
        break;
      case 1:
        h.lower(slot, fw::sim_time{at});
        if (!model.count(slot) || at < model[slot]) model[slot] = at;
        break;
      case 2:
        h.set(slot, fw::never);
        model.erase(slot);
        break;
      default:
        if (!model.empty()) {
          const auto top = model_top();
          ASSERT_EQ(h.top_slot(), top->first) << "step " << step;
          h.set(h.top_slot(), fw::never);
          model.erase(top);
        }
    }
    ASSERT_EQ(h.size(), model.size()) << "step " << step;
    if (!model.empty()) {
      const auto top = model_top();
      ASSERT_EQ(h.top_slot(), top->first) << "step " << step;
      ASSERT_EQ(h.top_time(), fw::sim_time{top->second}) << "step " << step;
    }
    ASSERT_EQ(h.time_of(slot), model.count(slot) ? fw::sim_time{model[slot]} : fw::never) << "step " << step;
  }
}

}  // namespace
}  // namespace fleet::actors
