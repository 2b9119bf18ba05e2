// The rollout controller's failure handling: abort rules, device timeout,
// retries by type, the rollback policy and the cloud-initiated rollback it
// starts, and reports it does not count.
#include "fleet/cloud/rollout_controller.hpp"

#include <gtest/gtest.h>

#include "rollout_fixture.hpp"
#include "service_state.pb.h"

namespace fleet::cloud {
namespace {

using namespace testing;

std::vector<device_index> range(device_index from, device_index to) {
  std::vector<device_index> v;
  for (device_index d = from; d < to; ++d) v.push_back(d);
  return v;
}

TEST(rollout, abort_fires_at_threshold_only_after_min_sample) {
  rollout_policy p = plain_policy();
  p.abort.failed = abort_rule{0.5, 10};
  auto c = make(p, 100);
  check_in(c, t0, range(0, 100));
  // Nine failures out of nine: 100 %, but the sample is one short.
  report_each(c, t0 + 1min, range(0, 9), wire::ROLLED_BACK);
  EXPECT_EQ(c.state(), rollout_state::running);
  EXPECT_EQ(c.status().attempts.failed, 9u);
  // The tenth finished attempt completes the sample: 9/10 >= 50 %.
  c.report(t0 + 2min, 9, wire::COMMITTED);
  EXPECT_EQ(c.state(), rollout_state::aborted);
  EXPECT_EQ(c.history().back().why, transition_reason::abort_failed);
  EXPECT_EQ(c.history().back().at, t0 + 2min);
  EXPECT_EQ(c.decide(t0 + 3min, 50).refusal, offer_refusal::stopped);
  EXPECT_EQ(c.resume(t0 + 3min), command_result::not_allowed);
}

TEST(rollout, abort_fires_exactly_at_the_threshold_not_below) {
  rollout_policy p = plain_policy();
  p.abort.failed = abort_rule{0.3, 10};
  auto c = make(p, 100);
  check_in(c, t0, range(0, 100));
  report_each(c, t0 + 1min, range(0, 7), wire::COMMITTED);
  report_each(c, t0 + 1min, range(7, 9), wire::FAILED);
  c.report(t0 + 1min, 9, wire::COMMITTED);  // 2 of 10: 20 %
  EXPECT_EQ(c.state(), rollout_state::running);
  c.report(t0 + 1min, 10, wire::FAILED);    // 3 of 11: 27 %
  EXPECT_EQ(c.state(), rollout_state::running);
  c.report(t0 + 1min, 11, wire::FAILED);    // 4 of 12: 33 %
  EXPECT_EQ(c.state(), rollout_state::aborted);

  // Exactly 30 %: 0.3 * 10 is not 3 in binary floating point; the rule still fires.
  auto exact = make(p, 100);
  check_in(exact, t0, range(0, 100));
  report_each(exact, t0 + 1min, range(0, 7), wire::COMMITTED);
  report_each(exact, t0 + 1min, range(7, 9), wire::FAILED);
  EXPECT_EQ(exact.state(), rollout_state::running);
  exact.report(t0 + 1min, 9, wire::FAILED);
  EXPECT_EQ(exact.state(), rollout_state::aborted);
}

TEST(rollout, abort_rules_count_their_own_failure_type) {
  rollout_policy p = plain_policy();
  p.abort.rejected = abort_rule{0.2, 5};
  auto c = make(p, 100);
  check_in(c, t0, range(0, 100));
  report_each(c, t0 + 1min, range(0, 10), wire::FAILED);  // 100 % failed, but no rule for that
  EXPECT_EQ(c.state(), rollout_state::running);
  report_each(c, t0 + 1min, range(10, 12), wire::REJECTED);  // 2 of 12: 17 %
  EXPECT_EQ(c.state(), rollout_state::running);
  c.report(t0 + 1min, 12, wire::REJECTED);  // 3 of 13: 23 %
  EXPECT_EQ(c.state(), rollout_state::aborted);
  EXPECT_EQ(c.history().back().why, transition_reason::abort_rejected);
}

TEST(rollout, abort_on_timed_out_devices) {
  rollout_policy p = plain_policy();
  p.abort.timed_out = abort_rule{0.5, 4};
  auto c = make(p, 10);
  check_in(c, t0, range(0, 4));
  c.report(t0 + 1min, 0, wire::COMMITTED);
  c.advance(t0 + 1h);  // three silent devices time out: 3 of 4
  EXPECT_EQ(c.state(), rollout_state::aborted);
  EXPECT_EQ(c.history().back().why, transition_reason::abort_timed_out);
}

TEST(rollout, abort_on_all_failure_types_together) {
  rollout_policy p = plain_policy();
  p.abort.any = abort_rule{0.5, 4};
  auto c = make(p, 10);
  check_in(c, t0, range(0, 10));
  c.report(t0, 0, wire::COMMITTED);
  c.report(t0, 1, wire::COMMITTED);
  c.report(t0, 2, wire::FAILED);
  EXPECT_EQ(c.state(), rollout_state::running);
  c.report(t0, 3, wire::REJECTED);  // 2 of 4 failed in some way
  EXPECT_EQ(c.state(), rollout_state::aborted);
  EXPECT_EQ(c.history().back().why, transition_reason::abort_any);
}

TEST(rollout, device_timeout_counts_a_silent_device_and_frees_its_slot) {
  rollout_policy p = plain_policy();
  p.in_flight_limit = 1;
  p.device_timeout = 1h;
  auto c = make(p, 2);
  EXPECT_TRUE(c.decide(t0, 0).offer);
  EXPECT_EQ(c.decide(t0 + 1min, 1).refusal, offer_refusal::in_flight_full);
  EXPECT_EQ(c.next_deadline(), t0 + 1h);
  c.advance(t0 + 1h);
  EXPECT_EQ(c.outcome_of(0), device_outcome::timed_out);
  EXPECT_EQ(c.status().in_flight, 0u);
  EXPECT_EQ(c.status().attempts.timed_out, 1u);
  EXPECT_TRUE(c.decide(t0 + 1h, 1).offer);
  // Progress reports do not extend the timeout.
  EXPECT_EQ(c.report(t0 + 90min, 1, wire::DOWNLOADED), report_result::progress);
  c.advance(t0 + 2h);
  EXPECT_EQ(c.outcome_of(1), device_outcome::timed_out);
}

TEST(rollout, a_late_report_updates_the_device_but_not_the_attempt_count) {
  rollout_policy p = plain_policy();
  p.retries.timed_out = 3;
  auto c = make(p, 1);
  c.decide(t0, 0);
  c.advance(t0 + 1h);
  EXPECT_EQ(c.report(t0 + 2h, 0, wire::COMMITTED), report_result::late);
  EXPECT_EQ(c.outcome_of(0), device_outcome::succeeded);
  EXPECT_EQ(c.decide(t0 + 3h, 0).refusal, offer_refusal::already_updated);  // not offered again
  EXPECT_EQ(c.status().attempts.timed_out, 1u);
  EXPECT_EQ(c.status().attempts.succeeded, 0u);
  EXPECT_EQ(c.state(), rollout_state::completed);
}

TEST(rollout, retries_by_failure_type) {
  rollout_policy p = plain_policy();
  p.retries = {/*failed=*/1, /*rejected=*/0, /*timed_out=*/2};
  auto c = make(p, 3);
  // Failed: one retry.
  EXPECT_TRUE(c.decide(t0, 0).offer);
  c.report(t0, 0, wire::FAILED);
  EXPECT_TRUE(c.decide(t0 + 1min, 0).offer);
  c.report(t0 + 1min, 0, wire::FAILED);
  EXPECT_EQ(c.decide(t0 + 2min, 0).refusal, offer_refusal::retries_exhausted);
  EXPECT_EQ(c.offers_to(0), 2u);
  // Rejected: none.
  EXPECT_TRUE(c.decide(t0 + 2min, 1).offer);
  c.report(t0 + 2min, 1, wire::REJECTED);
  EXPECT_EQ(c.decide(t0 + 3min, 1).refusal, offer_refusal::retries_exhausted);
  // Timed out: two retries, each timed by its own deadline.
  sim_time now = t0 + 4min;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ASSERT_TRUE(c.decide(now, 2).offer) << attempt;
    now += 1h;
    c.advance(now);
    ASSERT_EQ(c.outcome_of(2), device_outcome::timed_out);
  }
  EXPECT_EQ(c.decide(now, 2).refusal, offer_refusal::retries_exhausted);
  EXPECT_EQ(c.status().attempts.timed_out, 3u);
  EXPECT_EQ(c.state(), rollout_state::completed);  // every device done, none left to retry
}

TEST(rollout, a_success_on_retry_leaves_the_failure_counted) {
  rollout_policy p = plain_policy();
  p.retries.failed = 1;
  auto c = make(p, 1);
  c.decide(t0, 0);
  c.report(t0, 0, wire::FAILED);
  c.decide(t0 + 1min, 0);
  c.report(t0 + 1min, 0, wire::COMMITTED);
  const rollout_status s = c.status();
  EXPECT_EQ(s.attempts.failed, 1u);
  EXPECT_EQ(s.attempts.succeeded, 1u);
  EXPECT_EQ(count(s, 0, device_outcome::failed), 0u);
  EXPECT_EQ(count(s, 0, device_outcome::succeeded), 1u);
}

TEST(rollout, rollback_policy_by_count_requests_a_rollback_and_halts) {
  rollout_policy p = plain_policy();
  p.rollback.failed_devices = 3;
  auto c = make(p, 100);
  check_in(c, t0, range(0, 100));
  report_each(c, t0 + 1min, range(0, 2), wire::FAILED);
  report_each(c, t0 + 1min, range(2, 10), wire::REJECTED);  // rejected is not failed
  EXPECT_EQ(c.state(), rollout_state::running);
  EXPECT_FALSE(c.status().rollback.has_value());
  c.report(t0 + 2min, 10, wire::ROLLED_BACK);
  EXPECT_EQ(c.state(), rollout_state::rollback_requested);
  const rollout_status s = c.status();
  ASSERT_TRUE(s.rollback.has_value());
  EXPECT_EQ(s.rollback->why, transition_reason::rollback_failed_devices);
  EXPECT_EQ(s.rollback->failed_devices, 3u);
  EXPECT_EQ(s.rollback->at, t0 + 2min);
  EXPECT_EQ(c.decide(t0 + 3min, 50).refusal, offer_refusal::stopped);
  EXPECT_EQ(c.resume(t0 + 3min), command_result::not_allowed);
}

TEST(rollout, rollback_policy_by_share_of_the_group) {
  rollout_policy p = plain_policy();
  p.rollback.failed_share = 0.1;
  auto c = make(p, 50);
  check_in(c, t0, range(0, 50));
  report_each(c, t0 + 1min, range(0, 4), wire::FAILED);
  EXPECT_EQ(c.state(), rollout_state::running);
  c.report(t0 + 1min, 4, wire::FAILED);  // 5 of 50
  EXPECT_EQ(c.state(), rollout_state::rollback_requested);
  EXPECT_EQ(c.status().rollback->why, transition_reason::rollback_failed_share);
  EXPECT_EQ(c.status().rollback->targeted_devices, 50u);
}

TEST(rollout, reports_it_cannot_count_are_answered_and_counted) {
  auto c = make(plain_policy(), 2);
  EXPECT_EQ(c.report(t0, 5, wire::COMMITTED), report_result::unknown_device);
  EXPECT_EQ(c.report(t0, 0, wire::COMMITTED), report_result::not_offered);
  c.decide(t0, 0);
  EXPECT_EQ(c.report(t0, 0, wire::UPDATE_OUTCOME_UNSPECIFIED), report_result::unspecified);
  EXPECT_EQ(c.report(t0, 0, wire::DEFERRED), report_result::progress);
  EXPECT_EQ(c.report(t0, 0, wire::INSTALLED), report_result::progress);
  EXPECT_EQ(c.outcome_of(0), device_outcome::in_flight);
  EXPECT_EQ(c.report(t0, 0, wire::COMMITTED), report_result::counted);
  EXPECT_EQ(c.report(t0, 0, wire::COMMITTED), report_result::already_final);
  EXPECT_EQ(c.decide(t0, 9).refusal, offer_refusal::unknown_device);
  const rollout_status s = c.status();
  EXPECT_EQ(s.reports[static_cast<std::size_t>(report_result::already_final)], 1u);
  EXPECT_EQ(s.attempts.succeeded, 1u);
}

/// The plain policy with a rollback at `failed_devices`, and a device
/// timeout long enough that nobody in flight times out in these tests.
rollout_policy rolling_back_at(std::uint32_t failed_devices) {
  rollout_policy p = plain_policy();
  p.device_timeout = 48h;
  p.rollback.failed_devices = failed_devices;
  return p;
}

// A build that commits and then crashes: the device does not roll back on
// its own, so only a failure after commit can tell the cloud.
TEST(rollout, a_failure_after_commit_counts_toward_the_rollback_policy) {
  auto c = make(rolling_back_at(3), 10);
  check_in(c, t0, range(0, 10));
  report_each(c, t0 + 10min, range(0, 5), wire::COMMITTED);
  // Only a device that committed can fail after its commit.
  EXPECT_FALSE(c.report_failure_after_commit(t0 + 20min, 7));  // in flight
  EXPECT_FALSE(c.report_failure_after_commit(t0 + 20min, 99));  // not targeted
  EXPECT_EQ(c.outcome_of(7), device_outcome::in_flight);
  EXPECT_TRUE(c.report_failure_after_commit(t0 + 1h, 0));
  EXPECT_FALSE(c.report_failure_after_commit(t0 + 1h, 0));  // a second crash of the same device counts once
  EXPECT_TRUE(c.report_failure_after_commit(t0 + 1h, 1));
  EXPECT_EQ(c.outcome_of(0), device_outcome::failed_after_commit);
  EXPECT_EQ(c.state(), rollout_state::running);  // two of three
  // Its commit stays counted as a successful attempt; the device is done.
  EXPECT_EQ(c.status().attempts.succeeded, 5u);
  EXPECT_EQ(c.decide(t0 + 1h, 0).refusal, offer_refusal::already_updated);
  EXPECT_EQ(c.report(t0 + 1h, 0, wire::COMMITTED), report_result::already_final);
  EXPECT_TRUE(c.report_failure_after_commit(t0 + 2h, 2));
  EXPECT_EQ(c.state(), rollout_state::rollback_requested);
  EXPECT_EQ(c.status().rollback->failed_devices, 3u);
  EXPECT_EQ(count(c.status(), 0, device_outcome::failed_after_commit), 3u);
}

TEST(rollout, without_failures_after_commit_crashing_devices_never_fire_the_rollback) {
  // The control: the same devices committed, nobody told the controller of
  // their crashes, and the policy never fires.
  auto c = make(rolling_back_at(3), 10);
  check_in(c, t0, range(0, 10));
  report_each(c, t0 + 10min, range(0, 5), wire::COMMITTED);
  c.advance(t0 + 2h);
  EXPECT_FALSE(c.status().rollback.has_value());
}

TEST(rollout, the_rollback_image_goes_to_the_devices_that_took_the_failed_one) {
  auto c = make(rolling_back_at(4), 10);
  check_in(c, t0, range(0, 8));  // 8 and 9 never check in
  report_each(c, t0 + 10min, range(0, 4), wire::COMMITTED);
  report_each(c, t0 + 10min, range(4, 6), wire::ROLLED_BACK);
  c.report(t0 + 10min, 6, wire::REJECTED);
  EXPECT_EQ(c.decide_rollback(t0 + 20min, 0).refusal, rollback_refusal::not_requested);
  c.report_failure_after_commit(t0 + 1h, 0);
  c.report_failure_after_commit(t0 + 1h, 1);
  ASSERT_EQ(c.state(), rollout_state::rollback_requested);

  const sim_time now = t0 + 2h;
  for (device_index d : {0u, 1u, 2u, 3u}) {
    const rollback_decision r = c.decide_rollback(now, d);
    EXPECT_TRUE(r.offer && !r.repeat) << "device " << d;
  }
  // Rolled back on their own, refused it, never got it: nothing to undo.
  for (device_index d : {4u, 5u, 6u, 7u, 8u, 9u}) {
    EXPECT_EQ(c.decide_rollback(now, d).refusal, rollback_refusal::did_not_take) << "device " << d;
  }
  EXPECT_EQ(c.decide_rollback(now, 42).refusal, rollback_refusal::unknown_device);
  // Device 7 was in flight when the policy fired; once it commits, it took the build too.
  c.report(now + 1min, 7, wire::COMMITTED);
  EXPECT_TRUE(c.decide_rollback(now + 2min, 7).offer);
  // The failed image itself is offered to nobody any more.
  EXPECT_EQ(c.decide(now + 2min, 8).refusal, offer_refusal::stopped);

  const rollback_progress back = c.status().rolled_back;
  EXPECT_EQ(back.took, 5u);
  EXPECT_EQ(back.offered, 5u);
  EXPECT_EQ(back.in_flight, 5u);
  EXPECT_EQ(back.offers, 5u);
  EXPECT_EQ(back.committed, 0u);
  EXPECT_EQ(back.refused[static_cast<std::size_t>(rollback_refusal::did_not_take)], 6u);
}

TEST(rollout, rollback_attempts_are_reported_retried_and_bounded) {
  auto c = make(rolling_back_at(1), 5);
  check_in(c, t0, range(0, 5));
  report_each(c, t0 + 10min, range(0, 5), wire::COMMITTED);
  EXPECT_EQ(c.report_rollback(t0 + 20min, 0, wire::COMMITTED), report_result::not_offered);
  c.report_failure_after_commit(t0 + 1h, 3);
  ASSERT_EQ(c.state(), rollout_state::rollback_requested);
  const sim_time now = t0 + 2h;
  for (device_index d = 0; d < 5; ++d) ASSERT_TRUE(c.decide_rollback(now, d).offer);

  // 0 commits it: done, offered no more.
  EXPECT_TRUE(c.decide_rollback(now + 1min, 0).repeat);  // asked again in flight: the same offer
  EXPECT_EQ(c.report_rollback(now + 5min, 0, wire::INSTALLED), report_result::progress);
  EXPECT_EQ(c.report_rollback(now + 10min, 0, wire::COMMITTED), report_result::counted);
  EXPECT_EQ(c.report_rollback(now + 10min, 0, wire::COMMITTED), report_result::already_final);
  // 1 refuses it: final.
  EXPECT_EQ(c.report_rollback(now + 10min, 1, wire::REJECTED), report_result::counted);
  EXPECT_EQ(c.decide_rollback(now + 20min, 0).refusal, rollback_refusal::already_rolled_back);
  EXPECT_EQ(c.decide_rollback(now + 20min, 1).refusal, rollback_refusal::rejected);
  // 2 fails every attempt: offered again until rollback_attempts_max attempts failed.
  sim_time at = now + 20min;
  std::uint32_t attempts = 1;
  c.report_rollback(at, 2, wire::FAILED);
  while (c.decide_rollback(at += 1h, 2).offer) {
    ++attempts;
    c.report_rollback(at += 10min, 2, wire::FAILED);
  }
  EXPECT_EQ(attempts, rollback_attempts_max);
  EXPECT_EQ(c.decide_rollback(at + 1h, 2).refusal, rollback_refusal::attempts_exhausted);
  // 4 installs it and its trial fails: the firmware never takes that image
  // again, so it is not offered again.
  EXPECT_EQ(c.report_rollback(at += 1h, 4, wire::ROLLED_BACK), report_result::counted);
  EXPECT_EQ(c.decide_rollback(at += 1h, 4).refusal, rollback_refusal::failed_its_trial);

  const rollback_progress back = c.status().rolled_back;
  EXPECT_EQ(back.took, 5u);
  EXPECT_EQ(back.offered, 5u);
  EXPECT_EQ(back.committed, 1u);
  EXPECT_EQ(back.rejected, 1u);
  EXPECT_EQ(back.failed, 2u);
  EXPECT_EQ(back.in_flight, 1u);  // 3 has not reported
  EXPECT_EQ(back.offers, 5u + rollback_attempts_max - 1);
  EXPECT_EQ(back.last_committed_at, now + 10min);
}

// A snapshot mid-rollback restores a controller that answers as the
// original: who was offered the rollback image, their attempts, the counts.
TEST(rollout, a_snapshot_keeps_the_rollback_under_way) {
  auto c = make(rolling_back_at(1), 5);
  check_in(c, t0, range(0, 5));
  report_each(c, t0 + 10min, range(0, 5), wire::COMMITTED);
  c.report_failure_after_commit(t0 + 1h, 3);
  const sim_time now = t0 + 2h;
  for (device_index d = 0; d < 4; ++d) ASSERT_TRUE(c.decide_rollback(now, d).offer);
  c.report_rollback(now + 10min, 0, wire::COMMITTED);
  c.report_rollback(now + 10min, 1, wire::FAILED);

  state::RolloutState saved;
  c.save(saved);
  std::unique_ptr<rollout_controller> twin;
  ASSERT_TRUE(rollout_controller::restore(saved, twin).ok());
  state::RolloutState again;
  twin->save(again);
  EXPECT_EQ(again.SerializeAsString(), saved.SerializeAsString());
  const sim_time later = now + 1h;
  for (device_index d = 0; d < 5; ++d) {
    SCOPED_TRACE("device " + std::to_string(d));
    const rollback_decision a = c.decide_rollback(later, d);
    const rollback_decision b = twin->decide_rollback(later, d);
    EXPECT_EQ(a.offer, b.offer);
    EXPECT_EQ(a.refusal, b.refusal);
  }
  EXPECT_EQ(twin->status().rolled_back.committed, 1u);
  EXPECT_EQ(twin->status().rolled_back.offers, c.status().rolled_back.offers);

  // Without the rollback slots the twin would offer device 0 again: the check can fail.
  saved.clear_rollback_slots();
  std::unique_ptr<rollout_controller> forgetful;
  ASSERT_TRUE(rollout_controller::restore(saved, forgetful).ok());
  EXPECT_NE(forgetful->decide_rollback(later, 0).refusal, rollback_refusal::already_rolled_back);
}

}  // namespace
}  // namespace fleet::cloud
