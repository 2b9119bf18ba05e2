// The JSON report: every field of a hand-made result where the contract puts
// it, and the atomic write.
#include "report_json.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "run_fixture.hpp"

namespace fleet::cli {
namespace {

using json = nlohmann::ordered_json;

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

TEST(report_json, has_every_field_in_order) {
  const json j = report_json(testing::sample_result(), testing::sample_context());
  EXPECT_EQ(keys_of(j), testing::report_fields());
}

TEST(report_json, run_identity_and_cost) {
  const json j = report_json(testing::sample_result(), testing::sample_context());
  EXPECT_EQ(j["scenario"], "tiny-rollout");
  EXPECT_EQ(j["scenario_file"], "tests/cli/data/tiny_rollout.textproto");
  EXPECT_EQ(j["seed"], 7u);
  EXPECT_EQ(j["devices"], 20u);
  EXPECT_EQ(j["threads"], 2u);
  EXPECT_EQ(j["workers"], 1u);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["sim_seconds"], 86400.0);
  EXPECT_EQ(j["duration_seconds"], 86400.0);
  EXPECT_EQ(j["wall_seconds"], 2.5);
  EXPECT_EQ(j["cpu_seconds"], 4.4);
  EXPECT_EQ(j["peak_rss_bytes"], 48u * 1024 * 1024);
  EXPECT_EQ(j["events"], 12345u);
  EXPECT_EQ(j["windows"], 678u);
  EXPECT_EQ(j["partitions"], 2u);
  EXPECT_EQ(j["barriers"], 90u);
  EXPECT_EQ(j["control_ticks"], 40u);
  EXPECT_EQ(j["trace_hash"], "0123456789abcdef");
  EXPECT_EQ(j["expectations"], json::array());
  EXPECT_EQ(j["replay"], "fleetsim run tests/cli/data/tiny_rollout.textproto --seed 7");
}

TEST(report_json, expectations_and_faults) {
  actors::run_result r = testing::sample_result();
  r.expectations = {{"no_bricked_devices", false, "1 of 20 devices bricked"}, {"adoption", true, "seen"}};
  r.faults[0].update_steps = {{"downloading", 3}, {"none", 1}};
  const json j = report_json(r, testing::sample_context());
  EXPECT_EQ(j["expectations"], json::parse(R"([
    {"name": "no_bricked_devices", "passed": false, "verdict": "fail", "detail": "1 of 20 devices bricked"},
    {"name": "adoption", "passed": true, "verdict": "pass", "detail": "seen"}])"));
  // An interrupted run judges none: passed is null, so that `passed == false` does not count them.
  r.complete = false;
  const json interrupted = report_json(r, testing::sample_context());
  EXPECT_EQ(interrupted["expectations"][0]["passed"], nullptr);
  EXPECT_EQ(interrupted["expectations"][0]["verdict"], "not_judged");
  EXPECT_EQ(interrupted["expectations"][1]["passed"], nullptr);
  EXPECT_EQ(j["faults"], json::parse(R"([{"name": "storm", "kind": "power_loss", "at_seconds": 7200.0, "duration_seconds": 0.0,
                                 "devices_hit": 4, "spells": 0, "requests_dropped": 0, "armed": 4, "writes_torn": 1,
                                 "torn_by_write": {"chunk": 1}, "device_states": {},
                                 "update_steps": {"downloading": 3, "none": 1}},
                                {"name": "dropouts", "kind": "partition", "at_seconds": 0.0, "duration_seconds": 172800.0,
                                 "devices_hit": 6, "spells": 17, "requests_dropped": 0, "armed": 0, "writes_torn": 0,
                                 "torn_by_write": {}, "device_states": {}, "update_steps": {}}])"));
  // An outage says what it dropped.
  actors::run_result outage = testing::sample_result();
  outage.faults = {{"down", "cloud_outage", 0, std::chrono::hours(1), std::chrono::hours(3), 0, 31}};
  EXPECT_EQ(report_json(outage, testing::sample_context())["faults"][0]["requests_dropped"], 31);
}

TEST(report_json, sim_seconds_keep_microseconds) {
  actors::run_result r = testing::sample_result();
  r.simulated = std::chrono::microseconds(1'500'001);
  r.complete = false;
  const json j = report_json(r, testing::sample_context());
  EXPECT_EQ(j["sim_seconds"], 1.500001);
  EXPECT_EQ(j["complete"], false);
}

TEST(report_json, crypto_ops) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["crypto_ops"];
  EXPECT_EQ(j, json::parse(R"({"signs": 101, "verifies": 102, "key_exchanges": 103, "macs": 104,
                               "hash_calls": 105, "hashed_bytes": 3145728})"));
}

TEST(report_json, every_counter) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["counters"];
  const std::vector<std::string> names{"boots",
                                       "attestations",
                                       "attestation_failures",
                                       "certificates_issued",
                                       "updates_downloaded",
                                       "updates_installed",
                                       "updates_committed",
                                       "updates_rolled_back",
                                       "updates_rejected",
                                       "updates_failed",
                                       "bricked",
                                       "app_crashes",
                                       "messages_sent",
                                       "messages_lost",
                                       "messages_lost_to_faults",
                                       "requests_dropped_by_outages",
                                       "unsigned_code_started",
                                       "attacks_stopped",
                                       "faults_injected",
                                       "telemetry_generated",
                                       "telemetry_delivered",
                                       "telemetry_dropped",
                                       "telemetry_lost_to_power",
                                       "telemetry_buffered",
                                       "telemetry_received",
                                       "legacy_flashed",
                                       "key_stores_taken",
                                       "restricted_sessions",
                                       "faults_armed",
                                       "writes_torn"};
  ASSERT_EQ(keys_of(j), names);
  // sample_result() numbers the counters 1, 2, ... in declaration order, but
  // for the torn writes: 310 armed, 12 torn.
  for (std::size_t i = 0; i + 2 < names.size(); ++i) EXPECT_EQ(j[names[i]], i + 1) << names[i];
  EXPECT_EQ(j["faults_armed"], 310u);
  EXPECT_EQ(j["writes_torn"], 12u);
}

TEST(report_json, deployments) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["deployments"];
  EXPECT_EQ(j, json::parse(R"([{"name": "app-1.1.0", "state": "completed", "devices": 16, "waves_opened": 3,
                                "notified": 16, "succeeded": 15, "failed": 1, "rejected": 0, "timed_out": 0,
                                "failed_after_commit": 0, "refused_in_flight_full": 0,
                                "rollback": {"took": 0, "offered": 0, "committed": 0, "failed": 0, "rejected": 0,
                                             "requested_at_seconds": null, "last_committed_at_seconds": null},
                                "transitions": [
                                  {"at_seconds": 3600.0, "state": "running", "wave": 1, "reason": "started"},
                                  {"at_seconds": 25200.0, "state": "running", "wave": 2, "reason": "wave_opened"},
                                  {"at_seconds": 46800.0, "state": "running", "wave": 3, "reason": "wave_opened"},
                                  {"at_seconds": 72000.0, "state": "completed", "wave": 3, "reason": "all_done"}]}])"));
}

TEST(report_json, a_cloud_rollback_counts_the_devices_it_rolled_back) {
  actors::run_result r = testing::sample_result();
  r.deployments[0].failed_after_commit = 6;
  r.deployments[0].rollback = {15, 15, 14, 1, 0, std::chrono::hours(20), std::chrono::hours(44)};
  const json j = report_json(r, testing::sample_context())["deployments"][0];
  EXPECT_EQ(j["failed_after_commit"], 6);
  EXPECT_EQ(j["refused_in_flight_full"], 0);
  EXPECT_EQ(j["rollback"], json::parse(R"({"took": 15, "offered": 15, "committed": 14, "failed": 1, "rejected": 0,
                                           "requested_at_seconds": 72000.0, "last_committed_at_seconds": 158400.0})"));
}

// The offers the in-flight cap held back: what shows the cap binding.
TEST(report_json, a_deployment_counts_the_offers_its_in_flight_cap_held_back) {
  actors::run_result r = testing::sample_result();
  r.deployments[0].refused_in_flight_full = 89;
  EXPECT_EQ(report_json(r, testing::sample_context())["deployments"][0]["refused_in_flight_full"], 89);
}

TEST(report_json, revocations) {
  using namespace std::chrono_literals;
  actors::run_result r = testing::sample_result();
  actors::revocation_outcome o;
  o.image = "os@1.0.0";
  o.at = 24h;
  o.affected_online = 90;
  o.affected_offline = 10;
  o.healed_online = 90;
  o.online_healed_50 = 30min;
  o.online_healed_99 = 1h;
  o.online_healed_100 = 2h;  // the offline ones never healed: null
  o.requests_per_minute_peak = 400;
  r.revocations = {o};
  const json j = report_json(r, testing::sample_context())["revocations"].at(0);
  EXPECT_EQ(j["image"], "os@1.0.0");
  EXPECT_EQ(j["at_seconds"], 86400.0);
  EXPECT_EQ(j["affected_online"], 90u);
  EXPECT_EQ(j["affected_offline"], 10u);
  EXPECT_EQ(j["online_healed_50_after_seconds"], 1800.0);
  EXPECT_EQ(j["online_healed_100_after_seconds"], 7200.0);
  EXPECT_TRUE(j["offline_healed_100_after_seconds"].is_null());
  EXPECT_EQ(j["certificates_on_revoked"], 0u);
  EXPECT_EQ(j["requests_per_minute_peak_day_after"], 400u);
}

TEST(report_json, timeline) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["timeline"];
  EXPECT_EQ(j, json::parse(R"([
    {"at_seconds": 0.0, "app_versions": {"1.0.0": 20}, "states": {"off": 20}},
    {"at_seconds": 86400.0, "app_versions": {"1.0.0": 5, "1.1.0": 15}, "states": {"attested": 19, "bricked": 1}}
  ])"));
}

TEST(report_json, throughput_by_minute_kind_and_answer) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["throughput"];
  EXPECT_EQ(keys_of(j), (std::vector<std::string>{"bucket_seconds", "buckets", "kinds", "answers", "requests",
                                                  "by_answer", "peak_minute", "series", "errors"}));
  EXPECT_EQ(j["bucket_seconds"], 60.0);
  EXPECT_EQ(j["buckets"], 24u * 60);  // every minute of the day reached, empty ones too
  EXPECT_EQ(j["kinds"], json::parse(R"(["challenge", "evidence", "update_check", "chunk", "update_result",
                                         "telemetry", "other"])"));
  EXPECT_EQ(j["answers"], json::parse(R"(["ok", "error", "dropped", "unanswered"])"));
  EXPECT_EQ(j["requests"], 9u);
  EXPECT_EQ(j["by_answer"], json::parse(R"({"ok": 6, "error": 1, "dropped": 2, "unanswered": 0})"));
  EXPECT_EQ(j["peak_minute"], json::parse(R"({"at_seconds": 0.0, "requests": 6})"));
  // One series per kind and answer that has a request, kinds then answers in order.
  const json& series = j["series"];
  ASSERT_EQ(series.size(), 4u);
  const std::vector<std::tuple<std::string, std::string, unsigned, std::size_t>> expected{
      {"challenge", "ok", 3, 0}, {"evidence", "ok", 3, 0}, {"evidence", "error", 1, 2}, {"update_check", "dropped", 2, 5}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& [kind, answer, total, minute] = expected[i];
    SCOPED_TRACE(kind + " " + answer);
    EXPECT_EQ(series[i]["kind"], kind);
    EXPECT_EQ(series[i]["answer"], answer);
    EXPECT_EQ(series[i]["total"], total);
    ASSERT_EQ(series[i]["counts"].size(), 24u * 60);
    EXPECT_EQ(series[i]["counts"][minute], total);  // all in one minute
    unsigned sum = 0;
    for (const json& n : series[i]["counts"]) sum += n.get<unsigned>();
    EXPECT_EQ(sum, total);
  }
  // Errors over time: whatever was not answered ok, per bucket.
  ASSERT_EQ(j["errors"].size(), 24u * 60);
  EXPECT_EQ(j["errors"][0], 0u);
  EXPECT_EQ(j["errors"][2], 1u);
  EXPECT_EQ(j["errors"][5], 2u);
  unsigned errors = 0;
  for (const json& n : j["errors"]) errors += n.get<unsigned>();
  EXPECT_EQ(errors, 3u);
}

TEST(report_json, a_month_long_run_has_five_minute_buckets) {
  using namespace std::chrono_literals;
  actors::run_result r = testing::sample_result();
  r.simulated = 30 * 24h;
  r.traffic = actors::traffic_counts(actors::traffic_bucket_width(r.simulated));
  r.traffic.count(29 * 24h, actors::request_kind::telemetry, actors::request_answer::unanswered);
  const json j = report_json(r, testing::sample_context())["throughput"];
  EXPECT_EQ(j["bucket_seconds"], 300.0);
  EXPECT_EQ(j["buckets"], 30u * 24 * 12);
  ASSERT_EQ(j["series"].size(), 1u);
  EXPECT_EQ(j["series"][0]["counts"][29 * 24 * 12], 1u);
  EXPECT_EQ(j["errors"][29 * 24 * 12], 1u);
  EXPECT_EQ(j["by_answer"]["unanswered"], 1u);
}

TEST(report_json, attestation_latency_percentiles_by_hour) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["attestation_latency_by_hour"];
  // 200 ms each: estimated within the (100 ms, 250 ms] bucket. Past a day
  // there is no bound to estimate up to: null, as for an hour without any.
  EXPECT_EQ(j, json::parse(R"([
    {"hour": 0, "attestations": 4, "failures": 0, "mean_ms": 200.0, "p50_ms": 175.0, "p95_ms": 242.5, "p99_ms": 248.5},
    {"hour": 1, "attestations": 0, "failures": 2, "mean_ms": null, "p50_ms": null, "p95_ms": null, "p99_ms": null},
    {"hour": 2, "attestations": 1, "failures": 0, "mean_ms": 259200000.0, "p50_ms": null, "p95_ms": null, "p99_ms": null}
  ])"));
}

TEST(report_json, by_group_and_revision) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["by_group_and_revision"];
  // Production B has no devices: left out.
  EXPECT_EQ(j, json::parse(R"([
    {"group": "Production", "revision": "A", "devices": 12, "requests": 8, "errors": 1, "dropped": 2, "unanswered": 0,
     "attestations": 4, "attestation_failures": 2, "attestation_mean_ms": 200.0, "attestation_p50_ms": 175.0,
     "attestation_p95_ms": 242.5, "attestation_p99_ms": 248.5,
     "updates_committed": 10, "updates_rolled_back": 1, "updates_failed": 1},
    {"group": "Field Test", "revision": "A", "devices": 8, "requests": 1, "errors": 0, "dropped": 0, "unanswered": 0,
     "attestations": 0, "attestation_failures": 0, "attestation_mean_ms": null, "attestation_p50_ms": null,
     "attestation_p95_ms": null, "attestation_p99_ms": null,
     "updates_committed": 0, "updates_rolled_back": 0, "updates_failed": 0}
  ])"));
}

TEST(report_json, empty_lists_are_arrays) {
  actors::run_result r = testing::sample_result();
  r.deployments.clear();
  r.timeline.clear();
  r.traffic = actors::traffic_counts();
  r.attestation_time_by_hour.clear();
  r.attestation_failures_by_hour.clear();
  r.by_group_and_revision.clear();
  const json j = report_json(r, testing::sample_context());
  EXPECT_EQ(j["deployments"], json::array());
  EXPECT_EQ(j["timeline"], json::array());
  EXPECT_EQ(j["throughput"]["series"], json::array());
  EXPECT_EQ(j["attestation_latency_by_hour"], json::array());
  EXPECT_EQ(j["by_group_and_revision"], json::array());
}

TEST(report_text, reads_back_as_the_report) {
  const json j = report_json(testing::sample_result(), testing::sample_context());
  const std::string text = report_text(j);
  EXPECT_EQ(json::parse(text), j);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.rfind("{\n  \"scenario\": \"tiny-rollout\",\n", 0), 0u) << text.substr(0, 200);
}

TEST(report_text, a_time_series_takes_one_line_and_a_record_one_line_in_its_array) {
  const json j = json::parse(R"({"series": [0, 0, 3, 0], "empty": [], "none": {}, "nested": {"a": [1, 2]},
                                 "hours": [{"hour": 0, "p50_ms": null}, {"hour": 1, "p50_ms": 12.5}],
                                 "deep": [{"name": "x", "list": [{"k": "<\"q\">"}]}]})");
  EXPECT_EQ(report_text(j),
            "{\n"
            "  \"series\": [0,0,3,0],\n"
            "  \"empty\": [],\n"
            "  \"none\": {},\n"
            "  \"nested\": {\n"
            "    \"a\": [1,2]\n"
            "  },\n"
            "  \"hours\": [\n"
            "    {\"hour\": 0, \"p50_ms\": null},\n"
            "    {\"hour\": 1, \"p50_ms\": 12.5}\n"
            "  ],\n"
            "  \"deep\": [\n"
            "    {\n"
            "      \"name\": \"x\",\n"
            "      \"list\": [\n"
            "        {\"k\": \"<\\\"q\\\">\"}\n"
            "      ]\n"
            "    }\n"
            "  ]\n"
            "}\n");
}

TEST(process_usage, measures_this_process) {
  const process_usage p = measure_process();
  EXPECT_GT(p.peak_rss_bytes, 1024u * 1024);  // a test binary holds more than a MiB
  EXPECT_GE(p.cpu_seconds, 0);
}

}  // namespace
}  // namespace fleet::cli
