// What `fleetsim run` prints: the summary of a hand-made result line by line,
// the verdict and the exit code of each way a run ends.
#include "summary.hpp"

#include <gtest/gtest.h>

#include "exit_codes.hpp"
#include "run_fixture.hpp"

namespace fleet::cli {
namespace {

using namespace std::chrono_literals;

TEST(summary, one_line_per_subject) {
  EXPECT_EQ(summary(testing::sample_result(), testing::sample_context()),
            "tiny-rollout (tests/cli/data/tiny_rollout.textproto): seed 7, 20 devices, 2 threads, 1 worker\n"
            "time         1d of 1d simulated in 2.5 s wall, 4.4 s CPU, 34,560x real time\n"
            "memory       peak RSS 48.0 MiB\n"
            "engine       12,345 events in 2 partitions, 90 barriers\n"
            "attestation  2 accepted, 3 failed; 4 certificates issued\n"
            "updates      5 downloaded, 6 installed, 7 committed, 8 rolled back, 9 rejected, 10 failed; 26 legacy "
            "devices flashed\n"
            "devices      1 boot, 11 bricked, 12 app crashes\n"
            "telemetry    20 events: 21 delivered, 22 dropped (buffer full), 23 lost to power, 24 still buffered; the "
            "cloud took 25\n"
            "network      13 messages, 14 lost, 15 lost to faults\n"
            "requests     9 reached the cloud: 6 ok, 1 refused, 2 dropped (33.3 % not ok); busiest minute 6 at 0s\n"
            "faults       19 faults injected (310 armed for a torn write, 298 never fired), 16 requests dropped by "
            "outages\n"
            "security     18 attacks stopped, 17 unsigned software starts\n"
            "crypto       101 signs, 102 verifies, 103 key exchanges, 104 MACs, 105 hashes of 3.0 MiB\n"
            "deployment   app-1.1.0: completed, 16 devices: 15 succeeded, 1 failed, 0 rejected, 0 timed out\n"
            "app versions 1.0.0 5, 1.1.0 15\n"
            "states       attested 19, bricked 1\n"
            "trace hash   0123456789abcdef\n");
}

// A new user's guardian run (issue 18) read "0 installed, 0 committed" next
// to 1,900 controllers flashed: the legacy devices and the telemetry the
// guardians relay have lines of their own.
TEST(summary, a_guardian_run_says_what_it_flashed_and_relayed) {
  actors::run_result r = testing::sample_result();
  r.counters.legacy_flashed = 1900;
  r.counters.telemetry_generated = 384000;
  r.counters.telemetry_delivered = 194000;
  r.counters.telemetry_dropped = 126000;
  r.counters.telemetry_lost_to_power = 0;
  r.counters.telemetry_buffered = 64000;
  r.counters.telemetry_received = 194000;
  const std::string text = summary(r, testing::sample_context());
  EXPECT_NE(text.find("updates      5 downloaded, 6 installed, 7 committed, 8 rolled back, 9 rejected, 10 failed; "
                      "1,900 legacy devices flashed\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("telemetry    384,000 events: 194,000 delivered, 126,000 dropped (buffer full), 0 lost to "
                      "power, 64,000 still buffered; the cloud took 194,000\n"),
            std::string::npos)
      << text;
}

TEST(summary, a_cloud_rollback_says_how_many_devices_went_back) {
  actors::run_result r = testing::sample_result();
  r.deployments[0].state = "rollback_requested";
  r.deployments[0].failed_after_commit = 6;
  r.deployments[0].rollback = {15, 15, 13, 1, 1, 20h, 44h};
  const std::string text = summary(r, testing::sample_context());
  EXPECT_NE(text.find("deployment   app-1.1.0: rollback_requested, 16 devices: 15 succeeded, 1 failed, 0 rejected, 0 timed "
                      "out, 6 failed after commit; rolled back by the cloud: 13 of 15 that took it (15 offered, 1 "
                      "failed, 1 refused)\n"),
            std::string::npos)
      << text;
}

// Issue 18: "310 faults injected" read as 310 faults, where 310 devices
// were armed for a torn write and few writes tore. A run that armed none
// says nothing of it.
TEST(summary, torn_writes_armed_are_told_apart_from_the_faults_that_acted) {
  actors::run_result r = testing::sample_result();
  r.counters.faults_injected = 12;
  r.counters.faults_armed = 310;
  r.counters.writes_torn = 12;
  EXPECT_NE(summary(r, testing::sample_context())
                .find("faults       12 faults injected (310 armed for a torn write, 298 never fired), 16 requests "
                      "dropped by outages\n"),
            std::string::npos)
      << summary(r, testing::sample_context());
  r.counters.faults_armed = 0;
  r.counters.writes_torn = 0;
  EXPECT_NE(summary(r, testing::sample_context()).find("faults       12 faults injected, 16 requests dropped by outages\n"),
            std::string::npos)
      << summary(r, testing::sample_context());
}

// What a load tester looks for first (issue 18): the answers and the busiest minute.
TEST(summary, the_requests_line_says_how_they_were_answered_and_the_busiest_minute) {
  actors::run_result r = testing::sample_result();
  for (int i = 0; i < 1000; ++i) r.traffic.count(90min, actors::request_kind::telemetry, actors::request_answer::ok);
  r.traffic.count(91min, actors::request_kind::other, actors::request_answer::unanswered);
  r.requests_per_minute[90] = 1000;
  r.requests_per_minute[91] = 1;
  const std::string text = summary(r, testing::sample_context());
  EXPECT_NE(text.find("requests     1,010 reached the cloud: 1,006 ok, 1 refused, 2 dropped, 1 unanswered (0.4 % not ok); "
                      "busiest minute 1,000 at 1h30m\n"),
            std::string::npos)
      << text;
  // No request at all (a run stopped at once): no line.
  r.traffic = actors::traffic_counts();
  EXPECT_EQ(summary(r, testing::sample_context()).find("requests     "), std::string::npos);
}

TEST(summary, each_expectation_with_its_verdict_and_what_was_seen) {
  actors::run_result r = testing::sample_result();
  r.expectations = {{"no_bricked_devices", true, "0 of 20 devices bricked"}, {"v1.1 halts", false, "completed"}};
  const std::string text = summary(r, testing::sample_context());
  EXPECT_NE(text.find("PASS         no_bricked_devices: 0 of 20 devices bricked\n"), std::string::npos) << text;
  EXPECT_NE(text.find("FAIL         v1.1 halts: completed\n"), std::string::npos) << text;
}

TEST(summary, interrupted_run_says_so_and_where) {
  actors::run_result r = testing::sample_result();
  r.complete = false;
  r.simulated = 27h + 25min + 12s + 345678us;
  r.timeline.clear();
  r.deployments.clear();
  const std::string text = summary(r, testing::sample_context());
  EXPECT_NE(text.find("time         1d3h25m12s of 1d simulated (interrupted) in 2.5 s wall"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("deployment"), std::string::npos) << text;
  EXPECT_EQ(text.find("states"), std::string::npos) << text;
}

TEST(summary, no_speed_figure_without_wall_time) {
  run_context c = testing::sample_context();
  c.wall_seconds = 0;
  EXPECT_EQ(summary(testing::sample_result(), c).find("real time"), std::string::npos);
}

TEST(summary, sizes_and_counts_read_as_a_person_writes_them) {
  actors::run_result r = testing::sample_result();
  r.crypto_ops = {1, 1, 1, 1, 1, 512};
  r.events = 1'234'567;
  run_context c = testing::sample_context();
  c.peak_rss_bytes = 3ull << 30;
  const std::string text = summary(r, c);
  EXPECT_NE(text.find("crypto       1 sign, 1 verify, 1 key exchange, 1 MAC, 1 hash of 512 B\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("peak RSS 3.0 GiB"), std::string::npos) << text;
  EXPECT_NE(text.find("1,234,567 events"), std::string::npos) << text;
}

TEST(verdict, each_way_a_run_ends_with_its_exit_code) {
  const actors::run_result complete = testing::sample_result();
  actors::run_result interrupted = testing::sample_result();
  interrupted.complete = false;
  interrupted.simulated = 27h + 25min + 12s + 345678us;
  const std::string completed = "fleetsim run: complete, 1d simulated in 2.5 s (seed 7), no expectations; ";
  actors::run_result held = testing::sample_result();
  held.expectations = {{"a", true, ""}, {"b", true, ""}};
  actors::run_result broken = held;
  broken.expectations[1].passed = false;
  struct ending {
    const actors::run_result& result;
    report_outcome report;
    std::string text;
    int code;
  };
  for (const ending& e : {
           ending{complete, {"r.json", ""}, completed + "report written to r.json", exit_ok},
           ending{complete, {}, completed + "no report (no --report)", exit_ok},
           ending{held, {}, "fleetsim run: complete, 1d simulated in 2.5 s (seed 7), all 2 expectations held; "
                            "no report (no --report)", exit_ok},
           ending{broken, {"r.json", ""},
                  "fleetsim run: complete, 1d simulated in 2.5 s (seed 7), 1 of 2 expectations FAILED (replay: "
                  "fleetsim run tests/cli/data/tiny_rollout.textproto --seed 7); report written to r.json",
                  exit_expectation_failed},
           ending{interrupted, {"r.json", ""}, "fleetsim run: interrupted at 1d3h25m12s; report written to r.json",
                  exit_run_failed},
           ending{complete, {"r.json", "cannot create r.json.tmp: Read-only file system"},
                  completed + "report not written: cannot create r.json.tmp: Read-only file system", exit_run_failed},
       }) {
    SCOPED_TRACE(e.text);
    EXPECT_EQ(verdict(e.result, testing::sample_context(), e.report), e.text);
    EXPECT_EQ(exit_code(e.result, e.report), e.code);
  }
}

}  // namespace
}  // namespace fleet::cli
