// The Prometheus endpoint: every series there from the start, a snapshot's
// figures as scraped over HTTP, counters that never run back, gauges of
// versions no device runs any more set to 0, and promtool's approval.
#include "fleet/actors/metrics_exporter.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fleet/testing/http_get.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

std::string scrape(int port) { return fleet::testing::http_get(port, "/metrics"); }

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

scenario::scenario observed_scenario() {
  return testing::load(testing::staged_rollout(10) +
                       "fault { at: \"3h\" duration: \"1h\" cloud_outage {} }\n"
                       "attack { at: \"1d\" count: 2 spoofed_identity {} }\n");
}

live_snapshot sample_snapshot() {
  live_snapshot s;
  s.reached = 2h;
  s.end = 96h;
  s.devices = 10;
  s.groups = {"Production"};
  s.states_by_group = {{1, 2, 6, 1, 0}};
  s.versions_by_group = {{{"1.0.0", 7}, {"1.1.0", 3}}};
  s.counters.attestations = 9;
  s.counters.updates_committed = 2;
  s.attestation_time.observe(80ms);
  s.attestation_time.observe(30s);
  deployment_snapshot d;
  d.name = "app-1.1.0";
  d.state = "aborted";
  d.wave = 1;
  d.by_outcome = {5, 1, 2, 2, 0, 0, 0};
  d.offered = 5;
  d.failed = 2;
  d.transitions = {{1h, "running", 1, "started"}, {2h, "aborted", 1, "abort_failed"}};
  s.deployments = {d};
  fault_snapshot f;
  f.kind = "cloud_outage";
  f.started = true;
  f.active = true;
  f.injected = 1;
  s.faults = {f};
  attack_outcome a;
  a.kind = "spoofed_identity";
  a.tried = 2;
  a.stopped = 2;
  a.stopped_by = {{"bad_signature", 2}};
  s.attacks = {a};
  s.events = 1234;
  return s;
}

TEST(metrics_exporter, every_series_of_the_scenario_is_there_before_the_first_snapshot) {
  metrics_exporter metrics("127.0.0.1:0", observed_scenario());
  ASSERT_GT(metrics.port(), 0);
  const std::string text = scrape(metrics.port());
  EXPECT_TRUE(has_line(text, "fleetsim_run_info{scenario=\"engine-test\",seed=\"7\"} 1")) << text;
  for (const char* state : device_state_names) {
    EXPECT_TRUE(has_line(text, std::string("fleetsim_devices{group=\"Production\",state=\"") + state + "\"} 0"));
  }
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_state{deployment=\"app-1.1.0\",state=\"scheduled\"} 0"));
  EXPECT_TRUE(has_line(text, "fleetsim_faults_injected_total{kind=\"cloud_outage\"} 0"));
  EXPECT_TRUE(has_line(text, "fleetsim_attacks_stopped_total{kind=\"spoofed_identity\"} 0"));
  EXPECT_TRUE(has_line(text, "fleetsim_cloud_requests_total{result=\"dropped_by_outage\"} 0"));
  EXPECT_TRUE(has_line(text, "fleetsim_sim_length_seconds 345600"));
}

TEST(metrics_exporter, a_snapshot_is_what_a_scrape_sees) {
  metrics_exporter metrics("127.0.0.1:0", observed_scenario());
  metrics.publish(sample_snapshot());
  const std::string text = scrape(metrics.port());
  EXPECT_TRUE(has_line(text, "fleetsim_devices{group=\"Production\",state=\"attested\"} 6")) << text;
  EXPECT_TRUE(has_line(text, "fleetsim_devices_by_version{group=\"Production\",version=\"1.1.0\"} 3"));
  EXPECT_TRUE(has_line(text, "fleetsim_attestations_total{result=\"accepted\"} 9"));
  EXPECT_TRUE(has_line(text, "fleetsim_updates_total{outcome=\"committed\"} 2"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_wave{deployment=\"app-1.1.0\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_state{deployment=\"app-1.1.0\",state=\"aborted\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_state{deployment=\"app-1.1.0\",state=\"running\"} 0"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_devices{deployment=\"app-1.1.0\",outcome=\"failed\"} 2"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_halts_total{deployment=\"app-1.1.0\",reason=\"abort_failed\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_faults_active{kind=\"cloud_outage\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_faults_injected_total{kind=\"cloud_outage\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_attacks_tried_total{kind=\"spoofed_identity\"} 2"));
  EXPECT_TRUE(has_line(text, "fleetsim_attacks_stopped_by_total{check=\"bad_signature\",kind=\"spoofed_identity\"} 2"));
  EXPECT_TRUE(has_line(text, "fleetsim_sim_time_seconds 7200"));
  EXPECT_TRUE(has_line(text, "fleetsim_engine_events_total 1234"));
  // The histogram in simulated seconds, cumulative per bound as Prometheus has it.
  EXPECT_TRUE(has_line(text, "fleetsim_attestation_duration_seconds_bucket{le=\"0.1\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_attestation_duration_seconds_bucket{le=\"60\"} 2"));
  EXPECT_TRUE(has_line(text, "fleetsim_attestation_duration_seconds_count 2"));
}

// Issue 18: a torn write armed is not a fault injected until a write tears.
TEST(metrics_exporter, torn_writes_armed_and_torn_are_two_series) {
  metrics_exporter metrics("127.0.0.1:0",
                           testing::load(testing::staged_rollout(10) +
                                         "fault { at: \"2h\" power_loss { during: FLASH_WRITE } }\n"
                                         "fault { at: \"3h\" duration: \"1h\" cloud_outage {} }\n"));
  const std::string before = scrape(metrics.port());
  EXPECT_TRUE(has_line(before, "fleetsim_faults_armed_total{kind=\"power_loss\"} 0")) << before;
  EXPECT_EQ(before.find("fleetsim_faults_armed_total{kind=\"cloud_outage\"}"), std::string::npos);
  live_snapshot s = sample_snapshot();
  fault_snapshot tear;
  tear.kind = "power_loss";
  tear.started = true;
  tear.injected = 12;
  tear.armed = 310;
  s.faults.insert(s.faults.begin(), tear);
  metrics.publish(s);
  const std::string text = scrape(metrics.port());
  EXPECT_TRUE(has_line(text, "fleetsim_faults_armed_total{kind=\"power_loss\"} 310")) << text;
  EXPECT_TRUE(has_line(text, "fleetsim_faults_injected_total{kind=\"power_loss\"} 12"));
  EXPECT_TRUE(has_line(text, "fleetsim_faults_injected_total{kind=\"cloud_outage\"} 1"));
  EXPECT_EQ(text.find("fleetsim_faults_armed_total{kind=\"cloud_outage\"}"), std::string::npos);
}

TEST(metrics_exporter, counters_never_run_back_and_versions_gone_read_zero) {
  metrics_exporter metrics("127.0.0.1:0", observed_scenario());
  metrics.publish(sample_snapshot());
  live_snapshot later = sample_snapshot();
  later.counters.attestations = 4;            // fewer than published: a counter keeps 9
  later.versions_by_group = {{{"1.1.0", 10}}};  // nobody runs 1.0.0 any more
  later.attestation_time.observe(1s);
  metrics.publish(later);
  const std::string text = scrape(metrics.port());
  EXPECT_TRUE(has_line(text, "fleetsim_attestations_total{result=\"accepted\"} 9")) << text;
  EXPECT_TRUE(has_line(text, "fleetsim_devices_by_version{group=\"Production\",version=\"1.0.0\"} 0"));
  EXPECT_TRUE(has_line(text, "fleetsim_devices_by_version{group=\"Production\",version=\"1.1.0\"} 10"));
  EXPECT_TRUE(has_line(text, "fleetsim_attestation_duration_seconds_count 3"));
}

TEST(metrics_exporter, the_cloud_rollback_counts_the_devices_it_rolled_back) {
  metrics_exporter metrics("127.0.0.1:0", observed_scenario());
  const std::string before = scrape(metrics.port());
  EXPECT_TRUE(has_line(before, "fleetsim_rollout_rolled_back_devices{deployment=\"app-1.1.0\",stage=\"committed\"} 0"))
      << before;
  live_snapshot s = sample_snapshot();
  deployment_snapshot& d = s.deployments.front();
  d.state = "rollback_requested";
  d.by_outcome = {5, 0, 1, 0, 0, 0, 4};
  d.rollback = {5, 5, 3, 1, 0, 2h, 5h};
  metrics.publish(s);
  const std::string text = scrape(metrics.port());
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_devices{deployment=\"app-1.1.0\",outcome=\"failed_after_commit\"} 4"))
      << text;
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_rolled_back_devices{deployment=\"app-1.1.0\",stage=\"took\"} 5"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_rolled_back_devices{deployment=\"app-1.1.0\",stage=\"offered\"} 5"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_rolled_back_devices{deployment=\"app-1.1.0\",stage=\"committed\"} 3"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_rolled_back_devices{deployment=\"app-1.1.0\",stage=\"failed\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_rollout_rolled_back_devices{deployment=\"app-1.1.0\",stage=\"rejected\"} 0"));
}

TEST(metrics_exporter, expectations_are_published_at_the_end) {
  metrics_exporter metrics("127.0.0.1:0", observed_scenario());
  metrics.publish_expectations({{"no_bricked_devices", true, ""}, {"rollout_halted", false, ""}});
  const std::string text = scrape(metrics.port());
  EXPECT_TRUE(has_line(text, "fleetsim_expectation_passed{expectation=\"no_bricked_devices\"} 1"));
  EXPECT_TRUE(has_line(text, "fleetsim_expectation_passed{expectation=\"rollout_halted\"} 0"));
}

TEST(metrics_exporter, a_port_in_use_is_an_error_that_says_so) {
  metrics_exporter first("127.0.0.1:0", observed_scenario());
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  try {
    metrics_exporter second(taken, observed_scenario());
    FAIL() << "a second exporter listened on " << taken;
  } catch (const metrics_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on " + taken), std::string::npos) << e.what();
  }
}

TEST(metrics_exporter, promtool_finds_nothing_to_say) {
  if (::access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/promtool (Debian's prometheus package)";
  metrics_exporter metrics("127.0.0.1:0", observed_scenario());
  metrics.publish(sample_snapshot());
  metrics.publish_expectations({{"no_bricked_devices", true, ""}});
  const std::string path = ::testing::TempDir() + "metrics.txt";
  std::ofstream(path) << scrape(metrics.port());
  std::FILE* p = ::popen(("/usr/bin/promtool check metrics < " + path + " 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string said;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, p) != nullptr) said += buffer;
  const int status = ::pclose(p);
  EXPECT_EQ(status, 0) << said;
  EXPECT_EQ(said, "");
}

}  // namespace
}  // namespace fleet::actors
