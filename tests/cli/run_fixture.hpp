#pragma once
// For tests/cli: a run_result and its context built by hand, every field
// distinct; a fresh directory per test; reading a file whole.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report_json.hpp"

namespace fleet::cli::testing {

using namespace std::chrono_literals;

/// The report's top-level fields, in the order report_json() writes them.
inline std::vector<std::string> report_fields() {
  return {"scenario",    "scenario_file", "seed",           "devices",     "threads",    "workers",  "complete",
          "sim_seconds", "duration_seconds", "wall_seconds", "cpu_seconds", "peak_rss_bytes", "events", "windows", "partitions", "barriers", "control_ticks",
          "trace_hash",  "crypto_ops",    "expectations",   "replay",      "counters",    "faults",
          "attacks",     "revocations", "deployments", "timeline", "throughput", "attestation_latency_by_hour",
          "by_group_and_revision"};
}

inline actors::run_result sample_result() {
  actors::run_result r;
  r.scenario = "tiny-rollout";
  r.seed = 7;
  r.devices = 20;
  r.threads = 2;
  r.simulated = 24h;
  r.complete = true;
  r.trace_hash = "0123456789abcdef";
  r.crypto_ops = {101, 102, 103, 104, 105, 3 * 1024 * 1024};
  r.events = 12345;
  r.windows = 678;
  r.partitions = 2;
  r.barriers = 90;
  r.control_ticks = 40;
  r.counters = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28};
  // Torn writes armed, and the few that tore (of the 19 injected): as a run has them.
  r.counters.faults_armed = 310;
  r.counters.writes_torn = 12;
  r.deployments = {{"app-1.1.0", "completed", 16, 3, 16, 15, 1, 0, 0,
                    {{1h, "running", 1, "started"}, {7h, "running", 2, "wave_opened"},
                     {13h, "running", 3, "wave_opened"}, {20h, "completed", 3, "all_done"}}}};
  r.faults = {{"storm", "power_loss", 4, 2h, 0us, 0, 0, 4, 1, {{"chunk", 1}}}, {"dropouts", "partition", 6, 0h, 48h, 17}};
  r.timeline = {{0us, {{"1.0.0", 20}}, {{"off", 20}}},
                {24h, {{"1.0.0", 5}, {"1.1.0", 15}}, {{"attested", 19}, {"bricked", 1}}}};
  // Nine requests: six answered in the first minute, one refused in the
  // third, two dropped in the sixth.
  using actors::request_answer;
  using actors::request_kind;
  for (int i = 0; i < 3; ++i) r.traffic.count(10s, request_kind::challenge, request_answer::ok);
  for (int i = 0; i < 3; ++i) r.traffic.count(20s, request_kind::evidence, request_answer::ok);
  r.traffic.count(2min + 1s, request_kind::evidence, request_answer::error);
  r.traffic.count(5min, request_kind::update_check, request_answer::dropped);
  r.traffic.count(5min + 59s, request_kind::update_check, request_answer::dropped);
  r.requests_per_minute.assign(24 * 60 + 1, 0);
  r.requests_per_minute[0] = 6;
  r.requests_per_minute[2] = 1;
  r.requests_per_minute[5] = 2;
  // Four attestations of 200 ms in hour 0, none in hour 1, one past a day in hour 2.
  r.attestation_time_by_hour.resize(3);
  for (int i = 0; i < 4; ++i) r.attestation_time_by_hour[0].observe(200ms);
  r.attestation_time_by_hour[2].observe(72h);
  r.attestation_failures_by_hour = {0, 2};
  actors::breakdown_counts a;
  a.devices = 12;
  a.requests = {5, 1, 2, 0};
  for (int i = 0; i < 4; ++i) a.attestation_time.observe(200ms);
  a.attestation_failures = 2;
  a.updates_committed = 10;
  a.updates_rolled_back = 1;
  a.updates_failed = 1;
  actors::breakdown_counts field;
  field.devices = 8;
  field.requests = {1, 0, 0, 0};
  r.by_group_and_revision = {{"Production", "A", a}, {"Production", "B", {}}, {"Field Test", "A", field}};
  return r;
}

inline run_context sample_context() {
  run_context c;
  c.scenario_file = "tests/cli/data/tiny_rollout.textproto";
  c.length = 24h;
  c.workers = 1;
  c.wall_seconds = 2.5;
  c.cpu_seconds = 4.4;
  c.peak_rss_bytes = 48 * 1024 * 1024;
  c.replay_command = "fleetsim run tests/cli/data/tiny_rollout.textproto --seed 7";
  return c;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Each test gets its own directory (`dir_`), removed afterwards.
class in_temporary_directory : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "fleet_cli_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

}  // namespace fleet::cli::testing
