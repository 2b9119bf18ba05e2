// The JSON report: every field of a hand-made result where the contract puts
// it, and the atomic write.
#include "report_json.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
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
  EXPECT_EQ(j["trace_hash"], "0123456789abcdef");
  EXPECT_EQ(j["expectations"], json::array());
  EXPECT_EQ(j["replay"], "fleetsim run tests/cli/data/tiny_rollout.textproto --seed 7");
}

TEST(report_json, expectations_and_faults) {
  actors::run_result r = testing::sample_result();
  r.expectations = {{"no_bricked_devices", false, "1 of 20 devices bricked"}, {"adoption", true, "seen"}};
  const json j = report_json(r, testing::sample_context());
  EXPECT_EQ(j["expectations"], json::parse(R"([
    {"name": "no_bricked_devices", "passed": false, "detail": "1 of 20 devices bricked"},
    {"name": "adoption", "passed": true, "detail": "seen"}])"));
  EXPECT_EQ(j["faults"], json::parse(R"([{"name": "storm", "kind": "power_loss", "at_seconds": 7200.0, "duration_seconds": 0.0,
                                 "devices_hit": 4, "spells": 0},
                                {"name": "dropouts", "kind": "partition", "at_seconds": 0.0, "duration_seconds": 172800.0,
                                 "devices_hit": 6, "spells": 17}])"));
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
                                       "restricted_sessions"};
  ASSERT_EQ(keys_of(j), names);
  // sample_result() numbers the counters 1, 2, ... in declaration order.
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(j[names[i]], i + 1) << names[i];
}

TEST(report_json, deployments) {
  const json j = report_json(testing::sample_result(), testing::sample_context())["deployments"];
  EXPECT_EQ(j, json::parse(R"([{"name": "app-1.1.0", "state": "completed", "devices": 16, "waves_opened": 3,
                                "notified": 16, "succeeded": 15, "failed": 1, "rejected": 0, "timed_out": 0,
                                "transitions": [
                                  {"at_seconds": 3600.0, "state": "running", "wave": 1, "reason": "started"},
                                  {"at_seconds": 25200.0, "state": "running", "wave": 2, "reason": "wave_opened"},
                                  {"at_seconds": 46800.0, "state": "running", "wave": 3, "reason": "wave_opened"},
                                  {"at_seconds": 72000.0, "state": "completed", "wave": 3, "reason": "all_done"}]}])"));
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

TEST(report_json, empty_lists_are_arrays) {
  actors::run_result r = testing::sample_result();
  r.deployments.clear();
  r.timeline.clear();
  const json j = report_json(r, testing::sample_context());
  EXPECT_EQ(j["deployments"], json::array());
  EXPECT_EQ(j["timeline"], json::array());
}

TEST(process_usage, measures_this_process) {
  const process_usage p = measure_process();
  EXPECT_GT(p.peak_rss_bytes, 1024u * 1024);  // a test binary holds more than a MiB
  EXPECT_GE(p.cpu_seconds, 0);
}

using report_file = testing::in_temporary_directory;
using testing::read_file;

bool exists(const std::string& path) { return std::filesystem::exists(path); }

TEST_F(report_file, written_whole_and_no_temporary_left) {
  const std::string path = dir_ + "/r.json";
  EXPECT_EQ(write_atomically(path, "{\"a\": 1}\n"), "");
  EXPECT_EQ(read_file(path), "{\"a\": 1}\n");
  EXPECT_FALSE(exists(path + ".tmp"));
}

TEST_F(report_file, replaces_a_previous_report) {
  const std::string path = dir_ + "/r.json";
  ASSERT_EQ(write_atomically(path, std::string(10000, 'x')), "");
  ASSERT_EQ(write_atomically(path, "short"), "");
  EXPECT_EQ(read_file(path), "short");
}

TEST_F(report_file, missing_directory_is_an_error_naming_the_file) {
  const std::string path = dir_ + "/no/such/dir/r.json";
  EXPECT_EQ(write_atomically(path, "x"), "cannot create " + path + ".tmp: No such file or directory");
  EXPECT_FALSE(exists(path));
}

TEST_F(report_file, rename_failure_leaves_no_temporary) {
  const std::string path = dir_ + "/taken";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((path + "/inside").c_str(), 0755), 0);  // a non-empty directory: rename() refuses
  const std::string error = write_atomically(path, "x");
  EXPECT_EQ(error.rfind("cannot rename " + path + ".tmp to " + path + ": ", 0), 0u) << error;
  EXPECT_FALSE(exists(path + ".tmp"));
}

TEST_F(report_file, checked_before_the_run) {
  EXPECT_EQ(check_report_path(path("r.json")), "");
  EXPECT_FALSE(exists(path("r.json.tmp")));  // the probe is removed
  EXPECT_FALSE(exists(path("r.json")));
  EXPECT_EQ(check_report_path(dir_ + "/none/r.json"),
            "cannot create " + dir_ + "/none/r.json.tmp: No such file or directory");
  EXPECT_EQ(check_report_path(dir_), dir_ + " is a directory");
}

}  // namespace
}  // namespace fleet::cli
