// The rollout controller's flow controls: start, waves and gates, ramp, cap,
// windows, operator commands, late joiners, status. Failure handling (abort,
// timeout, retries, rollback) is in rollout_failures_test.cpp.
#include "fleet/cloud/rollout_controller.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fleet/crypto/random_stream.hpp"
#include "rollout_fixture.hpp"
#include "wave_membership.hpp"

namespace fleet::cloud {
namespace {

using namespace testing;

TEST(rollout, scheduled_until_the_start_time) {
  rollout_policy p = plain_policy();
  p.start_at = sim_time{10min};
  auto c = make(p, 10);
  EXPECT_EQ(c.state(), rollout_state::scheduled);
  EXPECT_EQ(c.next_deadline(), sim_time{10min});
  EXPECT_EQ(c.decide(sim_time{9min}, 0).refusal, offer_refusal::not_started);
  c.advance(sim_time{10min});
  EXPECT_EQ(c.state(), rollout_state::running);
  EXPECT_TRUE(c.decide(sim_time{10min}, 0).offer);
  ASSERT_FALSE(c.history().empty());
  EXPECT_EQ(c.history().front().why, transition_reason::started);
  EXPECT_EQ(c.history().front().at, sim_time{10min});
}

TEST(rollout, a_wave_waits_for_its_success_gate) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 100});
  p.gate = {0.8, 1h, gate_action::next_wave};
  p.device_timeout = 4h;
  auto c = make(p, 100);
  const auto first = members(c, 0), second = members(c, 1);
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(check_in(c, t0, second), 0u);
  EXPECT_EQ(c.status().refused[static_cast<std::size_t>(offer_refusal::wave_not_open)], 90u);
  EXPECT_EQ(check_in(c, t0, first), 10u);

  // 7 of 10 succeeded: below the threshold, however long we wait.
  report_each(c, t0 + 10min, {first.begin(), first.begin() + 7}, wire::COMMITTED);
  c.advance(t0 + 2h);
  EXPECT_EQ(c.current_wave(), 0u);
  EXPECT_EQ(check_in(c, t0 + 2h, second), 0u);
  // The 8th success meets it, and the minimum duration is over: next wave.
  c.report(t0 + 2h, first[7], wire::COMMITTED);
  EXPECT_EQ(c.current_wave(), 1u);
  EXPECT_EQ(c.history().back().why, transition_reason::wave_opened);
  EXPECT_EQ(check_in(c, t0 + 2h, second), 90u);
}

TEST(rollout, a_gate_passes_early_when_every_device_of_the_wave_is_done) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 100});
  p.gate = {0.8, 1h, gate_action::next_wave};
  auto c = make(p, 100);
  const auto first = members(c, 0);
  check_in(c, t0, first);
  report_each(c, t0 + 5min, {first.begin(), first.begin() + 9}, wire::COMMITTED);
  EXPECT_EQ(c.current_wave(), 0u);  // 90 % but one still in flight, and only 5 minutes in
  c.report(t0 + 5min, first[9], wire::FAILED);
  EXPECT_EQ(c.current_wave(), 1u);
  EXPECT_EQ(c.status().waves[1].opened_at, t0 + 5min);
}

TEST(rollout, a_gate_passes_on_time_once_the_threshold_is_met) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 100});
  p.gate = {0.5, 1h, gate_action::next_wave};
  p.device_timeout = 2h;
  auto c = make(p, 100);
  const auto first = members(c, 0);
  check_in(c, t0, first);
  report_each(c, t0 + 5min, {first.begin(), first.begin() + 6}, wire::COMMITTED);
  EXPECT_EQ(c.current_wave(), 0u);
  EXPECT_EQ(c.next_deadline(), t0 + 1h);  // the gate's time, before the devices' timeout
  c.advance(t0 + 1h - 1us);
  EXPECT_EQ(c.current_wave(), 0u);
  c.advance(t0 + 1h);
  EXPECT_EQ(c.current_wave(), 1u);
}

TEST(rollout, a_gate_may_hold_for_the_operator) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 100});
  p.gate = {0.9, 1h, gate_action::pause};
  auto c = make(p, 100);
  const auto first = members(c, 0), second = members(c, 1);
  check_in(c, t0, first);
  report_each(c, t0 + 1min, first, wire::COMMITTED);
  EXPECT_EQ(c.state(), rollout_state::paused);
  EXPECT_EQ(c.status().paused_by, pause_cause::gate_hold);
  EXPECT_EQ(c.decide(t0 + 2min, second[0]).refusal, offer_refusal::paused);
  EXPECT_EQ(c.resume(t0 + 3h), command_result::done);
  EXPECT_EQ(c.state(), rollout_state::running);
  EXPECT_EQ(c.current_wave(), 1u);
  EXPECT_EQ(check_in(c, t0 + 3h, second), 90u);
}

TEST(rollout, a_wave_done_below_its_threshold_pauses) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 100});
  p.gate = {0.9, 1h, gate_action::next_wave};
  auto c = make(p, 100);
  const auto first = members(c, 0);
  check_in(c, t0, first);
  report_each(c, t0 + 1min, {first.begin(), first.begin() + 5}, wire::COMMITTED);
  report_each(c, t0 + 1min, {first.begin() + 5, first.end()}, wire::FAILED);
  EXPECT_EQ(c.state(), rollout_state::paused);
  EXPECT_EQ(c.status().paused_by, pause_cause::gate_failed);
  EXPECT_EQ(c.current_wave(), 0u);
  // The operator overrides the gate.
  EXPECT_EQ(c.resume(t0 + 2min), command_result::done);
  EXPECT_EQ(c.current_wave(), 1u);
}

TEST(rollout, waves_by_count) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_count({3, 10});
  p.gate = {1.0, 1h, gate_action::next_wave};
  auto c = make(p, 50);
  const rollout_status s = c.status();
  ASSERT_EQ(s.waves.size(), 3u);
  EXPECT_EQ(s.waves[0].devices, 3u);
  EXPECT_EQ(s.waves[1].devices, 10u);
  EXPECT_EQ(s.waves[2].devices, 37u);
  std::vector<device_index> all(50);
  for (device_index d = 0; d < 50; ++d) all[d] = d;
  EXPECT_EQ(check_in(c, t0, all), 3u);
  report_each(c, t0 + 1min, members(c, 0), wire::COMMITTED);
  EXPECT_EQ(check_in(c, t0 + 1min, all), 10u);
  report_each(c, t0 + 2min, members(c, 1), wire::COMMITTED);
  EXPECT_EQ(check_in(c, t0 + 2min, all), 37u);
}

TEST(rollout, membership_is_deterministic_and_independent_of_check_in_order) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 100});
  auto forward = make(p, 1000, /*seed=*/11), shuffled = make(p, 1000, /*seed=*/11);
  std::vector<device_index> order(1000);
  for (device_index d = 0; d < 1000; ++d) order[d] = d;
  check_in(forward, t0, order);
  crypto::random_stream rng(11, 0, "check-in-order");
  for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  check_in(shuffled, t0, order);
  std::uint32_t offered = 0;
  for (device_index d = 0; d < 1000; ++d) {
    ASSERT_EQ(forward.wave_of(d), shuffled.wave_of(d)) << d;
    ASSERT_EQ(forward.outcome_of(d), shuffled.outcome_of(d)) << d;
    offered += forward.outcome_of(d) == device_outcome::in_flight;
  }
  EXPECT_EQ(offered, 100u);
}

TEST(rollout, in_flight_cap_is_never_exceeded) {
  // A randomized run: 10k devices check in at random, most commit, some fail,
  // some go silent and time out; the cap must hold at every step.
  for (std::uint64_t seed : {1u, 2u}) {
    SCOPED_TRACE("seed=" + std::to_string(seed));
    rollout_policy p = plain_policy();
    p.waves = wave_plan::by_percent({5, 30, 100});
    p.gate = {0.5, 30min, gate_action::next_wave};
    p.in_flight_limit = 250;
    p.ramp = ramp_policy{200, 2, ramp_basis::notified, 500, 5000};
    p.device_timeout = 2h;
    p.retries = {1, 0, 1};
    auto c = make(p, 10'000, seed);
    crypto::random_stream rng(seed, 0, "rollout-cap");
    std::vector<device_index> reporting;  // offered, will report
    sim_time now = t0;
    std::uint32_t most = 0;
    for (int step = 0; step < 400'000; ++step) {
      now += std::chrono::microseconds(rng.below(400'000));
      const auto d = static_cast<device_index>(rng.below(10'000));
      const offer_decision o = c.decide(now, d);
      if (o.offer && !o.repeat && !rng.chance(0.03)) reporting.push_back(d);  // 3 % go silent
      if (!reporting.empty() && rng.chance(0.6)) {
        const std::size_t i = rng.below(reporting.size());
        const device_index r = reporting[i];
        reporting[i] = reporting.back();
        reporting.pop_back();
        c.report(now, r, rng.chance(0.95) ? wire::COMMITTED : wire::FAILED);
      }
      const std::uint32_t in_flight = c.status().in_flight;
      ASSERT_LE(in_flight, p.in_flight_limit) << "step " << step;
      most = std::max(most, in_flight);
      if (step % 20'000 == 0) {
        // The counter agrees with the devices' own states.
        std::uint32_t counted = 0;
        for (device_index i = 0; i < c.devices(); ++i) counted += c.outcome_of(i) == device_outcome::in_flight;
        ASSERT_EQ(counted, in_flight) << "step " << step;
      }
    }
    EXPECT_EQ(most, p.in_flight_limit);  // the run did press against the cap
    EXPECT_GT(c.status().refused[static_cast<std::size_t>(offer_refusal::in_flight_full)], 0u);
    EXPECT_EQ(c.current_wave(), 2u);
    EXPECT_GT(c.status().attempts.timed_out, 0u);
  }
}

TEST(rollout, ramp_rate_increases_by_the_factor) {
  rollout_policy p = plain_policy();
  p.ramp = ramp_policy{60, 2, ramp_basis::notified, 100, 1000};
  auto c = make(p, 1000);
  std::vector<device_index> all(1000);
  for (device_index d = 0; d < 1000; ++d) all[d] = d;
  EXPECT_EQ(check_in(c, t0, all), 60u);  // the first minute's worth at the base rate
  EXPECT_DOUBLE_EQ(*c.status().offers_per_minute, 60);
  EXPECT_EQ(check_in(c, t0 + 1min, all), 60u);  // the 100th notification doubles the rate
  EXPECT_DOUBLE_EQ(*c.status().offers_per_minute, 120);
  EXPECT_EQ(check_in(c, t0 + 2min, all), 120u);
  EXPECT_DOUBLE_EQ(*c.status().offers_per_minute, 240);  // 200 notified
  EXPECT_EQ(check_in(c, t0 + 3min, all), 240u);
  EXPECT_DOUBLE_EQ(*c.status().offers_per_minute, 960);  // 480 notified: four steps
  EXPECT_GT(c.status().refused[static_cast<std::size_t>(offer_refusal::rate_limited)], 0u);
}

TEST(rollout, ramp_on_succeeded_devices_waits_for_successes) {
  rollout_policy p = plain_policy();
  p.ramp = ramp_policy{10, 3, ramp_basis::succeeded, 5, 1000};
  auto c = make(p, 100);
  std::vector<device_index> all(100);
  for (device_index d = 0; d < 100; ++d) all[d] = d;
  EXPECT_EQ(check_in(c, t0, all), 10u);
  EXPECT_DOUBLE_EQ(*c.status().offers_per_minute, 10);  // notified alone does not ramp
  report_each(c, t0 + 1s, {0, 1, 2, 3, 4}, wire::COMMITTED);
  EXPECT_DOUBLE_EQ(*c.status().offers_per_minute, 30);
}

TEST(rollout, maintenance_window_blocks_offers_outside_it) {
  rollout_policy p = plain_policy();
  p.windows = {{2h, 1h}};  // 02:00-03:00 UTC
  deployment_params params{7, 10, std::chrono::hours(24 * 20000)};  // sim time 0 is a midnight
  rollout_controller c(p, params, t0);
  std::vector<device_index> all{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(check_in(c, t0 + 1h, {0, 1}), 0u);
  EXPECT_EQ(c.decide(t0 + 1h, 2).refusal, offer_refusal::outside_window);
  EXPECT_EQ(check_in(c, t0 + 2h, {0, 1}), 2u);
  EXPECT_EQ(check_in(c, t0 + 3h, all), 0u);
  EXPECT_EQ(check_in(c, t0 + 26h, all), 8u);  // the next day's window
}

TEST(rollout, pause_resume_and_halt) {
  auto c = make(plain_policy(), 10);
  EXPECT_EQ(c.pause(t0), command_result::done);
  EXPECT_EQ(c.status().paused_by, pause_cause::operator_request);
  EXPECT_EQ(c.decide(t0, 0).refusal, offer_refusal::paused);
  EXPECT_EQ(c.pause(t0), command_result::not_allowed);
  EXPECT_EQ(c.resume(t0 + 1min), command_result::done);
  EXPECT_EQ(c.resume(t0 + 1min), command_result::not_allowed);
  EXPECT_TRUE(c.decide(t0 + 1min, 0).offer);
  EXPECT_EQ(c.halt(t0 + 2min), command_result::done);
  EXPECT_EQ(c.state(), rollout_state::halted);
  EXPECT_EQ(c.decide(t0 + 2min, 1).refusal, offer_refusal::stopped);
  EXPECT_EQ(c.decide(t0 + 2min, 0).refusal, offer_refusal::stopped);  // not even a repeat
  EXPECT_EQ(c.resume(t0 + 3min), command_result::not_allowed);
  EXPECT_EQ(c.halt(t0 + 3min), command_result::not_allowed);
  // Outcomes keep being tracked after the halt.
  EXPECT_EQ(c.report(t0 + 4min, 0, wire::COMMITTED), report_result::counted);
  EXPECT_EQ(c.status().attempts.succeeded, 1u);
  const std::vector<transition_reason> expected{transition_reason::started, transition_reason::operator_pause,
                                                transition_reason::operator_resume, transition_reason::operator_halt};
  std::vector<transition_reason> seen;
  for (const transition& t : c.history()) seen.push_back(t.why);
  EXPECT_EQ(seen, expected);
}

TEST(rollout, a_rollout_paused_before_its_start_waits_for_it_after_resume) {
  rollout_policy p = plain_policy();
  p.start_at = sim_time{1h};
  auto c = make(p, 10);
  EXPECT_EQ(c.pause(t0), command_result::done);
  c.advance(sim_time{2h});
  EXPECT_EQ(c.state(), rollout_state::paused);  // the start time passed while paused
  EXPECT_EQ(c.resume(sim_time{2h}), command_result::done);
  EXPECT_EQ(c.state(), rollout_state::running);
}

TEST(rollout, late_joiners_fall_into_waves_by_the_same_rule) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({50, 100});
  auto c = make(p, 100, /*seed=*/7);
  const wave_membership rule(p.waves, 7, 100);
  std::vector<device_index> joined;
  for (int i = 0; i < 200; ++i) joined.push_back(*c.add_device(t0));
  std::uint32_t in_first = 0;
  for (device_index d : joined) {
    ASSERT_EQ(c.wave_of(d), rule.wave_of(d)) << d;
    in_first += c.wave_of(d) == 0;
    const offer_decision o = c.decide(t0, d);
    EXPECT_EQ(o.offer, c.wave_of(d) == 0) << d;
  }
  EXPECT_NEAR(in_first, 100, 30);
  EXPECT_EQ(c.status().waves[0].devices + c.status().waves[1].devices, 300u);
}

TEST(rollout, a_late_joiner_reopens_a_completed_rollout) {
  auto c = make(plain_policy(), 3);
  check_in(c, t0, {0, 1, 2});
  report_each(c, t0 + 1min, {0, 1, 2}, wire::COMMITTED);
  EXPECT_EQ(c.state(), rollout_state::completed);
  const device_index d = *c.add_device(t0 + 1h);
  EXPECT_EQ(c.state(), rollout_state::running);
  EXPECT_EQ(c.history().back().why, transition_reason::late_joiner);
  EXPECT_TRUE(c.decide(t0 + 1h, d).offer);
  EXPECT_EQ(c.report(t0 + 1h + 1min, d, wire::COMMITTED), report_result::counted);
  EXPECT_EQ(c.state(), rollout_state::completed);
}

TEST(rollout, a_device_asking_again_while_in_flight_gets_the_same_offer) {
  rollout_policy p = plain_policy();
  p.in_flight_limit = 1;
  auto c = make(p, 2);
  EXPECT_TRUE(c.decide(t0, 0).offer);
  const offer_decision again = c.decide(t0 + 1min, 0);
  EXPECT_TRUE(again.offer);
  EXPECT_TRUE(again.repeat);
  EXPECT_EQ(c.status().attempts.offers, 1u);
  EXPECT_EQ(c.status().in_flight, 1u);
  EXPECT_EQ(c.offers_to(0), 1u);
}

TEST(rollout, status_counts_outcomes_per_wave) {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({50, 100});
  p.gate = {1.0, 10h, gate_action::next_wave};
  auto c = make(p, 20);
  const auto first = members(c, 0);
  check_in(c, t0, first);
  c.report(t0, first[0], wire::COMMITTED);
  c.report(t0, first[1], wire::FAILED);
  c.report(t0, first[2], wire::REJECTED);
  c.report(t0, first[3], wire::DOWNLOADED);
  const rollout_status s = c.status();
  EXPECT_EQ(count(s, 0, device_outcome::succeeded), 1u);
  EXPECT_EQ(count(s, 0, device_outcome::failed), 1u);
  EXPECT_EQ(count(s, 0, device_outcome::rejected), 1u);
  EXPECT_EQ(count(s, 0, device_outcome::in_flight), 7u);
  EXPECT_EQ(count(s, 1, device_outcome::pending), 10u);
  EXPECT_EQ(s.waves[0].done, 3u);
  EXPECT_EQ(s.in_flight, 7u);
  EXPECT_EQ(s.attempts.offers, 10u);
  EXPECT_EQ(s.attempts.finished(), 3u);
  EXPECT_EQ(s.reports[static_cast<std::size_t>(report_result::progress)], 1u);
}

TEST(rollout, history_is_bounded_and_counts_what_it_dropped) {
  auto c = make(plain_policy(), 1);
  for (int i = 0; i < 200; ++i) {
    c.pause(t0 + std::chrono::seconds(2 * i));
    c.resume(t0 + std::chrono::seconds(2 * i + 1));
  }
  const rollout_status s = c.status();
  EXPECT_EQ(s.transitions, 401u);
  EXPECT_EQ(c.history().size(), history_max);
  EXPECT_EQ(s.transitions_dropped, 401u - history_max);
  EXPECT_EQ(c.history().back().at, t0 + 399s);
}

}  // namespace
}  // namespace fleet::cloud
