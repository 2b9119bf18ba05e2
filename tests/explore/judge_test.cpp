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

// A `kind` rule covers drawn attacks too. Leaving an idle one out moves the
// attacks after it: the rule must follow its own attacks, not judge the
// next attack (here a tampered image, stopped by its chunk digest, which
// the rogue rule's checks do not name) in the left-out one's place.
TEST(judge, a_left_out_attack_leaves_the_stopped_by_rules_on_their_attacks) {
  scenario::load_result loaded = scenario::load_file(data + "/unreached.textproto");
  ASSERT_TRUE(loaded.value);
  scenario::scenario s = *loaded.value;
  // unreached.textproto: [0] tampered_image, [1] rogue_image; then a drawn
  // rogue image [2] that reached no one and a drawn tampered image [3].
  scenario::attack drawn_rogue = s.attacks[1];
  drawn_rogue.name = "drawn-0-rogue_image";
  scenario::attack drawn_tampered = s.attacks[0];
  drawn_tampered.name = "drawn-1-tampered_image";
  s.attacks.push_back(drawn_rogue);
  s.attacks.push_back(drawn_tampered);
  scenario::stopped_by_rule rogue;
  rogue.kind = "rogue_image";
  rogue.attacks = {1, 2};
  rogue.checks = {"bad_signature"};
  scenario::stopped_by_rule tampered;
  tampered.kind = "tampered_image";
  tampered.attacks = {0, 3};
  tampered.checks = {"chunk_digest_mismatch"};
  s.expectations = {{"every_attack_stopped", scenario::every_attack_stopped{{rogue, tampered}}}};

  actors::run_result r;
  const std::vector<std::pair<std::string, std::string>> outcomes = {{"tampered_image", "chunk_digest_mismatch"},
                                                                     {"rogue_image", "bad_signature"},
                                                                     {"rogue_image", ""},
                                                                     {"tampered_image", "chunk_digest_mismatch"}};
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    actors::attack_outcome o;
    o.name = s.attacks[i].name;
    o.kind = outcomes[i].first;
    if (!outcomes[i].second.empty()) {
      o.tried = 4;
      o.stopped = 4;
      o.stopped_by = {{outcomes[i].second, 4}};
    }
    r.attacks.push_back(o);
  }
  auto verdicts = expectations_judge()(s, r);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_TRUE(verdicts[0].passed) << verdicts[0].detail;

  // Control: the rules still judge what is left. The drawn tampered image
  // stopped by another check fails its kind's rule after the move.
  r.attacks[3].stopped_by = {{"bad_signature", 4}};
  verdicts = expectations_judge()(s, r);
  EXPECT_FALSE(verdicts[0].passed);
  EXPECT_NE(verdicts[0].detail.find("drawn-1-tampered_image was stopped by bad_signature 4"), std::string::npos)
      << verdicts[0].detail;
}

}  // namespace
}  // namespace fleet::explore
