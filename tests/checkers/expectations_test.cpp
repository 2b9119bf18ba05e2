// Each checker on a hand-made record: it passes on a run that keeps the
// invariant and fails, saying what it saw, on one that breaks it.
#include "fleet/checkers/expectations.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using checkers::check_expectations;
using checkers::all_passed;

using namespace std::chrono_literals;

/// The small scenario with one expectation appended.
scenario with_expectation(const std::string& line) {
  load_result r = load_text(std::string(testing::small_scenario) + line + "\n", "t.textproto");
  EXPECT_TRUE(r.value.has_value()) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  return r.value ? std::move(*r.value) : scenario{};
}

/// A record of the small scenario's run: 100 devices, deployment "d".
actors::run_result good_run() {
  actors::run_result r;
  r.devices = 100;
  r.complete = true;
  r.counters.boots = 200;
  r.deployments = {{"d", "completed", 100, 2, 100, 100, 0, 0, 0, {}}};
  r.censuses = {{7 * 24h, {{{"1.0.0", 3}, {"1.1.0", 97}}}, {100}, {}}, {24h, {{{"1.0.0", 90}, {"1.1.0", 10}}}, {100}, {}}};
  r.requests_per_minute.assign(7 * 24 * 60 + 1, 60);  // one request a second
  return r;
}

actors::expectation_result judged(const scenario& s, const actors::run_result& r) {
  const auto results = check_expectations(s, r);
  EXPECT_EQ(results.size(), 1u);
  return results.empty() ? actors::expectation_result{} : results.front();
}

TEST(checkers, no_bricked_devices) {
  const scenario s = with_expectation("expect { no_bricked_devices {} }");
  actors::run_result r = good_run();
  EXPECT_TRUE(judged(s, r).passed);
  r.counters.bricked = 2;
  const auto v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.name, "no_bricked_devices");
  EXPECT_EQ(v.detail, "2 of 100 devices bricked (no valid boot chain) at the end");
}

TEST(checkers, no_unsigned_code_ran) {
  const scenario s = with_expectation("expect { no_unsigned_code_ran {} }");
  actors::run_result r = good_run();
  EXPECT_TRUE(judged(s, r).passed);
  r.counters.unsigned_code_started = 1;
  EXPECT_FALSE(judged(s, r).passed);
}

TEST(checkers, adoption_reads_the_census_at_its_time) {
  const scenario at_end = with_expectation("expect { adoption { image: \"app@1.1.0\" percent: 95 } }");
  actors::run_result r = good_run();
  const auto v = judged(at_end, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "97.00 % of 100 devices (product p) ran app@1.1.0 at 7d, at least 95.00 % expected");

  const scenario early = with_expectation("expect { adoption { image: \"app@1.1.0\" percent: 50 by: \"1d\" } }");
  EXPECT_FALSE(judged(early, r).passed);
  // A run that stopped before the census time has nothing to show.
  r.censuses.pop_back();
  EXPECT_EQ(judged(early, r).detail, "the run stopped before 1d: no census to judge");
  EXPECT_FALSE(judged(early, r).passed);
}

TEST(checkers, rollout_halted_needs_a_stop_early_enough) {
  const scenario s =
      with_expectation("expect { rollout_halted { deployment: \"d\" before_wave: 2 max_percent: 15 } }");
  actors::run_result r = good_run();
  EXPECT_FALSE(judged(s, r).passed);  // completed: never stopped
  r.deployments[0] = {"d", "aborted", 100, 1, 12, 9, 3, 0, 0, {}};
  const auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  r.deployments[0].notified = 20;  // past 15 % of the group
  EXPECT_FALSE(judged(s, r).passed);
  r.deployments[0] = {"d", "halted", 100, 2, 12, 9, 3, 0, 0, {}};  // stopped in wave 2: too late
  EXPECT_FALSE(judged(s, r).passed);
}

TEST(checkers, rollout_completed) {
  const scenario s = with_expectation("expect { rollout_completed { deployment: \"d\" } }");
  actors::run_result r = good_run();
  EXPECT_TRUE(judged(s, r).passed);
  r.deployments[0].state = "paused";
  EXPECT_FALSE(judged(s, r).passed);
}

TEST(checkers, peak_request_rate_over_its_range_only) {
  const scenario s =
      with_expectation("expect { peak_request_rate { max_per_second: 2 from: \"1d\" to: \"2d\" } }");
  actors::run_result r = good_run();
  EXPECT_TRUE(judged(s, r).passed);
  r.requests_per_minute[10] = 6000;  // a herd before the range: not judged
  EXPECT_TRUE(judged(s, r).passed);
  r.requests_per_minute[24 * 60 + 30] = 600;  // 10 a second, 30 minutes into the range
  const auto v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "peak 10.0 requests/s (the minute from 1d30m) between 1d and 2d, at most 2.0 expected");
}

// Rates below one a second keep their digits: 0.001 once printed as 0.0.
TEST(checkers, peak_request_rate_prints_small_rates_as_they_are) {
  const scenario s =
      with_expectation("expect { peak_request_rate { max_per_second: 0.001 from: \"1d\" to: \"2d\" } }");
  actors::run_result r = good_run();
  r.requests_per_minute.assign(r.requests_per_minute.size(), 0);
  r.requests_per_minute[24 * 60 + 30] = 1;  // one request in a minute: 0.017 a second
  const auto v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "peak 0.017 requests/s (the minute from 1d30m) between 1d and 2d, at most 0.001 expected");
}

// A bound per device follows the fleet: the same peak passes for 100
// devices and fails for 50, where a herd of the same size is twice the share.
TEST(checkers, peak_request_rate_per_device_follows_the_fleet) {
  const scenario s = with_expectation(
      "expect { peak_request_rate { max_per_device_per_second: 0.05 from: \"1d\" to: \"2d\" } }");
  actors::run_result r = good_run();  // 100 devices, one request a second
  r.requests_per_minute[24 * 60 + 30] = 240;  // 4 a second: at most 5 for 100 devices
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "peak 4.0 requests/s (the minute from 1d30m) between 1d and 2d, at most 5.0 expected (0.05 a "
                      "device, 100 devices)");
  r.devices = 50;
  v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "peak 4.0 requests/s (the minute from 1d30m) between 1d and 2d, at most 2.5 expected (0.05 a "
                      "device, 50 devices)");
}

// A multiple of the calm peak: the busiest minute of the calm span sets it.
TEST(checkers, peak_request_rate_times_the_calm_peak) {
  const scenario s = with_expectation(
      "expect { peak_request_rate { max_times_calm_peak: 3 from: \"1d\" to: \"2d\" calm_from: \"6h\" calm_to: "
      "\"1d\" } }");
  actors::run_result r = good_run();  // one request a second everywhere
  r.requests_per_minute[12 * 60] = 120;  // the calm span's busiest minute: 2 a second
  r.requests_per_minute[24 * 60 + 30] = 300;  // 5 a second: at most 6
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "peak 5.0 requests/s (the minute from 1d30m) between 1d and 2d, at most 6.0 expected (3 times "
                      "the calm peak, 2.0 requests/s between 6h and 1d)");
  r.requests_per_minute[24 * 60 + 30] = 420;  // 7 a second
  EXPECT_FALSE(judged(s, r).passed);
  r.requests_per_minute[12 * 60] = 180;  // a busier calm span raises the bound to 9
  EXPECT_TRUE(judged(s, r).passed);
  // A calm span without a request gives nothing to compare with: it fails.
  std::fill(r.requests_per_minute.begin() + 6 * 60, r.requests_per_minute.begin() + 24 * 60, 0u);
  v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("(3 times the calm peak, 0 requests/s between 6h and 1d): no request in the calm span"), std::string::npos)
      << v.detail;
}

// Held by its gate: paused after gate_failed. Aborted, halted, paused by the
// operator or completed is not held by the gate.
TEST(checkers, rollout_held_at_gate_needs_a_failed_gate) {
  const scenario s = with_expectation("expect { rollout_held_at_gate { deployment: \"d\" wave: 1 } }");
  actors::run_result r = good_run();
  r.deployments[0] = {"d", "paused", 100, 1, 25, 21, 4, 0, 0,
                      {{1h, "running", 1, "started"}, {9h, "paused", 1, "gate_failed"}}};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "deployment d ended paused (last change: gate_failed) at wave 1, offered to 25 of 100 devices "
                      "(25.00 %): 21 succeeded, 4 failed; expected held by its gate at wave 1");
  actors::run_result aborted = r;
  aborted.deployments[0].state = "aborted";
  aborted.deployments[0].transitions.back() = {9h, "aborted", 1, "abort_failed"};
  v = judged(s, aborted);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("ended aborted (last change: abort_failed)"), std::string::npos) << v.detail;
  actors::run_result by_operator = r;
  by_operator.deployments[0].transitions.back().reason = "operator_pause";
  EXPECT_FALSE(judged(s, by_operator).passed);
  actors::run_result later = r;
  later.deployments[0].waves_opened = 2;  // held, but at the second wave's gate
  EXPECT_FALSE(judged(s, later).passed);
  EXPECT_TRUE(judged(with_expectation("expect { rollout_held_at_gate { deployment: \"d\" } }"), later).passed);
  EXPECT_FALSE(judged(s, good_run()).passed);  // completed
}

TEST(checkers, every_attack_stopped) {
  const scenario s = with_expectation(
      "attack { name: \"spoofers\" at: \"1d\" count: 3 spoofed_identity {} }\n"
      "expect { every_attack_stopped {} }");
  actors::run_result r = good_run();
  r.attacks = {{"spoofers", "spoofed_identity", 3, 3, 0, 0, 0us, 0us}};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "spoofers: 3 of 3 stopped, 0 got through");
  r.attacks[0] = {"spoofers", "spoofed_identity", 3, 2, 1, 1};
  EXPECT_FALSE(judged(s, r).passed);
  r.attacks[0] = {"spoofers", "spoofed_identity", 0, 0, 0, 0};  // never tried: nothing shown
  EXPECT_FALSE(judged(s, r).passed);
  const scenario without = with_expectation("expect { every_attack_stopped {} }");
  EXPECT_EQ(judged(without, good_run()).detail, "the scenario has no attacks: nothing was tried");
}

// A lost check that the next one hides: the attack is still stopped, by
// another check than the one the file names, and stopped_by fails it.
TEST(checkers, every_attack_stopped_by_the_checks_named) {
  const scenario s = with_expectation(
      "attack { name: \"spoofers\" at: \"1d\" count: 3 spoofed_identity {} }\n"
      "attack { name: \"rogue\" at: \"1d\" duration: \"1d\" fraction: 0.1 rogue_image {} }\n"
      "expect { every_attack_stopped { stopped_by { attack: \"spoofers\" check: \"bad_signature\" }\n"
      "  stopped_by { kind: \"rogue_image\" check: \"bad_signature\" check: \"unknown_signing_key\" } } }");
  actors::run_result r = good_run();
  r.attacks = {{"spoofers", "spoofed_identity", 3, 3, 0, 0, 0us, 0us, {{"bad_signature", 3}}},
               {"rogue", "rogue_image", 9, 9, 0, 0, 0us, 0us, {{"bad_signature", 5}, {"unknown_signing_key", 4}}}};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "spoofers: 3 of 3 stopped, 0 got through; rogue: 9 of 9 stopped, 0 got through");

  // The signature check lost: the nonce check behind it stops the spoofers.
  actors::run_result wrong = r;
  wrong.attacks[0].stopped_by = {{"nonce_unknown", 3}};
  v = judged(s, wrong);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail,
            "spoofers: 3 of 3 stopped, 0 got through; rogue: 9 of 9 stopped, 0 got through; spoofers was stopped by "
            "nonce_unknown 3 (3 of 3 stops by another check), expected by bad_signature (bad_signature stopped none)");

  // One stop of three by another check is enough to fail it.
  wrong = r;
  wrong.attacks[0].stopped_by = {{"bad_signature", 2}, {"nonce_reused", 1}};
  v = judged(s, wrong);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("spoofers was stopped by bad_signature 2, nonce_reused 1 (1 of 3 stops by another check), "
                          "expected by bad_signature"),
            std::string::npos)
      << v.detail;

  // A named check that stopped nothing: the key-id check lost, the signature check took all.
  wrong = r;
  wrong.attacks[1].stopped_by = {{"bad_signature", 9}};
  v = judged(s, wrong);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("rogue was stopped by bad_signature 9, expected by bad_signature, unknown_signing_key "
                          "(unknown_signing_key stopped none)"),
            std::string::npos)
      << v.detail;

  // Stops the run names no check for count as another check's.
  wrong = r;
  wrong.attacks[0].stopped_by = {};
  EXPECT_FALSE(judged(s, wrong).passed);

  // Without stopped_by, the same wrong check passes: only the outcome is judged.
  const scenario plain = with_expectation(
      "attack { name: \"spoofers\" at: \"1d\" count: 3 spoofed_identity {} }\n"
      "attack { name: \"rogue\" at: \"1d\" duration: \"1d\" fraction: 0.1 rogue_image {} }\n"
      "expect { every_attack_stopped {} }");
  wrong = r;
  wrong.attacks[0].stopped_by = {{"nonce_unknown", 3}};
  EXPECT_TRUE(judged(plain, wrong).passed);
}

// An identity the clone detection flagged is refused before anything it
// presents is checked (security_service: cheap refusals first): an attack
// on it meets that earlier layer, raised by another attack, and is still
// stopped. The block counts with the checks named only when the run saw the
// clone detection stop something; a stop by any other check still fails.
TEST(checkers, every_attack_stopped_by_a_block_the_clone_detection_raised) {
  const scenario s = with_expectation(
      "attack { name: \"clones\" at: \"1d\" count: 3 cloned_identity {} }\n"
      "attack { name: \"forgers\" at: \"1d6h\" count: 3 forged_certificate {} }\n"
      "attack { name: \"replayers\" at: \"1d8h\" count: 3 replayed_evidence {} }\n"
      "expect { every_attack_stopped { stopped_by { attack: \"clones\" check: \"cloned_identity\" }\n"
      "  stopped_by { attack: \"forgers\" check: \"bad_signature\" }\n"
      "  stopped_by { attack: \"replayers\" check: \"nonce_unknown\" } } }");
  actors::run_result r = good_run();
  r.attacks = {{"clones", "cloned_identity", 3, 3, 0, 0, 0us, 0us, {{"cloned_identity", 3}}},
               {"forgers", "forged_certificate", 3, 3, 0, 0, 0us, 0us, {{"bad_signature", 2}, {"identity_blocked", 1}}},
               {"replayers", "replayed_evidence", 3, 3, 0, 0, 0us, 0us,
                {{"nonce_unknown", 2}, {"identity blocked: flagged as cloned", 1}}}};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;

  // No clone detection stopped anything: nothing raised the block, so it
  // stands in for the check named, and fails as another check would.
  actors::run_result unraised = r;
  unraised.attacks[0].stopped_by = {{"bad_signature", 3}};
  v = judged(with_expectation(
                 "attack { name: \"clones\" at: \"1d\" count: 3 cloned_identity {} }\n"
                 "attack { name: \"forgers\" at: \"1d6h\" count: 3 forged_certificate {} }\n"
                 "attack { name: \"replayers\" at: \"1d8h\" count: 3 replayed_evidence {} }\n"
                 "expect { every_attack_stopped { stopped_by { attack: \"forgers\" check: \"bad_signature\" }\n"
                 "  stopped_by { attack: \"replayers\" check: \"nonce_unknown\" } } }"),
             unraised);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("forgers was stopped by bad_signature 2, identity_blocked 1 (1 of 3 stops by another check), "
                          "expected by bad_signature"),
            std::string::npos)
      << v.detail;

  // A lost layer is still seen with blocks raised: the CA signature check
  // lost, the key check behind it stops a forger.
  actors::run_result lost = r;
  lost.attacks[1].stopped_by = {{"bad_signature", 1}, {"identity_blocked", 1}, {"key_mismatch", 1}};
  v = judged(s, lost);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("forgers was stopped by bad_signature 1, identity_blocked 1, key_mismatch 1 (1 of 3 stops by "
                          "another check), expected by bad_signature or a block the clone detection raised"),
            std::string::npos)
      << v.detail;

  // The check named must still have stopped one: every attempt blocked
  // shows nothing of it.
  actors::run_result all_blocked = r;
  all_blocked.attacks[1].stopped_by = {{"identity_blocked", 3}};
  v = judged(s, all_blocked);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("(bad_signature stopped none)"), std::string::npos) << v.detail;
}

TEST(checkers, no_certificate_to_attackers) {
  const scenario s = with_expectation(
      "attack { at: \"1d\" count: 3 cloned_identity {} }\n"
      "expect { no_certificate_to_attackers {} }");
  actors::run_result r = good_run();
  r.attacks = {{"c", "cloned_identity", 3, 3, 0, 0, 0us, 0us}};
  EXPECT_TRUE(judged(s, r).passed);
  r.attacks[0].certificates = 1;
  EXPECT_FALSE(judged(s, r).passed);
}

// The revocation checkers read the run's record: the census for healed, the
// devices' count of certificates on a revoked image, the attackers' tallies.
const char* const revoked_os =
    "image { name: \"os\" version: \"1.0.1\" component: OS product: \"p\" size: \"1MiB\" }\n"
    "cloud { revoke { image: \"os@1.0.0\" at: \"1d\" } }\n";

TEST(checkers, healed_counts_devices_attested_on_the_repair) {
  const scenario s = with_expectation(std::string(revoked_os) + "expect { healed { image: \"os@1.0.1\" by: \"1d\" } }");
  actors::run_result r = good_run();
  r.censuses[1].attested_running_by_group = {{{"os@1.0.1", 100}, {"app@1.1.0", 10}}};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "100.00 % of 100 devices (product p) held a valid certificate running os@1.0.1 at 1d, at least "
                      "100.00 % expected");
  // A device still on the revoked OS, or off: not healed.
  r.censuses[1].attested_running_by_group = {{{"os@1.0.1", 99}, {"os@1.0.0", 1}}};
  v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "99.00 % of 100 devices (product p) held a valid certificate running os@1.0.1 at 1d, at least "
                      "100.00 % expected");
}

TEST(checkers, never_trusted_after_revocation_fails_on_a_certificate_on_the_revoked_image) {
  const scenario s =
      with_expectation(std::string(revoked_os) + "expect { never_trusted_after_revocation { image: \"os@1.0.0\" } }");
  actors::run_result r = good_run();
  actors::revocation_outcome o;
  o.image = "os@1.0.0";
  o.at = 24h;
  o.affected_online = 100;
  r.revocations = {o};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "0 certificates accepted by devices running os@1.0.0 after its revocation at 1d (100 devices ran it then)");
  r.revocations[0].certificates_on_revoked = 2;  // the invariant broken
  EXPECT_FALSE(judged(s, r).passed);
  r.revocations.clear();  // no record of the revocation: nothing to judge is no pass
  EXPECT_FALSE(judged(s, r).passed);
}

TEST(checkers, no_restricted_session_to_attackers_fails_on_one) {
  const scenario s = with_expectation(
      "attack { at: \"1d\" count: 3 spoofed_identity {} }\n"
      "expect { no_restricted_session_to_attackers {} }");
  actors::run_result r = good_run();
  r.attacks = {{"s", "spoofed_identity", 3, 3, 0, 0, 0us, 0us}};
  EXPECT_TRUE(judged(s, r).passed);
  r.attacks[0].restricted_sessions = 1;
  const auto v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "1 restricted sessions granted to attackers, in 3 attempts; the devices accepted 0");
}

TEST(checkers, devices_attested_reads_the_census) {
  const scenario s = with_expectation("expect { devices_attested { percent: 95 by: \"1d\" } }");
  actors::run_result r = good_run();
  r.censuses[1].attested_by_group = {96};
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "96.00 % of 100 devices (the fleet) held a valid certificate at 1d, at least 95.00 % expected");
  r.censuses[1].attested_by_group = {90};
  EXPECT_FALSE(judged(s, r).passed);
}

TEST(checkers, all_passed) {
  EXPECT_TRUE(all_passed({}));
  EXPECT_TRUE(all_passed({{"a", true, ""}}));
  EXPECT_FALSE(all_passed({{"a", true, ""}, {"b", false, ""}}));
}

TEST(checkers, attestation_latency_reads_the_hours_of_its_window) {
  const scenario s = with_expectation("expect { attestation_latency { max: \"30s\" from: \"1d\" to: \"1d2h\" } }");
  actors::run_result r = good_run();
  r.attestation_time_by_hour.resize(30);
  for (int i = 0; i < 100; ++i) r.attestation_time_by_hour[24].observe(300ms);
  r.attestation_time_by_hour[23].observe(2h);  // before the window: not counted
  r.attestation_time_by_hour[26].observe(2h);  // after it
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "p99 of 100 attestations completed from 1d to 1d2h: at most 0.5 s (the bound of its bucket); "
                      "expected at most 30 s");
  r.attestation_time_by_hour[25].observe(2h);  // 2 of 101 slow: the 99th is slow
  r.attestation_time_by_hour[25].observe(2h);
  v = judged(s, r);
  EXPECT_FALSE(v.passed) << v.detail;
  EXPECT_NE(v.detail.find("at most 86400 s"), std::string::npos) << v.detail;
}

TEST(checkers, attestation_latency_fails_when_no_device_was_served) {
  const scenario s = with_expectation("expect { attestation_latency { quantile: 0.5 max: \"1m\" from: \"1d\" } }");
  actors::run_result r = good_run();
  r.attestation_time_by_hour.resize(10);  // every attestation in the first hours
  r.attestation_time_by_hour[2].observe(1s);
  const auto v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.detail, "no attestation completed from 1d to 7d; expected at most 60 s");
}

TEST(checkers, telemetry_accounted) {
  const scenario s = with_expectation("expect { telemetry_accounted {} }");
  actors::run_result r = good_run();
  r.counters.telemetry_generated = 1000;
  r.counters.telemetry_delivered = 900;
  r.counters.telemetry_dropped = 50;
  r.counters.telemetry_lost_to_power = 30;
  r.counters.telemetry_buffered = 20;
  r.counters.telemetry_received = 900;
  auto v = judged(s, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail, "1,000 events generated: 900 delivered, 50 dropped (buffer full), 30 lost to power, "
                      "20 still buffered; the cloud took 900");
  r.counters.telemetry_buffered = 5;  // 15 events gone without a count
  v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("15 not accounted for"), std::string::npos) << v.detail;
  r.counters.telemetry_buffered = 20;
  r.counters.telemetry_received = 880;  // acknowledged, yet not taken
  v = judged(s, r);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.detail.find("the cloud took a different number"), std::string::npos) << v.detail;
}

TEST(checkers, rolled_back_by_cloud_reads_the_rollback_census) {
  const std::string base =
      testing::small_with("rollout { wave { percent: 10 } wave { percent: 100 } }",
                          "rollout { rollback { failed_share: 0.05 image: \"app@1.1.1\" } }") +
      "image { name: \"app\" version: \"1.1.1\" component: APP product: \"p\" size: \"256KiB\" }\n";
  const scenario by_share = testing::loaded(base + "expect { rolled_back_by_cloud { deployment: \"d\" percent: 95 by: \"6d\" } }\n");
  const scenario by_count = testing::loaded(base + "expect { rolled_back_by_cloud { deployment: \"d\" at_least: 30 } }\n");
  actors::run_result r = good_run();
  r.censuses = {{6 * 24h, {{{"1.0.0", 60}, {"1.1.0", 1}, {"1.1.1", 39}}}, {100}, {{40, 39, 39}}},
                {7 * 24h, {{{"1.0.0", 60}, {"1.1.1", 40}}}, {100}, {{40, 40, 40}}}};
  auto v = judged(by_share, r);
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_EQ(v.detail,
            "39 of the 40 devices that committed deployment d's image ran app@1.1.1 at 6d (97.50 %; the cloud "
            "counted 39 rollback commits), at least 95.00 % expected");
  EXPECT_TRUE(judged(by_count, r).passed);
  // The devices did not go back, whatever the cloud counted.
  r.censuses[0].rollback_by_deployment[0] = {40, 30, 39};
  EXPECT_FALSE(judged(by_share, r).passed);
  r.censuses[1].rollback_by_deployment[0] = {40, 29, 40};
  EXPECT_FALSE(judged(by_count, r).passed);
  // Nobody took the build: nothing was rolled back, which is no pass.
  r.censuses[1].rollback_by_deployment[0] = {0, 0, 0};
  r.censuses[1].rollback_by_deployment[0] = {0, 0, 0};
  const scenario one = testing::loaded(base + "expect { rolled_back_by_cloud { deployment: \"d\" at_least: 1 } }\n");
  EXPECT_FALSE(judged(one, r).passed);
  r.censuses.pop_back();
  EXPECT_EQ(judged(by_count, r).detail, "the run stopped before 7d: no census to judge");
}

}  // namespace
}  // namespace fleet::scenario
