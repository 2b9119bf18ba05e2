// Drawing schedules: from the seed alone, within the plan's bounds, and
// written back as text the loader takes.
#include <gtest/gtest.h>

#include <set>

#include "fleet/explore/explore.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::explore {
namespace {

const std::string data = FLEET_EXPLORE_TEST_DATA;

struct loaded_file {
  scenario::scenario s;
  scenario::Scenario message;
};

loaded_file load(const std::string& name) {
  scenario::load_result r = scenario::load_file(data + "/" + name);
  EXPECT_TRUE(r.value) << (r.errors.empty() ? "" : scenario::to_string(r.errors.front()));
  return {*r.value, *r.message};
}

TEST(schedule, the_same_seed_draws_the_same_schedule_and_another_seed_another) {
  const loaded_file f = load("coincidence.textproto");
  const auto a = draw_schedule(f.message, f.s.explore, 42);
  const auto b = draw_schedule(f.message, f.s.explore, 42);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(describe(a[i]), describe(b[i]));
  bool differs = false;
  for (std::uint64_t seed = 43; seed < 53 && !differs; ++seed) {
    const auto c = draw_schedule(f.message, f.s.explore, seed);
    differs = c.size() != a.size() || describe(c[0]) != describe(a[0]);
  }
  EXPECT_TRUE(differs);
}

TEST(schedule, every_draw_keeps_to_the_plan) {
  const loaded_file f = load("coincidence.textproto");
  const scenario::explore_plan& plan = f.s.explore;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    const auto events = draw_schedule(f.message, plan, seed);
    EXPECT_GE(events.size(), plan.events_min);
    EXPECT_LE(events.size(), plan.events_max);
    for (const event& e : events) {
      EXPECT_FALSE(e.is_attack);
      EXPECT_TRUE(e.drawn);
      const auto at = scenario::parse_duration(e.fault.at());
      ASSERT_TRUE(at.ok());
      EXPECT_GE(at.value, plan.from);
      EXPECT_LT(at.value, plan.to);
      const auto length = scenario::parse_duration(e.fault.duration());
      ASSERT_TRUE(length.ok());
      EXPECT_GE(length.value, plan.duration_min);
      EXPECT_LE(length.value, plan.duration_max);
      if (!e.fault.has_cloud_outage()) {
        EXPECT_GE(e.fault.fraction(), plan.fraction_min);
        EXPECT_LE(e.fault.fraction(), plan.fraction_max);
      }
    }
    // The run's text loads, with the seed and the size it was written with.
    const std::string text = scenario_text(f.message, events, seed, 50, "a comment");
    const scenario::load_result back = scenario::load_text(text, "drawn");
    ASSERT_TRUE(back.value) << scenario::to_string(back.errors.front());
    EXPECT_EQ(back.value->seed, seed);
    EXPECT_EQ(back.value->device_count(), 50u);
    EXPECT_EQ(back.value->faults.size(), events.size());
  }
}

TEST(schedule, power_loss_and_tampering_draw_which_write_and_which_chunk) {
  const loaded_file f = load("coincidence.textproto");
  scenario::explore_plan plan = f.s.explore;
  plan.fault_kinds = {"power_loss"};
  plan.attack_kinds = {"tampered_image"};
  plan.write_max = 9;
  plan.chunk_max = 4;
  std::set<std::uint32_t> writes, chunks;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    for (const event& e : draw_schedule(f.message, plan, seed)) {
      if (!e.is_attack && e.fault.power_loss().during() == scenario::FLASH_WRITE) {
        writes.insert(e.fault.power_loss().write());
      }
      if (e.is_attack) chunks.insert(e.attack.tampered_image().chunk());
    }
  }
  EXPECT_GT(writes.size(), 3u);
  EXPECT_GE(*writes.begin(), 1u);
  EXPECT_LE(*writes.rbegin(), 9u);
  EXPECT_GT(chunks.size(), 2u);
  EXPECT_LE(*chunks.rbegin(), 4u);
}

// A file with two attacks of one kind (rogue-image-and-mirror's
// mix-and-match images: another revision's, another product's): a drawn
// attack of that kind copies either, so each image's check is met by draws
// too. The control: with one entry, every draw copies that one.
TEST(schedule, a_kind_the_file_has_twice_draws_from_either_entry) {
  const loaded_file f = load("coincidence.textproto");
  scenario::explore_plan plan = f.s.explore;
  plan.fault_kinds = {};
  plan.attack_kinds = {"mix_and_match"};
  auto images_drawn = [&](const std::vector<std::string>& images) {
    scenario::Scenario file = f.message;
    file.clear_attack();
    for (const std::string& image : images) {
      scenario::Attack* a = file.add_attack();
      a->set_at("1d");
      a->set_duration("1h");
      a->mutable_mix_and_match()->set_image(image);
    }
    std::set<std::string> drawn;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      for (const event& e : draw_schedule(file, plan, seed)) {
        if (e.drawn && e.is_attack) drawn.insert(e.attack.mix_and_match().image());
      }
    }
    return drawn;
  };
  EXPECT_EQ(images_drawn({"app@1.2.0", "bell-app@1.0.0"}), (std::set<std::string>{"app@1.2.0", "bell-app@1.0.0"}));
  EXPECT_EQ(images_drawn({"app@1.2.0"}), (std::set<std::string>{"app@1.2.0"}));
}

TEST(schedule, a_drawn_clock_jump_is_set_right_by_a_time_sync) {
  const loaded_file f = load("coincidence.textproto");
  scenario::explore_plan plan = f.s.explore;
  plan.fault_kinds = {"clock_jump"};
  plan.attack_kinds.clear();
  std::size_t jumps = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    for (const event& e : draw_schedule(f.message, plan, seed)) {
      ASSERT_TRUE(e.fault.has_clock_jump());
      ++jumps;
      const auto sync = scenario::parse_duration(e.fault.clock_jump().corrected_after());
      ASSERT_TRUE(sync.ok()) << describe(e);
      EXPECT_GE(sync.value, std::chrono::minutes(1));
      EXPECT_LE(sync.value, std::chrono::hours(24));
    }
  }
  EXPECT_GT(jumps, 0u);
}

TEST(schedule, run_seeds_differ_by_index_and_by_seed) {
  EXPECT_NE(run_seed(1, 0), run_seed(1, 1));
  EXPECT_NE(run_seed(1, 0), run_seed(2, 0));
  EXPECT_EQ(run_seed(7, 3), run_seed(7, 3));
}

}  // namespace
}  // namespace fleet::explore
