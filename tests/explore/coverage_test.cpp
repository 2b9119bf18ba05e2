// Coverage on records built by hand: every check of the catalogue that
// stopped nothing is unreached, and stops when a run reaches it.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>

#include "fleet/explore/explore.hpp"

namespace fleet::explore {
namespace {

run_record with_attack(const std::string& kind, std::map<std::string, std::uint64_t> stopped_by) {
  run_record r;
  actors::attack_outcome a;
  a.kind = kind;
  for (const auto& [check, n] : stopped_by) {
    a.tried += n;
    a.stopped += n;
  }
  a.stopped_by = std::move(stopped_by);
  r.result.attacks.push_back(a);
  return r;
}

/// A fault of `kind` that met devices in `states` and at `steps` of an update.
actors::fault_outcome met(const std::string& kind, std::map<std::string, std::uint64_t> states,
                          std::map<std::string, std::uint64_t> steps = {}) {
  actors::fault_outcome f;
  f.name = kind.substr(0, 1);
  f.kind = kind;
  f.device_states = std::move(states);
  f.update_steps = std::move(steps);
  return f;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

TEST(coverage, a_check_no_run_reached_is_unreached) {
  const std::vector<run_record> runs{with_attack("rollback_image", {{"not_newer", 4}}),
                                     with_attack("tampered_image", {{"chunk_digest_mismatch", 2}})};
  const coverage c = coverage_of(runs, {"rollback_image", "tampered_image", "freeze"}, {});
  EXPECT_TRUE(has(c.unreached, "rollback_image: rollback"));
  EXPECT_FALSE(has(c.unreached, "rollback_image: not_newer"));
  EXPECT_FALSE(has(c.unreached, "tampered_image: chunk_digest_mismatch"));
  // A kind that could be drawn but never was: each of its checks.
  EXPECT_TRUE(has(c.unreached, "freeze: manifest_expired"));
  EXPECT_TRUE(has(c.unreached, "freeze: rollback"));
}

TEST(coverage, a_run_reaching_the_check_takes_it_off_the_list) {
  std::vector<run_record> runs{with_attack("rollback_image", {{"not_newer", 4}})};
  runs.push_back(with_attack("rollback_image", {{"rollback", 1}}));
  const coverage c = coverage_of(runs, {"rollback_image"}, {});
  EXPECT_TRUE(c.unreached.empty());
  ASSERT_EQ(c.attacks.size(), 1u);
  EXPECT_EQ(c.attacks[0].runs, 2u);
  ASSERT_EQ(c.attacks[0].checks.size(), 2u);
  EXPECT_EQ(c.attacks[0].checks[0].check, "rollback");
  EXPECT_EQ(c.attacks[0].checks[0].runs, 1u);
}

TEST(coverage, a_check_outside_the_catalogue_is_shown_apart) {
  const coverage c = coverage_of({with_attack("tampered_image", {{"bad_size", 1}})}, {"tampered_image"}, {});
  ASSERT_EQ(c.attacks[0].checks.size(), 2u);
  EXPECT_EQ(c.attacks[0].checks[1].check, "bad_size");
  EXPECT_FALSE(c.attacks[0].checks[1].catalogued);
  EXPECT_TRUE(has(c.unreached, "tampered_image: chunk_digest_mismatch"));
}

TEST(coverage, a_kind_of_flash_write_no_power_loss_tore_is_unreached) {
  run_record r;
  actors::fault_outcome f;
  f.name = "p";
  f.kind = "power_loss";
  f.armed = 5;
  f.writes_torn = 4;
  f.torn_by_write = {{"erase", 3}, {"metadata", 1}};
  r.result.faults.push_back(f);
  const coverage c = coverage_of({r}, {}, {"power_loss"});
  EXPECT_TRUE(has(c.unreached, "power_loss: header write"));
  EXPECT_TRUE(has(c.unreached, "power_loss: chunk write"));
  EXPECT_FALSE(has(c.unreached, "power_loss: erase write"));
  EXPECT_FALSE(has(c.unreached, "power_loss: metadata write"));
  ASSERT_EQ(c.faults.size(), 1u);
  EXPECT_EQ(c.faults[0].torn_by_write_kind.at("erase"), 3u);
  EXPECT_EQ(c.faults[0].writes_torn, 4u);
  // No power loss among the kinds: nothing is said of flash writes.
  for (const std::string& u : coverage_of({}, {}, {"partition"}).unreached) EXPECT_EQ(u.find("write"), std::string::npos) << u;
}

TEST(coverage, a_state_no_device_fault_met_is_unreached) {
  run_record r;
  r.result.faults.push_back(met("offline", {{"attested", 7}, {"off", 2}}));
  const coverage c = coverage_of({r}, {}, {"offline"});
  EXPECT_TRUE(has(c.unreached, "offline in trial"));
  EXPECT_TRUE(has(c.unreached, "offline in running"));
  EXPECT_FALSE(has(c.unreached, "offline in attested"));
  EXPECT_EQ(c.faults[0].device_states.at("attested"), 7u);
}

// The steps of an update a device fault met (fault_outcome::update_steps):
// summed over the runs; each update step none met is unreached, "none" never is.
TEST(coverage, an_update_step_no_device_fault_met_is_unreached) {
  run_record first;
  first.result.faults.push_back(met("power_loss", {}, {{"none", 5}, {"downloading", 2}}));
  run_record second = first;
  second.result.faults[0].update_steps = {{"downloading", 1}, {"trial", 1}};
  const coverage c = coverage_of({first, second}, {}, {"power_loss"});
  EXPECT_TRUE(has(c.unreached, "power_loss at staged"));
  EXPECT_FALSE(has(c.unreached, "power_loss at downloading"));
  EXPECT_FALSE(has(c.unreached, "power_loss at trial"));
  EXPECT_FALSE(has(c.unreached, "power_loss at none"));
  ASSERT_EQ(c.faults.size(), 1u);
  EXPECT_EQ(c.faults[0].update_steps.at("downloading"), 3u);
  EXPECT_EQ(c.faults[0].update_steps.at("none"), 5u);
  // A fault that met no device (a run that ended first) reached no step.
  EXPECT_TRUE(has(coverage_of({}, {}, {"bit_rot"}).unreached, "bit_rot at downloading"));
}

// Link faults and outages count the requests they met, by the sender's
// state and step: a slow link that never met a download leaves it unreached.
TEST(coverage, a_link_fault_or_an_outage_that_met_no_download_leaves_it_unreached) {
  run_record r;
  r.result.faults.push_back(met("slow_link", {{"attested", 4}}, {{"none", 4}}));
  r.result.faults.push_back(met("cloud_outage", {{"attested", 9}}, {{"downloading", 9}}));
  const coverage c = coverage_of({r}, {}, {"slow_link", "cloud_outage"});
  EXPECT_TRUE(has(c.unreached, "slow_link at downloading"));
  EXPECT_TRUE(has(c.unreached, "slow_link in running"));
  EXPECT_FALSE(has(c.unreached, "slow_link in attested"));
  EXPECT_FALSE(has(c.unreached, "cloud_outage at downloading"));
  EXPECT_TRUE(has(c.unreached, "cloud_outage at staged"));
}

}  // namespace
}  // namespace fleet::explore
