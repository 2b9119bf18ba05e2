#include "fleet/scenario/rescale.hpp"

#include <gtest/gtest.h>

#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"

using namespace std::chrono_literals;

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

// ------------------------------------------------------ count-based settings

constexpr std::size_t production = 2;  ///< the group deployments target in these tests

/// The quickstart's groups (20, 480, 9,500) and one deployment to
/// Production in waves of 1 %, 10 % and 100 %, with `change` made to its policy.
template <class Change>
scenario with_rollout(Change change) {
  scenario s = with_groups({20, 480, 9500});
  deployment d;
  d.name = "app";
  d.group = production;
  d.rollout.waves = cloud::wave_plan::by_percent({1, 10, 100});
  change(d.rollout);
  s.deployments.push_back(d);
  return s;
}

/// The deployment's policy at a fleet of `devices`.
cloud::rollout_policy rollout_at(const scenario& s, std::uint64_t devices) {
  const rescale_result r = rescale(s, devices);
  EXPECT_TRUE(r.ok()) << r.error;
  return r.ok() ? r.value.deployments.front().rollout : cloud::rollout_policy{};
}

TEST(rescale, min_sample_drops_to_the_wave_that_must_hold_it) {
  const scenario s = with_rollout([](cloud::rollout_policy& p) {
    p.abort.failed = cloud::abort_rule{0.05, 10};     // reached in wave 1 (95 devices)
    p.abort.timed_out = cloud::abort_rule{0.2, 50};   // wave 1 too
    p.abort.rejected = cloud::abort_rule{0.05, 200};  // wave 2 (950 devices)
  });
  // 2,000 devices: Production 1,900, wave 1 of 19, wave 2 of 190.
  const cloud::rollout_policy small = rollout_at(s, 2000);
  EXPECT_EQ(small.abort.failed->min_sample, 10u);     // wave 1 still holds it: a sample size stays
  EXPECT_EQ(small.abort.timed_out->min_sample, 19u);  // all of wave 1, where the rule acted
  EXPECT_EQ(small.abort.rejected->min_sample, 190u);  // all of wave 2
  EXPECT_EQ(small.abort.timed_out->threshold, 0.2);   // a share: as it is
  // 500 devices: Production 475, wave 1 of 5 (ceil 4.75).
  const cloud::rollout_policy smaller = rollout_at(s, 500);
  EXPECT_EQ(smaller.abort.failed->min_sample, 5u);
  EXPECT_EQ(smaller.abort.timed_out->min_sample, 5u);
  EXPECT_EQ(smaller.abort.rejected->min_sample, 48u);
  // A larger fleet needs no more evidence: 100,000 devices keep the file's.
  const cloud::rollout_policy large = rollout_at(s, 100'000);
  EXPECT_EQ(large.abort.failed->min_sample, 10u);
  EXPECT_EQ(large.abort.timed_out->min_sample, 50u);
  EXPECT_EQ(large.abort.rejected->min_sample, 200u);
}

TEST(rescale, a_min_sample_out_of_reach_stays_out_of_reach) {
  // 20,000 finished attempts in a group of 9,500 (no retries): the rule never acts, at any size.
  const scenario s = with_rollout([](cloud::rollout_policy& p) { p.abort.failed = cloud::abort_rule{0.05, 20'000}; });
  EXPECT_EQ(rollout_at(s, 2000).abort.failed->min_sample, 20'000u);
  EXPECT_EQ(rollout_at(s, 100'000).abort.failed->min_sample, 200'000u);  // of a group of 95,000
}

TEST(rescale, count_waves_follow_their_group) {
  const scenario s = with_rollout([](cloud::rollout_policy& p) { p.waves = cloud::wave_plan::by_count({10, 95, 950}); });
  EXPECT_EQ(rollout_at(s, 2000).waves.sizes, (sizes{2, 19, 190}));
  EXPECT_EQ(rollout_at(s, 1'000'000).waves.sizes, (sizes{1000, 9500, 95000}));
  EXPECT_EQ(rollout_at(s, 1000).waves.sizes, (sizes{1, 10, 95}));  // Production 950: 1 rounds to 1, 9.5 up to 10
  EXPECT_EQ(rollout_at(s, 100).waves.sizes, (sizes{1, 1, 9}));     // Production 94: 0.1 and 0.94, at least 1
  EXPECT_EQ(rollout_at(s, 10'000).waves.sizes, (sizes{10, 95, 950}));
  // Percent waves are shares already.
  const scenario by_percent = with_rollout([](cloud::rollout_policy&) {});
  EXPECT_EQ(rollout_at(by_percent, 2000).waves.cumulative_percent, (std::vector<double>{1, 10, 100}));
}

TEST(rescale, in_flight_limit_and_ramp_follow_their_group) {
  const scenario s = with_rollout([](cloud::rollout_policy& p) {
    p.in_flight_limit = 2000;
    p.ramp = cloud::ramp_policy{10, 2, cloud::ramp_basis::notified, 100, 1000};
  });
  const cloud::rollout_policy small = rollout_at(s, 2000);  // Production: 1,900 of 9,500, a fifth
  EXPECT_EQ(small.in_flight_limit, 400u);
  ASSERT_TRUE(small.ramp);
  EXPECT_DOUBLE_EQ(small.ramp->base_per_minute, 2);
  EXPECT_DOUBLE_EQ(small.ramp->max_per_minute, 200);
  EXPECT_EQ(small.ramp->step_devices, 20u);
  EXPECT_EQ(small.ramp->increment_factor, 2);  // a factor: as it is
  EXPECT_EQ(rollout_at(s, 20).in_flight_limit, 4u);  // Production 18: 2000 * 18 / 9500 = 3.79
  EXPECT_EQ(rollout_at(s, 3).in_flight_limit, 1u);   // Production 1: 0.21, at least 1
}

TEST(rescale, rollback_failed_devices_is_evidence_and_stays) {
  const scenario s = with_rollout([](cloud::rollout_policy& p) { p.rollback.failed_devices = 95; });
  EXPECT_EQ(rollout_at(s, 2000).rollback.failed_devices, std::optional<std::uint32_t>(95));
  EXPECT_EQ(rollout_at(s, 100'000).rollback.failed_devices, std::optional<std::uint32_t>(95));
  // Below a group of 95 the rollback could never fire: refused at the count.
  const rescale_result r = rescale(s, 100);  // Production 94
  ASSERT_TRUE(r.refusal);
  EXPECT_EQ(r.refusal->path, "deployment[0].rollout.rollback.failed_devices");
  EXPECT_EQ(r.error, "deployment \"app\": rollout.rollback.failed_devices: --devices 100 means nothing below " +
                         format_count(r.refusal->smallest) +
                         " devices: its group would have 94 devices, fewer than the 95 failed devices that fire the "
                         "rollback");
  EXPECT_EQ(rescale(s, r.refusal->smallest).value.fleet.groups[production].devices, 95u);
  EXPECT_FALSE(rescale(s, r.refusal->smallest - 1).ok());
}

scenario with_attacks() {
  scenario s = with_groups({10'000});
  s.attacks.push_back({"spoofers", 24h, {}, 50, 1, spoofed_identity{}});
  s.attacks.push_back({"clones", 24h, {}, 20, 1, cloned_identity{}});
  s.attacks.push_back({"on the wire", 0s, 24h, 1, 0.25, man_in_the_middle{}});
  s.attacks.push_back({"rogue", 0s, 24h, 1, 0.05, rogue_image{}});
  return s;
}

std::vector<std::uint32_t> attack_counts(const rescale_result& r) {
  EXPECT_TRUE(r.ok()) << r.error;
  std::vector<std::uint32_t> out;
  for (const attack& a : r.value.attacks) out.push_back(a.count);
  return out;
}

TEST(rescale, attack_identities_follow_the_fleet) {
  const scenario s = with_attacks();
  // A share of the fleet: 200 clones of 100,000 block 0.2 % of it, as 20 of 10,000 do.
  EXPECT_EQ(attack_counts(rescale(s, 100'000)), (sizes{500, 200, 1, 1}));
  EXPECT_EQ(attack_counts(rescale(s, 5000)), (sizes{25, 10, 1, 1}));
  // Each identity is a trial of the defence: at least 5 (2.5 and 1 would be).
  EXPECT_EQ(attack_counts(rescale(s, 500)), (sizes{5, 5, 1, 1}));
  // And never more than the fleet.
  EXPECT_EQ(attack_counts(rescale(s, 3)), (sizes{3, 3, 1, 1}));
  // A man in the middle and a mirror hit a share of the links or devices: their count is no count.
  EXPECT_EQ(rescale(s, 100'000).value.attacks[2].fraction, 0.25);
}

TEST(rescale, attack_identities_fewer_than_the_floor_stay) {
  scenario s = with_groups({10'000});
  s.attacks.push_back({"two", 24h, {}, 2, 1, replayed_evidence{}});
  EXPECT_EQ(attack_counts(rescale(s, 100)), (sizes{2}));
  EXPECT_EQ(attack_counts(rescale(s, 50'000)), (sizes{10}));
}

TEST(rescale, attack_identities_past_their_limit_are_refused_at_the_count) {
  const rescale_result r = rescale(with_attacks(), 4'000'000);
  EXPECT_EQ(r.error,
            "attack \"spoofers\": count: --devices 4,000,000: would be 20,000 identities (50 of 10,000 devices, "
            "scaled), more than 10,000");
  ASSERT_TRUE(r.refusal);
  EXPECT_EQ(r.refusal->path, "attack[0].count");
  EXPECT_EQ(r.refusal->smallest, 0u);  // a ceiling, not a floor
  EXPECT_TRUE(rescale(with_attacks(), 2'000'000).ok());  // 10,000 spoofers: at the limit
}

TEST(rescale, expectations_and_faults_stay_as_they_are) {
  scenario s = with_attacks();
  s.expectations.push_back({"herd", peak_request_rate{60, 0s, 24h}});
  s.expectations.push_back({"adopted", adoption{0, 98, 24h, std::nullopt}});
  s.faults.push_back({"dark", 24h, 24h, 0.1, std::nullopt, 0s, offline{}});
  const rescale_result r = rescale(s, 500);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(std::get<peak_request_rate>(r.value.expectations[0].what).max_per_second, 60);
  EXPECT_EQ(std::get<adoption>(r.value.expectations[1].what).percent, 98);
  EXPECT_EQ(r.value.faults[0].fraction, 0.1);
}

// ------------------------------------------------------------------ floors

TEST(rescale, refuses_below_the_files_min_devices) {
  scenario s = with_groups({20, 480, 9500});
  s.min_devices = 600;
  const rescale_result r = rescale(s, 599);
  EXPECT_EQ(r.error,
            "scenario: min_devices: --devices 599 means nothing below 600 devices: the smallest fleet the file says "
            "it keeps its meaning at (its expectations hold for what they say)");
  ASSERT_TRUE(r.refusal);
  EXPECT_EQ(r.refusal->path, "min_devices");
  EXPECT_EQ(r.refusal->smallest, 600u);
  EXPECT_EQ(rescale(s, 600).value.device_count(), 600u);
  s.min_devices.reset();
  EXPECT_TRUE(rescale(s, 599).ok());  // the declaration is what refuses
}

TEST(rescale, refuses_below_the_size_where_an_abort_rule_still_acts_in_its_wave) {
  const scenario s = with_rollout([](cloud::rollout_policy& p) { p.abort.failed = cloud::abort_rule{0.05, 10}; });
  const rescale_result r = rescale(s, 300);
  EXPECT_EQ(r.error,
            "deployment \"app\": rollout.abort.failed.min_sample: --devices 300 means nothing below 422 devices: "
            "wave 1 would have 3 devices, fewer than the 5 finished attempts the rule needs at least before it acts "
            "(min_sample 10, reached in wave 1 at the file's 10,000 devices, where that wave has 95 devices; "
            "rescaled, it drops to the wave's size but not below 5)");
  ASSERT_TRUE(r.refusal);
  EXPECT_EQ(r.refusal->path, "deployment[0].rollout.abort.failed.min_sample");
  EXPECT_EQ(r.refusal->smallest, 422u);
  // Exactly below 422: Production 401 has a wave 1 of 5 (ceil 4.01), 400 one of 4.
  for (std::uint64_t n = 380; n < 470; ++n) {
    SCOPED_TRACE("devices=" + std::to_string(n));
    EXPECT_EQ(rescale(s, n).ok(), n >= 422);
    EXPECT_EQ(below_automatic_floor(s, n).has_value(), n < 422);
  }
  // Fewer devices than groups (a file's min_devices may say 1): the same floor.
  ASSERT_TRUE(below_automatic_floor(s, 1));
  EXPECT_EQ(below_automatic_floor(s, 1)->smallest, 422u);
  const cloud::rollout_policy at_floor = rollout_at(s, 422);
  EXPECT_EQ(cloud::wave_ends(at_floor.waves, 401).front(), at_floor.abort.failed->min_sample);
}

TEST(rescale, a_rule_acting_in_a_later_wave_is_held_to_that_wave) {
  // min_sample 200: wave 2 (950 devices) at 10,000; wave 2 keeps 5 devices down to Production 41.
  const scenario s = with_rollout([](cloud::rollout_policy& p) { p.abort.rejected = cloud::abort_rule{0.05, 200}; });
  const auto refusal = below_automatic_floor(s, 40);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->path, "deployment[0].rollout.abort.rejected.min_sample");
  EXPECT_EQ(rescale(s, 40).error.rfind("deployment \"app\": rollout.abort.rejected.min_sample: --devices 40 means "
                                       "nothing below ", 0), 0u);
  EXPECT_TRUE(rescale(s, refusal->smallest).ok());
  EXPECT_FALSE(rescale(s, refusal->smallest - 1).ok());
}

TEST(rescale, a_rule_out_of_reach_sets_no_floor) {
  const scenario s = with_rollout([](cloud::rollout_policy& p) { p.abort.failed = cloud::abort_rule{0.05, 20'000}; });
  EXPECT_FALSE(below_automatic_floor(s, 3));
  EXPECT_TRUE(rescale(s, 3).ok());
}

}  // namespace
}  // namespace fleet::scenario
