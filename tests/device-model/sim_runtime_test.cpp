#include "fleet/device/sim_runtime.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace fleet::device {
namespace {

using namespace std::chrono_literals;
using kind = fw::software_event::kind;

const wire::version v1{1, 0, 0};
const wire::version v2{2, 0, 0};

fw::running_software software(wire::version app_version = v1) {
  fw::running_software s;
  s.image_names[0] = "boot";
  s.image_names[1] = "monitor";
  s.image_names[2] = "thermo-os";
  s.image_names[3] = "thermo-app";
  for (auto& v : s.versions) v = v1;
  s.versions[3] = app_version;
  return s;
}

/// Events until nothing is pending.
std::vector<std::pair<fw::sim_time, fw::software_event>> drain(sim_runtime& rt) {
  std::vector<std::pair<fw::sim_time, fw::software_event>> out;
  while (rt.next_event_time() != fw::never) {
    const fw::sim_time t = rt.next_event_time();
    auto e = rt.take_due_event(t);
    EXPECT_TRUE(e.has_value());
    if (!e) break;
    out.emplace_back(t, *e);
  }
  return out;
}

TEST(sim_runtime, unknown_versions_boot_and_keep_running) {
  const behaviour_model model;
  sim_runtime rt(model, "rev-a", 1, 0);
  EXPECT_EQ(rt.next_event_time(), fw::never);
  rt.start(fw::sim_time{10s}, software());
  EXPECT_EQ(rt.next_event_time(), fw::sim_time{15s});  // fallback boot: 5 s
  EXPECT_FALSE(rt.take_due_event(fw::sim_time{14s}).has_value());
  auto e = rt.take_due_event(fw::sim_time{15s});
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->what, kind::ready);
  EXPECT_EQ(rt.next_event_time(), fw::never);
  EXPECT_TRUE(rt.running());
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{20s}, fw::duration{0}), fw::duration{0});
}

TEST(sim_runtime, leak_crashes_exactly_at_that_uptime) {
  behaviour_model model;
  version_behaviour leaky;
  leaky.boot_duration = 20s;
  leaky.leak_crash_after = 6h;
  model.set("thermo-app", v2, leaky);
  sim_runtime rt(model, "rev-a", 1, 0);
  const fw::sim_time t0{1h};
  rt.start(t0, software(v2));
  const auto events = drain(rt);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, t0 + 20s);
  EXPECT_EQ(events[0].second.what, kind::ready);
  EXPECT_EQ(events[1].first, t0 + 6h);
  EXPECT_EQ(events[1].second.what, kind::crashed);
  EXPECT_EQ(events[1].second.signal, 9);
  EXPECT_FALSE(rt.running());
  // Not restarted by itself; the firmware's next start() leaks again.
  rt.start(fw::sim_time{8h}, software(v2));
  EXPECT_EQ(drain(rt).back().first, fw::sim_time{8h} + 6h);
  EXPECT_EQ(rt.starts(), 2u);
}

TEST(sim_runtime, stop_cancels_pending_events) {
  behaviour_model model;
  version_behaviour leaky;
  leaky.leak_crash_after = 1h;
  leaky.os_update_deferral = 2h;
  model.set("thermo-app", v2, leaky);
  sim_runtime rt(model, "rev-a", 1, 0);
  rt.start(fw::sim_time{0}, software(v2));
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{0}, fw::duration{0}), fw::duration{2h});
  rt.stop(fw::sim_time{1s});
  EXPECT_EQ(rt.next_event_time(), fw::never);
  EXPECT_FALSE(rt.take_due_event(fw::sim_time{10h}).has_value());
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{2s}, fw::duration{0}), fw::duration{0});
}

// os_update_deferral is the total the app puts an OS update off: asked
// again, it wants only what is left after what it was granted.
TEST(sim_runtime, os_update_deferral_is_what_is_left_of_the_apps_total) {
  behaviour_model model;
  version_behaviour deferring;
  deferring.os_update_deferral = 12h;
  model.set("thermo-app", v2, deferring);
  sim_runtime rt(model, "rev-a", 1, 0);
  rt.start(fw::sim_time{0}, software(v2));
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{0}, fw::duration{0}), fw::duration{12h});
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{5h}, fw::duration{5h}), fw::duration{7h});
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{12h}, fw::duration{12h}), fw::duration{0});
  EXPECT_EQ(rt.os_update_deferral(fw::sim_time{30h}, fw::duration{24h}), fw::duration{0});
}

TEST(sim_runtime, boot_failures_follow_the_revision_probability) {
  behaviour_model model;
  version_behaviour flaky;
  flaky.boot_failure_by_revision = {{"rev-b", 0.3}};
  model.set("thermo-app", v2, flaky);
  constexpr int devices = 2000;
  int failed_a = 0;
  int failed_b = 0;
  for (int i = 0; i < devices; ++i) {
    sim_runtime a(model, "rev-a", 77, static_cast<std::uint64_t>(i));
    sim_runtime b(model, "rev-b", 77, static_cast<std::uint64_t>(devices + i));
    a.start(fw::sim_time{0}, software(v2));
    b.start(fw::sim_time{0}, software(v2));
    failed_a += a.take_due_event(fw::sim_time{1h})->what == kind::boot_failed;
    failed_b += b.take_due_event(fw::sim_time{1h})->what == kind::boot_failed;
  }
  EXPECT_EQ(failed_a, 0);
  EXPECT_GE(failed_b, devices * 25 / 100);
  EXPECT_LE(failed_b, devices * 35 / 100);
}

TEST(sim_runtime, health_check_failures_report_unhealthy) {
  behaviour_model model;
  version_behaviour sick;
  sick.health_check_failure_probability = 1;
  model.set("thermo-os", v1, sick);  // any stage can be the sick one
  sim_runtime rt(model, "rev-a", 1, 0);
  rt.start(fw::sim_time{0}, software());
  const auto events = drain(rt);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second.what, kind::unhealthy);
}

TEST(sim_runtime, crash_times_are_exponential_with_the_given_rate) {
  behaviour_model model;
  version_behaviour crashy;
  crashy.crash_rate_per_hour = 0.5;  // mean uptime 2 h
  crashy.boot_duration = 0s;
  crashy.crash_signal = 6;
  model.set("thermo-app", v2, crashy);
  constexpr int devices = 2000;
  double total_hours = 0;
  for (int i = 0; i < devices; ++i) {
    sim_runtime rt(model, "rev-a", 5, static_cast<std::uint64_t>(i));
    rt.start(fw::sim_time{0}, software(v2));
    const auto events = drain(rt);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].second.what, kind::crashed);
    EXPECT_EQ(events[1].second.signal, 6);
    total_hours += static_cast<double>(events[1].first.count()) / 3.6e9;
  }
  const double mean = total_hours / devices;
  EXPECT_GT(mean, 1.8);
  EXPECT_LT(mean, 2.2);
}

TEST(sim_runtime, outcomes_are_deterministic_per_seed_and_device) {
  behaviour_model model;
  version_behaviour mixed;
  mixed.crash_rate_per_hour = 1;
  mixed.boot_failure_probability = 0.2;
  mixed.health_check_failure_probability = 0.2;
  model.set("thermo-app", v2, mixed);
  auto history = [&](std::uint64_t seed, std::uint64_t device) {
    sim_runtime rt(model, "rev-a", seed, device);
    std::vector<std::pair<fw::sim_time, int>> out;
    fw::sim_time t{0};
    for (int start = 0; start < 20; ++start) {
      rt.start(t, software(v2));
      for (const auto& [at, e] : drain(rt)) {
        out.emplace_back(at, static_cast<int>(e.what));
        t = at;
      }
    }
    return out;
  };
  EXPECT_EQ(history(11, 4), history(11, 4));
  EXPECT_NE(history(11, 4), history(11, 5));
  EXPECT_NE(history(11, 4), history(12, 4));
}

TEST(sim_runtime, an_absent_app_is_not_judged) {
  behaviour_model model;
  version_behaviour broken;
  broken.boot_failure_probability = 1;
  model.set("thermo-app", v2, broken);
  sim_runtime rt(model, "rev-a", 1, 0);
  auto sw = software(v2);
  sw.app_present = false;
  rt.start(fw::sim_time{0}, sw);
  EXPECT_EQ(drain(rt).at(0).second.what, kind::ready);
  rt.start(fw::sim_time{1h}, software(v2));
  EXPECT_EQ(drain(rt).at(0).second.what, kind::boot_failed);
}

}  // namespace
}  // namespace fleet::device
