// The default judge: the scenario's expectations, with a drawn attack that
// reached no one left out (it is no lost defence), and only that.
#include <gtest/gtest.h>

#include "fleet/explore/explore.hpp"
#include "fleet/scenario/loader.hpp"

namespace fleet::explore {
namespace {

const std::string data = FLEET_EXPLORE_TEST_DATA;

/// unreached.textproto with every_attack_stopped, and a third attack named `third`.
scenario::scenario with_third_attack(const std::string& third) {
  scenario::load_result r = scenario::load_file(data + "/unreached.textproto");
  EXPECT_TRUE(r.value);
  scenario::scenario s = *r.value;
  s.expectations = {{"every_attack_stopped", scenario::every_attack_stopped{}}};
  scenario::attack extra = s.attacks[1];
  extra.name = third;
  s.attacks.push_back(extra);
  return s;
}

actors::run_result outcomes(const scenario::scenario& s) {
  actors::run_result r;
  for (const scenario::attack& a : s.attacks) {
    actors::attack_outcome o;
    o.name = a.name;
    o.kind = "rogue_image";
    o.tried = 3;
    o.stopped = 3;
    r.attacks.push_back(o);
  }
  r.attacks.back().tried = 0;  // the third reached no one
  r.attacks.back().stopped = 0;
  return r;
}

TEST(judge, a_drawn_attack_that_reached_no_one_is_left_out) {
  const scenario::scenario s = with_third_attack("drawn-2-rogue_image");
  const auto verdicts = expectations_judge()(s, outcomes(s));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].detail;
}

TEST(judge, the_files_own_attack_that_reached_no_one_still_fails) {
  const scenario::scenario s = with_third_attack("the file's own");
  const auto verdicts = expectations_judge()(s, outcomes(s));
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_FALSE(verdicts[0].passed);
}

TEST(judge, a_drawn_attack_that_got_through_still_fails) {
  const scenario::scenario s = with_third_attack("drawn-2-rogue_image");
  actors::run_result r = outcomes(s);
  r.attacks.back().tried = 1;
  r.attacks.back().got_through = 1;
  const auto verdicts = expectations_judge()(s, r);
  EXPECT_FALSE(verdicts[0].passed);
}

}  // namespace
}  // namespace fleet::explore
