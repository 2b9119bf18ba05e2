// The fleet-wide policy over governed shares, driven by hand as the
// partitioned engine drives it: devices check in and report to their
// partition's controller, and every control interval (2 s) each share
// reports, the governor ticks, and every share follows its orders.
#include "fleet/cloud/rollout_governor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <tuple>

#include "offer_rate.hpp"
#include "rollout_fixture.hpp"

namespace fleet::cloud {
namespace {

using namespace testing;

constexpr duration control_interval = 2s;

rollout_controller make_share(const rollout_policy& p, std::uint32_t devices, sim_time now = t0) {
  return rollout_controller(p, deployment_params{7, devices, {}, true}, now);
}

/// A simulated device: when it reports, and what.
struct device_run {
  sim_time reports_at = never;
};

/// The fleet's devices, spread over the shares round robin (device g is
/// share g % P's local device g / P), or all on one ungoverned controller.
struct fleet_run {
  std::vector<rollout_controller> controllers;
  std::optional<rollout_governor> governor;  ///< none: one ungoverned controller
  std::vector<device_run> devices;
  /// How long device g takes to report, and what it reports.
  std::function<duration(std::uint32_t)> takes = [](std::uint32_t) { return 30s; };
  std::function<wire::UpdateOutcome(std::uint32_t)> outcome = [](std::uint32_t) { return wire::COMMITTED; };
  /// Called after every decide, with the offer's answer.
  std::function<void(const offer_decision&)> after_decide = [](const offer_decision&) {};

  static fleet_run governed(const rollout_policy& p, std::uint32_t devices, std::uint32_t shares) {
    fleet_run f;
    for (std::uint32_t i = 0; i < shares; ++i) f.controllers.push_back(make_share(p, devices / shares + (i < devices % shares)));
    f.governor.emplace(p, shares, t0);
    f.devices.resize(devices);
    return f;
  }
  static fleet_run single(const rollout_policy& p, std::uint32_t devices) {
    fleet_run f;
    f.controllers.push_back(make(p, devices));
    f.devices.resize(devices);
    return f;
  }

  std::uint32_t shares() const { return static_cast<std::uint32_t>(controllers.size()); }
  rollout_controller& of(std::uint32_t g) { return controllers[g % shares()]; }
  device_index local(std::uint32_t g) const { return g / static_cast<std::uint32_t>(controllers.size()); }

  /// Every device reports what is due, then every device not in flight checks in.
  void step(sim_time now) {
    for (std::uint32_t g = 0; g < devices.size(); ++g) {
      if (devices[g].reports_at <= now) {
        of(g).report(now, local(g), outcome(g));
        devices[g].reports_at = never;
      }
    }
    for (std::uint32_t g = 0; g < devices.size(); ++g) {
      if (devices[g].reports_at != never) continue;
      const offer_decision o = of(g).decide(now, local(g));
      after_decide(o);
      if (o.offer && !o.repeat) devices[g].reports_at = now + takes(g);
    }
  }

  std::vector<rollout_share_report> reports() {
    std::vector<rollout_share_report> r;
    for (rollout_controller& c : controllers) r.push_back(c.share_report());
    return r;
  }

  void tick(sim_time now) {
    if (!governor) return;
    const std::vector<rollout_orders> orders = governor->tick(now, reports());
    for (std::uint32_t i = 0; i < shares(); ++i) controllers[i].follow(orders[i]);
  }

  rollout_state state() const { return governor ? governor->state() : controllers.front().state(); }
  const std::deque<transition>& history() const {
    return governor ? governor->history() : controllers.front().history();
  }
  std::uint32_t in_flight() const {
    std::uint32_t sum = 0;
    for (const rollout_controller& c : controllers) sum += c.status().in_flight;
    return sum;
  }

  /// Steps every second, ticks every control interval, until `done` or `until`.
  void run(sim_time until, const std::function<bool()>& done = [] { return false; }) {
    for (sim_time now = t0; now <= until && !done(); now += 1s) {
      if ((now - t0) % control_interval == duration{0}) tick(now);
      step(now);
    }
  }
};

using wave_step = std::tuple<rollout_state, rollout_state, std::uint32_t, transition_reason>;

std::vector<wave_step> sequence(const std::deque<transition>& h) {
  std::vector<wave_step> out;
  for (const transition& t : h) out.emplace_back(t.from, t.to, t.wave, t.why);
  return out;
}

rollout_policy staged() {
  rollout_policy p = plain_policy();
  p.waves = wave_plan::by_percent({10, 50, 100});
  p.gate.success_threshold = 0.9;
  p.gate.min_wave_duration = 5min;
  p.in_flight_limit = 50;
  return p;
}

TEST(rollout_governor, shares_of_a_good_build_reach_the_same_end_and_waves_as_one_controller) {
  for (const std::uint32_t shares : {2u, 3u, 4u}) {
    SCOPED_TRACE("shares=" + std::to_string(shares));
    fleet_run one = fleet_run::single(staged(), 400);
    fleet_run cut = fleet_run::governed(staged(), 400, shares);
    one.run(t0 + 4h, [&] { return one.state() == rollout_state::completed; });
    cut.run(t0 + 4h, [&] { return cut.state() == rollout_state::completed; });
    ASSERT_EQ(one.state(), rollout_state::completed);
    EXPECT_EQ(cut.state(), rollout_state::completed);
    EXPECT_EQ(sequence(cut.history()), sequence(one.history()));
    const rollout_status s = cut.governor->status();
    EXPECT_EQ(s.devices, 400u);
    EXPECT_EQ(s.attempts.succeeded, 400u);
    // Every share was told: it ends in the fleet's state and wave, with the fleet's history.
    for (const rollout_controller& c : cut.controllers) {
      EXPECT_EQ(c.state(), rollout_state::completed);
      EXPECT_EQ(c.current_wave(), 2u);
      EXPECT_EQ(sequence(c.history()), sequence(one.history()));
    }
  }
}

TEST(rollout_governor, a_bad_build_aborts_at_the_first_tick_after_the_reports_that_cross_the_threshold) {
  rollout_policy p = staged();
  p.waves = wave_plan::by_percent({100});
  p.abort.failed = abort_rule{0.5, 20};
  fleet_run cut = fleet_run::governed(p, 400, 4);
  cut.outcome = [](std::uint32_t g) { return g % 3 == 0 ? wire::COMMITTED : wire::FAILED; };
  cut.takes = [](std::uint32_t g) { return 20s + std::chrono::seconds(g % 7); };
  bool crossed = false;
  int ticks_checked = 0;
  for (sim_time now = t0; now <= t0 + 10min && cut.state() != rollout_state::aborted; now += 1s) {
    if ((now - t0) % control_interval == duration{0}) {
      // What the reports say, summed by hand: has the failed share reached the threshold?
      attempt_counts sum;
      for (const rollout_controller& c : cut.controllers) {
        const attempt_counts& a = c.status().attempts;
        sum.succeeded += a.succeeded;
        sum.failed += a.failed;
        // A share never aborts on its own, however bad its figures.
        EXPECT_NE(c.state(), rollout_state::aborted);
      }
      crossed = sum.finished() >= 20 && sum.failed * 2 >= sum.finished();
      cut.tick(now);
      ++ticks_checked;
      EXPECT_EQ(cut.state() == rollout_state::aborted, crossed) << "at " << now.count() << " us";
    }
    cut.step(now);
  }
  ASSERT_TRUE(crossed);
  EXPECT_GT(ticks_checked, 10);
  EXPECT_EQ(cut.history().back().why, transition_reason::abort_failed);
  // The shares were told at that tick: no device is offered the image any more.
  for (std::uint32_t g = 0; g < cut.devices.size(); ++g) {
    EXPECT_FALSE(cut.of(g).decide(t0 + 11min, cut.local(g)).offer);
  }
}

TEST(rollout_governor, the_in_flight_cap_holds_fleet_wide_at_every_instant_and_binds) {
  rollout_policy p = plain_policy();
  p.in_flight_limit = 10;
  fleet_run cut = fleet_run::governed(p, 2000, 4);
  cut.takes = [](std::uint32_t g) { return 5s + std::chrono::seconds(g % 5); };
  std::uint32_t most = 0;
  std::uint64_t checks = 0;
  cut.after_decide = [&](const offer_decision&) {
    const std::uint32_t now_in_flight = cut.in_flight();
    most = std::max(most, now_in_flight);
    ++checks;
    ASSERT_LE(now_in_flight, 10u);
  };
  cut.run(t0 + 200s);
  EXPECT_EQ(most, 10u);  // the cap binds: the shares fill it between them
  EXPECT_GT(checks, 100'000u);
  const rollout_status s = cut.governor->status();
  EXPECT_GT(s.attempts.succeeded, 100u);
  EXPECT_GT(s.refused[static_cast<std::size_t>(offer_refusal::in_flight_full)], 0u);
}

TEST(rollout_governor, offers_never_exceed_what_one_ramp_allows) {
  rollout_policy p = plain_policy();
  p.ramp = ramp_policy{30, 2, ramp_basis::notified, 100, 300};
  fleet_run cut = fleet_run::governed(p, 1000, 3);
  cut.takes = [](std::uint32_t) { return 10s; };
  // One bucket, fed the same notifications and asked greedily every second:
  // the most offers a single controller's ramp could have made by then.
  offer_rate one(p.ramp);
  one.start(t0);
  std::uint64_t allowed = 0;
  std::uint64_t notified_seen = 0;
  for (sim_time now = t0; now <= t0 + 5min; now += 1s) {
    if ((now - t0) % control_interval == duration{0}) cut.tick(now);
    cut.step(now);
    std::uint64_t offered = 0;
    std::uint64_t notified = 0;
    for (const rollout_controller& c : cut.controllers) {
      offered += c.status().attempts.offers;
      notified += c.status().attempts.notified;
    }
    for (; notified_seen < notified; ++notified_seen) one.on_notified(now);
    while (one.try_take(now)) ++allowed;
    ASSERT_LE(offered, allowed) << "at " << now.count() << " us";
  }
  std::uint64_t offered = 0;
  for (const rollout_controller& c : cut.controllers) offered += c.status().attempts.offers;
  // The ramp binds and grows: far fewer offers than devices, far more than the base rate alone.
  EXPECT_LT(offered, 1000u);
  EXPECT_GT(offered, 30u * 6);
  EXPECT_GT(*cut.governor->status().offers_per_minute, 30.0);
}

TEST(rollout_governor, an_allowance_not_spent_returns_to_the_bucket) {
  rollout_policy p = plain_policy();
  p.ramp = ramp_policy{60, 2, ramp_basis::notified, 1'000'000, 60};
  fleet_run cut = fleet_run::governed(p, 200, 2);
  // A minute of ticks with no device checking in: every allowance comes back unused.
  for (sim_time now = t0; now <= t0 + 60s; now += control_interval) cut.tick(now);
  // Then every device checks in within one interval: the bucket is full (a
  // minute of the rate), not drained by the allowances handed out before.
  cut.step(t0 + 61s);
  std::uint32_t offered = 0;
  for (const rollout_controller& c : cut.controllers) offered += c.status().in_flight;
  EXPECT_GE(offered, 58u);
  EXPECT_LE(offered, 60u);
}

TEST(rollout_governor, a_share_halted_locally_stops_at_once_and_the_fleet_at_the_next_tick) {
  fleet_run cut = fleet_run::governed(plain_policy(), 40, 2);
  cut.tick(t0);
  ASSERT_EQ(cut.state(), rollout_state::running);
  // A newer deployment took over in share 1's partition.
  EXPECT_EQ(cut.controllers[1].halt(t0 + 1s), command_result::done);
  EXPECT_EQ(cut.controllers[1].decide(t0 + 1s, 0).refusal, offer_refusal::stopped);
  EXPECT_TRUE(cut.controllers[0].decide(t0 + 1s, 0).offer);  // the other share runs until the tick
  EXPECT_EQ(cut.state(), rollout_state::running);
  cut.tick(t0 + 2s);
  EXPECT_EQ(cut.state(), rollout_state::halted);
  EXPECT_EQ(cut.history().back().why, transition_reason::operator_halt);
  EXPECT_EQ(cut.controllers[0].state(), rollout_state::halted);
  EXPECT_EQ(cut.controllers[0].decide(t0 + 3s, 1).refusal, offer_refusal::stopped);
  // Final, but share 0's device is still in flight: its report is yet to be counted.
  EXPECT_EQ(cut.governor->status().in_flight, 1u);
  EXPECT_TRUE(cut.governor->needs_ticks());
}

TEST(rollout_governor, a_rollback_fires_on_the_shares_failures_summed) {
  rollout_policy p = plain_policy();
  p.rollback.failed_devices = 6;
  fleet_run cut = fleet_run::governed(p, 40, 2);
  cut.run(t0 + 60s);
  ASSERT_EQ(cut.state(), rollout_state::completed);
  // Three devices of each share fail after commit: 3 each, 6 together.
  for (device_index d = 0; d < 3; ++d) {
    EXPECT_TRUE(cut.controllers[0].report_failure_after_commit(t0 + 61s, d));
    EXPECT_TRUE(cut.controllers[1].report_failure_after_commit(t0 + 61s, d));
  }
  EXPECT_EQ(cut.controllers[0].decide_rollback(t0 + 61s, 5).refusal, rollback_refusal::not_requested);
  cut.tick(t0 + 62s);
  EXPECT_EQ(cut.state(), rollout_state::rollback_requested);
  ASSERT_TRUE(cut.governor->status().rollback.has_value());
  EXPECT_EQ(cut.governor->status().rollback->failed_devices, 6u);
  EXPECT_TRUE(cut.controllers[0].decide_rollback(t0 + 63s, 5).offer);
  EXPECT_TRUE(cut.controllers[1].decide_rollback(t0 + 63s, 0).offer);
  cut.tick(t0 + 64s);
  EXPECT_EQ(cut.governor->status().rolled_back.in_flight, 2u);
  EXPECT_EQ(cut.governor->status().rolled_back.took, 40u);
  EXPECT_TRUE(cut.governor->needs_ticks());
}

TEST(rollout_governor, a_scheduled_rollout_waits_for_its_start_time_without_ticks) {
  rollout_policy p = plain_policy();
  p.start_at = t0 + 1h;
  rollout_governor g(p, 2, t0);
  EXPECT_EQ(g.next_deadline(), t0 + 1h);
  EXPECT_FALSE(g.needs_ticks());
  rollout_controller a = make_share(p, 10);
  rollout_controller b = make_share(p, 10);
  auto orders = g.tick(t0 + 1h, {a.share_report(), b.share_report()});
  EXPECT_EQ(g.state(), rollout_state::running);
  EXPECT_TRUE(g.needs_ticks());
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].state, rollout_state::running);
  // The cap's free slots go evenly to equal demand.
  EXPECT_EQ(orders[0].in_flight_limit + orders[1].in_flight_limit, p.in_flight_limit);
  EXPECT_FALSE(orders[0].offers.has_value());  // no ramp
}

TEST(rollout_governor, operator_commands_reach_the_shares_at_the_next_tick) {
  fleet_run cut = fleet_run::governed(staged(), 100, 2);
  cut.tick(t0);
  EXPECT_EQ(cut.governor->pause(t0 + 1s), command_result::done);
  EXPECT_EQ(cut.controllers[0].state(), rollout_state::running);  // told at the next tick only
  cut.tick(t0 + 2s);
  EXPECT_EQ(cut.controllers[1].state(), rollout_state::paused);
  EXPECT_EQ(cut.controllers[1].status().paused_by, pause_cause::operator_request);
  EXPECT_EQ(cut.governor->resume(t0 + 3s), command_result::done);
  cut.tick(t0 + 4s);
  EXPECT_EQ(cut.controllers[1].state(), rollout_state::running);
  EXPECT_EQ(cut.controllers[1].pause(t0 + 5s), command_result::not_allowed);  // the governor's call
}

}  // namespace
}  // namespace fleet::cloud
