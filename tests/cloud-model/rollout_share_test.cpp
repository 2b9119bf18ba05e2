// A governed rollout controller on its own: a partition's share of a
// deployment, driven by hand-written orders.
#include <gtest/gtest.h>

#include "rollout_fixture.hpp"

namespace fleet::cloud {
namespace {

using namespace testing;

rollout_controller make_share(const rollout_policy& p, std::uint32_t devices) {
  return rollout_controller(p, deployment_params{7, devices, {}, true}, t0);
}

rollout_orders running_orders(const rollout_controller& c, std::uint32_t in_flight_limit,
                              std::optional<std::uint32_t> offers = std::nullopt) {
  rollout_orders o;
  o.state = rollout_state::running;
  o.opened_at.assign(c.wave_count(), never);
  o.opened_at[0] = t0;
  o.in_flight_limit = in_flight_limit;
  o.offers = offers;
  return o;
}

TEST(rollout_share, before_its_first_orders_a_share_offers_nothing) {
  rollout_policy p = plain_policy();  // starts at t0
  rollout_controller c = make_share(p, 10);
  rollout_controller ungoverned = make(p, 10);
  EXPECT_EQ(ungoverned.decide(t0 + 1s, 0).offer, true);  // the control case: the same policy offers at once
  EXPECT_EQ(c.state(), rollout_state::scheduled);
  EXPECT_EQ(c.decide(t0 + 1s, 0).refusal, offer_refusal::not_started);
  EXPECT_EQ(c.next_deadline(), never);  // its start is the governor's
  c.follow(running_orders(c, 5));
  EXPECT_TRUE(c.decide(t0 + 2s, 0).offer);
}

TEST(rollout_share, the_orders_in_flight_limit_and_allowance_bound_its_offers) {
  rollout_controller c = make_share(plain_policy(), 20);
  c.follow(running_orders(c, 3));
  EXPECT_EQ(check_in(c, t0, {0, 1, 2, 3, 4}), 3u);
  EXPECT_EQ(c.decide(t0, 5).refusal, offer_refusal::in_flight_full);

  rollout_policy ramped = plain_policy();
  ramped.ramp = ramp_policy{};
  rollout_controller r = make_share(ramped, 20);
  r.follow(running_orders(r, 10, 2u));
  EXPECT_EQ(check_in(r, t0 + 1h, {0, 1, 2, 3}), 2u);  // an hour of a local bucket would allow far more
  EXPECT_EQ(r.decide(t0 + 1h, 4).refusal, offer_refusal::rate_limited);
}

TEST(rollout_share, a_report_closes_the_orders_and_returns_what_was_not_spent) {
  rollout_policy ramped = plain_policy();
  ramped.ramp = ramp_policy{};
  rollout_controller c = make_share(ramped, 20);
  c.follow(running_orders(c, 10, 5u));
  EXPECT_EQ(check_in(c, t0, {0, 1}), 2u);
  const rollout_share_report r = c.share_report();
  EXPECT_EQ(r.offers_unused, 3u);
  EXPECT_EQ(r.in_flight, 2u);
  EXPECT_EQ(r.eligible, 18u);
  EXPECT_EQ(r.ramp_counted, 2u);  // notified, the ramp's basis
  EXPECT_EQ(r.tally.attempts.offers, 2u);
  // Until the next orders, nothing more: the allowance and the free slots went back.
  EXPECT_EQ(c.decide(t0, 2).refusal, offer_refusal::in_flight_full);
  EXPECT_EQ(c.share_report().offers_unused, 0u);
}

TEST(rollout_share, a_share_never_changes_its_own_phase) {
  rollout_policy p = plain_policy();
  p.abort.failed = abort_rule{0.1, 1};
  rollout_controller c = make_share(p, 10);
  rollout_controller ungoverned = make(p, 10);
  c.follow(running_orders(c, 10));
  check_in(c, t0, {0, 1, 2});
  check_in(ungoverned, t0, {0, 1, 2});
  report_each(c, t0 + 1s, {0, 1, 2}, wire::FAILED);
  report_each(ungoverned, t0 + 1s, {0, 1, 2}, wire::FAILED);
  EXPECT_EQ(ungoverned.state(), rollout_state::aborted);  // the control case
  EXPECT_EQ(c.state(), rollout_state::running);
  EXPECT_EQ(c.pause(t0 + 2s), command_result::not_allowed);
  EXPECT_EQ(c.resume(t0 + 2s), command_result::not_allowed);
  // Its devices' timeouts still run here.
  check_in(c, t0 + 2s, {3});
  c.advance(t0 + 2s + p.device_timeout);
  EXPECT_EQ(c.outcome_of(3), device_outcome::timed_out);
}

TEST(rollout_share, a_local_halt_holds_until_the_orders_are_final) {
  rollout_controller c = make_share(plain_policy(), 10);
  c.follow(running_orders(c, 10));
  EXPECT_EQ(c.halt(t0 + 1s), command_result::done);
  EXPECT_EQ(c.decide(t0 + 1s, 0).refusal, offer_refusal::stopped);
  // Orders computed before the governor heard of it still say running: the share stays halted.
  c.follow(running_orders(c, 10));
  EXPECT_EQ(c.state(), rollout_state::halted);
  EXPECT_TRUE(c.share_report().halt_requested);
  EXPECT_FALSE(c.share_report().halt_requested);  // asked once
  rollout_orders aborted = running_orders(c, 0);
  aborted.state = rollout_state::aborted;
  c.follow(aborted);
  EXPECT_EQ(c.state(), rollout_state::aborted);
}

}  // namespace
}  // namespace fleet::cloud
