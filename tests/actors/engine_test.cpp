// The engine end to end on small fleets: the real firmware core in every
// device, the real security service, the simulated network, in windows.
#include <gtest/gtest.h>

#include <algorithm>

#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

TEST(engine, a_small_fleet_boots_attests_and_commits_a_staged_rollout) {
  const auto s = testing::load(testing::staged_rollout(50));
  const run_result r = run(s, {});
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.devices, 50u);
  EXPECT_EQ(r.simulated, s.length);
  // Every device booted and attested; each of the 50 took 1.1.0 and committed it.
  EXPECT_GE(r.counters.boots, 100u);  // the factory boot and the trial boot
  EXPECT_GE(r.counters.attestations, 100u);
  EXPECT_EQ(r.counters.updates_committed, 50u);
  EXPECT_EQ(r.counters.updates_rolled_back, 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
  EXPECT_GE(r.counters.certificates_issued, r.counters.attestations);
  ASSERT_EQ(r.deployments.size(), 1u);
  EXPECT_EQ(r.deployments[0].name, "app-1.1.0");
  EXPECT_EQ(r.deployments[0].state, "completed");
  EXPECT_EQ(r.deployments[0].succeeded, 50u);
  ASSERT_GE(r.timeline.size(), 2u);
  // Devices are off at time zero and all booted by the second point (4 h).
  EXPECT_EQ(r.timeline.front().states.at("off"), 50u);
  EXPECT_EQ(r.timeline[1].app_versions.at("1.0.0"), 50u);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.1.0"), 50u);
  EXPECT_EQ(r.timeline.back().states.at("attested"), 50u);
  EXPECT_GT(r.crypto_ops.verifies, 0u);
  EXPECT_EQ(r.trace_hash.size(), 64u);
}

TEST(engine, a_bad_build_is_aborted_and_the_devices_that_took_it_roll_back) {
  const auto s = testing::load(testing::staged_rollout(
      50, "behaviour { boot_failure_probability: 1 }", "abort { failed { threshold: 0.5 min_sample: 3 } }"));
  const run_result r = run(s, {});
  ASSERT_EQ(r.deployments.size(), 1u);
  EXPECT_EQ(r.deployments[0].state, "aborted");
  EXPECT_GT(r.counters.updates_rolled_back, 0u);
  EXPECT_EQ(r.counters.updates_committed, 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
  // The abort held the second wave back: far fewer than the fleet tried it.
  EXPECT_LT(r.counters.updates_rolled_back, 20u);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.0.0"), 50u);
}

TEST(engine, a_build_failing_after_commit_is_rolled_back_by_the_cloud) {
  // 1.1.0 passes its trial and commits, then leaks: a crash 2 h after every
  // start. The devices report the crashes in their telemetry; at 3 failed
  // devices the cloud stops the rollout and offers 1.1.1 (the old content,
  // security version 2) to every device that committed 1.1.0.
  const auto s = testing::load(
      testing::staged_rollout(60, "behaviour { leak_crash_after: \"2h\" }",
                              "rollback { failed_devices: 3 image: \"app@1.1.1\" }") +
      "image { name: \"app\" version: \"1.1.1\" component: APP product: \"thermostat\" security_version: 2 "
      "size: \"32KiB\" }\n");
  ASSERT_TRUE(s.deployments[0].rollback_image.has_value());
  const run_result r = run(s, {});
  ASSERT_EQ(r.deployments.size(), 1u);
  const deployment_outcome& d = r.deployments[0];
  EXPECT_EQ(d.state, "rollback_requested");
  EXPECT_GE(d.failed_after_commit, 3u);
  EXPECT_EQ(d.failed, 0u);  // no device failed its trial: the cloud had to act
  ASSERT_TRUE(d.rollback.requested_at.has_value());
  ASSERT_TRUE(d.rollback.last_committed_at.has_value());
  EXPECT_GT(*d.rollback.last_committed_at, *d.rollback.requested_at);
  EXPECT_GE(d.rollback.took, 3u);
  EXPECT_EQ(d.rollback.offered, d.rollback.took);
  EXPECT_EQ(d.rollback.committed, d.rollback.took);
  EXPECT_EQ(d.rollback.took, d.succeeded);  // every commit of 1.1.0 was rolled back
  // No device runs the leaking build at the end; the rest never took it.
  EXPECT_EQ(r.timeline.back().app_versions.count("1.1.0"), 0u);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.1.1"), d.rollback.took);
  EXPECT_EQ(r.timeline.back().app_versions.at("1.0.0"), 60u - d.rollback.took);
  EXPECT_EQ(r.counters.bricked, 0u);
  EXPECT_EQ(r.counters.updates_rolled_back, 0u);
}

// A device an offline fault switched off counts in the timeline with the
// app it last ran: "0.0.0" is for devices that never booted (issue 18).
TEST(engine, a_device_switched_off_counts_with_the_app_it_last_ran) {
  const auto s = testing::load(testing::staged_rollout(50) +
                               "fault { at: \"12h\" duration: \"6h\" fraction: 0.5 offline {} }\n");
  const run_result r = run(s, {});
  // Hourly points over 4 days: the one at 14 h is in the middle of the spell.
  const auto at_14h = std::find_if(r.timeline.begin(), r.timeline.end(),
                                   [](const timeline_point& p) { return p.at == std::chrono::hours(14); });
  ASSERT_NE(at_14h, r.timeline.end());
  ASSERT_GT(at_14h->states.count("off"), 0u);
  EXPECT_GT(at_14h->states.at("off"), 10u);
  EXPECT_EQ(at_14h->app_versions.count("0.0.0"), 0u);
  std::uint64_t counted = 0;
  for (const auto& [version, devices] : at_14h->app_versions) counted += devices;
  EXPECT_EQ(counted, 50u);
  EXPECT_EQ(r.timeline.front().app_versions.at("0.0.0"), 50u);  // before the first boot
}

// ---- a product's device timing (issue 18) ---------------------------------

/// staged_rollout with `timing { <body> }` in the product and `rollout_extra` in its rollout.
std::string timed_rollout(int devices, const std::string& body, const std::string& rollout_extra = "") {
  std::string text = testing::staged_rollout(devices, "", rollout_extra);
  const std::string last_revision = "hardware_rev { name: \"B\" share: 0.5 }";
  text.replace(text.find(last_revision), last_revision.size(), last_revision + " timing { " + body + " }");
  return text;
}

const timeline_point* point_at(const run_result& r, std::chrono::hours at) {
  const auto found =
      std::find_if(r.timeline.begin(), r.timeline.end(), [&](const timeline_point& p) { return p.at == at; });
  return found == r.timeline.end() ? nullptr : &*found;
}

std::uint64_t off_at(const run_result& r, std::chrono::hours at) {
  const timeline_point* p = point_at(r, at);
  EXPECT_NE(p, nullptr) << "no timeline point at " << at.count() << " h";
  if (p == nullptr || p->states.count("off") == 0) return 0;
  return p->states.at("off");
}

TEST(engine, the_default_device_timing_written_out_is_the_same_run) {
  const run_result plain = run(testing::load(testing::staged_rollout(30)), {});
  const std::string defaults =
      "power_on_spread: \"10m\" update_check_interval: \"24h\" renewal_min: \"20h\" renewal_max: \"24h\"";
  const run_result written = run(testing::load(timed_rollout(30, defaults)), {});
  EXPECT_EQ(written.trace_hash, plain.trace_hash);
  // The control: a setting the engine reads changes the run.
  const run_result changed = run(testing::load(timed_rollout(30, "renewal_min: \"21h\"")), {});
  EXPECT_NE(changed.trace_hash, plain.trace_hash);
}

TEST(engine, devices_power_on_over_their_products_spread) {
  const run_result spread = run(testing::load(timed_rollout(50, "power_on_spread: \"2d\"")), {});
  // Each device at its own point of two days: about half are still off after one.
  EXPECT_GE(off_at(spread, std::chrono::hours(24)), 10u);
  EXPECT_LE(off_at(spread, std::chrono::hours(24)), 40u);
  EXPECT_EQ(off_at(spread, std::chrono::hours(49)), 0u);
  // The default spread, ten minutes: every device is on by the first hour.
  const run_result plain = run(testing::load(testing::staged_rollout(50)), {});
  EXPECT_EQ(off_at(plain, std::chrono::hours(1)), 0u);
  EXPECT_GT(off_at(spread, std::chrono::hours(1)), 40u);
}

TEST(engine, the_update_check_interval_decides_whether_a_window_is_met) {
  // Offers only from 22:00 to midnight. A daily check comes back near the
  // time of day of the device's boot (just after midnight), drifting by its
  // jitter: in four days it never reaches 22:00.
  const std::string window = "window { start_of_day: \"22h\" length: \"2h\" }";
  const run_result daily = run(testing::load(timed_rollout(50, "", window)), {});
  ASSERT_EQ(daily.deployments.size(), 1u);
  EXPECT_EQ(daily.deployments[0].succeeded, 0u);
  EXPECT_EQ(daily.deployments[0].notified, 0u);
  // Checks at most two hours apart land in every two-hour window.
  const run_result hourly = run(testing::load(timed_rollout(50, "update_check_interval: \"1h\"", window)), {});
  ASSERT_EQ(hourly.deployments.size(), 1u);
  EXPECT_EQ(hourly.deployments[0].succeeded, 50u);
  EXPECT_EQ(hourly.deployments[0].state, "completed");
}

TEST(engine, devices_renew_their_certificate_at_their_products_renewal_point) {
  const run_result plain = run(testing::load(testing::staged_rollout(50)), {});
  const run_result often = run(testing::load(timed_rollout(50, "renewal_min: \"1h\" renewal_max: \"2h\"")), {});
  // Four days: a renewal about every 21 h against one every 1 to 2 h.
  EXPECT_LT(plain.counters.attestations, 50u * 10);
  EXPECT_GT(often.counters.attestations, 50u * 40);
}

// The throughput a load tester reads (issue 18): every request that reached
// the cloud, in its minute, by what it asked and how it was answered.
TEST(engine, counts_each_request_by_minute_kind_and_answer) {
  const auto s = testing::load(testing::staged_rollout(40) +
                               "fault { at: \"1d\" duration: \"3h\" cloud_outage {} }\n"
                               "cloud { partitions: 2 }\n");
  const run_result r = run(s, {});
  EXPECT_EQ(r.partitions, 2u);
  EXPECT_EQ(r.traffic.bucket_width(), std::chrono::minutes(1));  // 4 days fit 10,080 minutes
  // The buckets add up to the requests the endpoint counted in each minute.
  ASSERT_LE(r.traffic.buckets(), r.requests_per_minute.size());
  std::uint64_t per_minute_total = 0;
  for (std::size_t m = 0; m < r.requests_per_minute.size(); ++m) {
    SCOPED_TRACE("minute " + std::to_string(m));
    EXPECT_EQ(r.traffic.requests_in(m), r.requests_per_minute[m]);
    per_minute_total += r.requests_per_minute[m];
  }
  EXPECT_EQ(r.traffic.total(), per_minute_total);
  // Each kind the devices send, answered.
  for (const request_kind k : {request_kind::challenge, request_kind::evidence, request_kind::update_check,
                               request_kind::chunk, request_kind::update_result}) {
    EXPECT_GT(r.traffic.total(k, request_answer::ok), 0u) << request_kind_names[static_cast<std::size_t>(k)];
  }
  EXPECT_EQ(r.traffic.total(request_kind::other, request_answer::ok), 0u);
  // The outage's drops, all in its three hours and nowhere else.
  EXPECT_GT(r.traffic.total(request_answer::dropped), 0u);
  EXPECT_EQ(r.traffic.total(request_answer::dropped), r.counters.requests_dropped_by_outages);
  for (std::size_t m = 0; m < r.traffic.buckets(); ++m) {
    std::uint64_t dropped = 0;
    for (std::size_t k = 0; k < request_kind_count; ++k) {
      dropped += r.traffic.at(m, static_cast<request_kind>(k), request_answer::dropped);
    }
    const bool in_outage = m >= 24 * 60 && m < 27 * 60;
    if (!in_outage) {
      EXPECT_EQ(dropped, 0u) << "minute " << m;
    }
  }
}

TEST(engine, a_run_longer_than_a_week_of_minutes_gets_wider_buckets) {
  auto s = testing::load(testing::staged_rollout(10));
  s.length = std::chrono::hours(24 * 8);  // 11,520 minutes
  const run_result r = run(s, {});
  EXPECT_EQ(r.traffic.bucket_width(), std::chrono::minutes(2));
  EXPECT_LE(r.traffic.buckets(), traffic_buckets_max);
  EXPECT_GT(r.traffic.total(), 0u);
  std::uint64_t per_minute_total = 0;
  for (const std::uint32_t n : r.requests_per_minute) per_minute_total += n;
  EXPECT_EQ(r.traffic.total(), per_minute_total);
  // A bucket holds its two minutes.
  for (std::size_t b = 0; b < r.traffic.buckets(); ++b) {
    const std::uint64_t two = r.requests_per_minute[2 * b] +
                              (2 * b + 1 < r.requests_per_minute.size() ? r.requests_per_minute[2 * b + 1] : 0);
    EXPECT_EQ(r.traffic.requests_in(b), two) << "bucket " << b;
  }
}

// The breakdown by group and hardware revision: each device in its cell,
// and the cells add up to the fleet's own counts.
TEST(engine, breaks_down_by_group_and_hardware_revision) {
  std::string text = testing::staged_rollout(30);
  const std::string group = "  group { name: \"Production\" product: \"thermostat\" devices: 30 }\n";
  ASSERT_NE(text.find(group), std::string::npos);
  text.replace(text.find(group), group.size(),
               "  group { name: \"Field Test\" product: \"thermostat\" devices: 10 }\n" + group);
  const auto s = testing::load(text + "cloud { partitions: 3 }\n");
  const run_result r = run(s, {});
  ASSERT_EQ(r.by_group_and_revision.size(), 4u);  // two groups, each with revisions A and B
  const std::vector<std::pair<std::string, std::string>> names{
      {"Field Test", "A"}, {"Field Test", "B"}, {"Production", "A"}, {"Production", "B"}};
  breakdown_counts sum;
  std::uint64_t field_test = 0, production = 0, production_committed = 0, field_test_committed = 0;
  for (std::size_t c = 0; c < 4; ++c) {
    const group_revision_outcome& cell = r.by_group_and_revision[c];
    SCOPED_TRACE(cell.group + " " + cell.revision);
    EXPECT_EQ(std::make_pair(cell.group, cell.revision), names[c]);
    EXPECT_GT(cell.counts.devices, 0u);  // half the devices each: every cell has some
    EXPECT_GT(cell.counts.attestation_time.count(), 0u);
    EXPECT_GT(cell.counts.requests[static_cast<std::size_t>(request_answer::ok)], 0u);
    (c < 2 ? field_test : production) += cell.counts.devices;
    (c < 2 ? field_test_committed : production_committed) += cell.counts.updates_committed;
    sum += cell.counts;
  }
  EXPECT_EQ(field_test, 10u);
  EXPECT_EQ(production, 30u);
  EXPECT_EQ(field_test_committed, 0u);  // the deployment is Production's
  EXPECT_EQ(production_committed, 30u);
  EXPECT_EQ(sum.attestation_time.count(), r.counters.attestations);
  EXPECT_EQ(sum.attestation_failures, r.counters.attestation_failures);
  EXPECT_EQ(sum.updates_committed, r.counters.updates_committed);
  EXPECT_EQ(sum.updates_rolled_back, r.counters.updates_rolled_back);
  EXPECT_EQ(sum.updates_failed, r.counters.updates_failed);
  // No attackers: every request that reached the cloud is a device's.
  for (std::size_t a = 0; a < request_answer_count; ++a) {
    EXPECT_EQ(sum.requests[a], r.traffic.total(static_cast<request_answer>(a))) << request_answer_names[a];
  }
  // The hours' histograms hold the same attestations.
  std::uint64_t by_hour = 0;
  for (const sim_histogram& h : r.attestation_time_by_hour) by_hour += h.count();
  EXPECT_EQ(by_hour, r.counters.attestations);
}

// An attacker's requests reach the cloud and are counted there, but belong
// to no group: refused, they are errors over time and not in any cell.
TEST(engine, an_attackers_requests_count_in_the_throughput_but_in_no_group) {
  const auto s = testing::load(testing::staged_rollout(30) + "attack { at: \"1d\" count: 5 spoofed_identity {} }\n");
  const run_result r = run(s, {});
  ASSERT_EQ(r.attacks.size(), 1u);
  ASSERT_GT(r.attacks[0].stopped, 0u);
  std::array<std::uint64_t, request_answer_count> devices{};
  for (const group_revision_outcome& cell : r.by_group_and_revision) {
    for (std::size_t a = 0; a < request_answer_count; ++a) devices[a] += cell.counts.requests[a];
  }
  const std::uint64_t errors = r.traffic.total(request_answer::error);
  EXPECT_GT(errors, devices[static_cast<std::size_t>(request_answer::error)]);
  // The refusals came when the attack did, a day in.
  for (std::size_t m = 0; m < 24 * 60; ++m) {
    for (std::size_t k = 0; k < request_kind_count; ++k) {
      EXPECT_EQ(r.traffic.at(m, static_cast<request_kind>(k), request_answer::error), 0u) << "minute " << m;
    }
  }
}

}  // namespace
}  // namespace fleet::actors
