// Each checker on a real run that breaks its invariant: a small fleet, a
// scenario made to break it, the engine, then the checker. (The hand-made
// records of expectations_test.cpp pin the details; here the record comes
// from the engine, so a checker that read the wrong field would pass.)
// no_unsigned_code_ran has no such run: nothing in a scenario can make the
// real firmware start unverified code, which is the point; its failing case
// is the hand-made record.
#include <gtest/gtest.h>

#include "fleet/actors/run.hpp"
#include "fleet/checkers/expectations.hpp"
#include "fleet/scenario/loader.hpp"

namespace fleet::scenario {
namespace {

using checkers::check_expectations;

/// 40 devices, app 1.1.0 (`behaviour`) in two waves from 1h, over 3 days.
std::string fleet_of(const std::string& behaviour, const std::string& rollout_extra, const std::string& tail) {
  return "name: \"breaks\"\nseed: 5\nduration: \"3d\"\n"
         "fleet {\n"
         "  product { name: \"p\" hardware_rev { name: \"A\" share: 1 } }\n"
         "  group { name: \"Production\" product: \"p\" devices: 40 }\n"
         "  firmware: \"boot@1.0.0\" firmware: \"mon@1.0.0\" firmware: \"os@1.0.0\" firmware: \"app@1.0.0\"\n"
         "  network { latency_median: \"40ms\" latency_p99: \"200ms\" }\n"
         "}\n"
         "image { name: \"boot\" version: \"1.0.0\" component: BOOTLOADER product: \"p\" size: \"16KiB\" }\n"
         "image { name: \"mon\" version: \"1.0.0\" component: SECURITY_MONITOR product: \"p\" size: \"16KiB\" }\n"
         "image { name: \"os\" version: \"1.0.0\" component: OS product: \"p\" size: \"16KiB\" }\n"
         "image { name: \"app\" version: \"1.0.0\" component: APP product: \"p\" size: \"16KiB\" }\n"
         "image { name: \"app\" version: \"1.1.0\" component: APP product: \"p\" security_version: 2 size: \"16KiB\" " +
         behaviour +
         " }\n"
         "deployment { name: \"d\" image: \"app@1.1.0\" group: \"Production\" start: \"1h\"\n"
         "  rollout { wave { percent: 25 } wave { percent: 100 } gate { success_threshold: 0.9 min_wave_duration: \"1h\" } " +
         rollout_extra + " } }\n" + tail;
}

/// The one verdict of the scenario's one expectation, after a real run.
actors::expectation_result verdict_of(const std::string& text) {
  load_result loaded = load_text(text, "breaks.textproto");
  EXPECT_TRUE(loaded.value) << (loaded.errors.empty() ? "" : to_string(loaded.errors.front()));
  if (!loaded.value) return {};
  const actors::run_result r = actors::run(*loaded.value, {});
  const auto verdicts = check_expectations(*loaded.value, r);
  EXPECT_EQ(verdicts.size(), 1u);
  return verdicts.empty() ? actors::expectation_result{} : verdicts.front();
}

const std::string bad_build = "behaviour { boot_failure_probability: 1 }";
const std::string abort_rule = "abort { failed { threshold: 0.2 min_sample: 3 } }";

TEST(checkers_on_runs, no_bricked_devices_fails_when_bit_rot_meets_a_reboot) {
  const auto v = verdict_of(fleet_of("", "",
                                     "fault { at: \"30m\" bit_rot {} }\n"
                                     "fault { at: \"40m\" power_loss {} }\n"
                                     "expect { no_bricked_devices {} }\n"));
  EXPECT_FALSE(v.passed) << v.detail;
}

TEST(checkers_on_runs, rollout_halted_fails_when_nothing_stops_a_bad_build) {
  const auto v = verdict_of(fleet_of(bad_build, "", "expect { rollout_halted { deployment: \"d\" before_wave: 2 } }\n"));
  EXPECT_FALSE(v.passed) << v.detail;
  const auto held = verdict_of(
      fleet_of(bad_build, abort_rule, "expect { rollout_halted { deployment: \"d\" before_wave: 2 } }\n"));
  EXPECT_TRUE(held.passed) << held.detail;
}

TEST(checkers_on_runs, rollout_completed_fails_when_the_rollout_aborts) {
  const auto v = verdict_of(fleet_of(bad_build, abort_rule, "expect { rollout_completed { deployment: \"d\" } }\n"));
  EXPECT_FALSE(v.passed) << v.detail;
}

TEST(checkers_on_runs, adoption_fails_when_a_bad_build_is_rolled_back) {
  const auto v = verdict_of(fleet_of(bad_build, abort_rule,
                                     "expect { adoption { image: \"app@1.1.0\" percent: 50 } }\n"));
  EXPECT_FALSE(v.passed) << v.detail;
}

/// The fleet of fleet_of over 4 days, its app 1.1.0 committing and then
/// leaking (a crash 2 h after every start); at 3 failed devices the
/// rollback fires and the cloud offers 1.1.1 (`rollback_behaviour`).
std::string leaky_fleet(const std::string& rollback_behaviour, const std::string& expect) {
  std::string text = fleet_of("behaviour { leak_crash_after: \"2h\" }", "rollback { failed_devices: 3 image: \"app@1.1.1\" }",
                              "image { name: \"app\" version: \"1.1.1\" component: APP product: \"p\" security_version: 2 "
                              "size: \"16KiB\" " + rollback_behaviour + " }\n" + expect);
  const std::string three_days = "duration: \"3d\"";
  text.replace(text.find(three_days), three_days.size(), "duration: \"4d\"");
  return text;
}

TEST(checkers_on_runs, rolled_back_by_cloud_fails_when_the_devices_do_not_go_back) {
  const std::string expect = "expect { rolled_back_by_cloud { deployment: \"d\" percent: 90 } }\n";
  // The rollback image never boots: each device's trial of it fails and it
  // falls back to 1.1.0, which it committed. The cloud offered, the devices
  // did not go back.
  const auto v = verdict_of(leaky_fleet("behaviour { boot_failure_probability: 1 }", expect));
  EXPECT_FALSE(v.passed) << v.detail;
  EXPECT_NE(v.detail.find("0 of the "), std::string::npos) << v.detail;
  const auto held = verdict_of(leaky_fleet("", expect));
  EXPECT_TRUE(held.passed) << held.detail;
}

TEST(checkers_on_runs, attestation_latency_fails_when_an_outage_keeps_devices_waiting) {
  // The fleet powers on during the outage: its first attestations wait it out.
  const std::string expectation = "expect { attestation_latency { max: \"1m\" to: \"6h\" } }\n";
  const auto v = verdict_of(fleet_of("", "", "fault { at: \"0s\" duration: \"3h\" cloud_outage {} }\n" + expectation));
  EXPECT_FALSE(v.passed) << v.detail;
  const auto held = verdict_of(fleet_of("", "", expectation));
  EXPECT_TRUE(held.passed) << held.detail;
}

// No run can silently lose telemetry (that is the point); a run with power
// cuts shows every event accounted for, losses included, and the hand-made
// records of expectations_test.cpp show it failing.
TEST(checkers_on_runs, telemetry_accounted_holds_through_power_cuts) {
  load_result loaded = load_text(fleet_of("behaviour { crash_rate_per_hour: 0.5 }", "",
                                          "fault { at: \"2h\" fraction: 0.5 power_loss {} }\n"
                                          "fault { at: \"1d\" fraction: 0.5 power_loss {} }\n"
                                          "expect { telemetry_accounted {} }\n"),
                                 "breaks.textproto");
  ASSERT_TRUE(loaded.value);
  const actors::run_result r = actors::run(*loaded.value, {});
  const auto v = check_expectations(*loaded.value, r).front();
  EXPECT_TRUE(v.passed) << v.detail;
  EXPECT_GT(r.counters.telemetry_delivered, 0u) << v.detail;
  EXPECT_GT(r.counters.telemetry_generated, r.counters.telemetry_delivered) << v.detail;
}

TEST(checkers_on_runs, peak_request_rate_fails_on_a_bound_below_what_the_fleet_sends) {
  const auto v = verdict_of(fleet_of("", "", "expect { peak_request_rate { max_per_second: 0.01 } }\n"));
  EXPECT_FALSE(v.passed) << v.detail;
}

TEST(checkers_on_runs, attack_checkers_fail_when_a_clone_gets_through) {
  // Every device is off, its session expired, while the clones attest:
  // nobody else uses the identities.
  const std::string attack =
      "fault { at: \"20h\" duration: \"1d12h\" offline {} }\n"
      "attack { at: \"1d8h\" count: 2 cloned_identity {} }\n";
  const auto stopped = verdict_of(fleet_of("", "", attack + "expect { every_attack_stopped {} }\n"));
  EXPECT_FALSE(stopped.passed) << stopped.detail;
  const auto certificates = verdict_of(fleet_of("", "", attack + "expect { no_certificate_to_attackers {} }\n"));
  EXPECT_FALSE(certificates.passed) << certificates.detail;
}

// The engine's record of what stopped the spoofers: their evidence
// signature. Naming it passes; naming the nonce check, which would stop them
// were the signature check lost, fails and says what stopped them.
TEST(checkers_on_runs, every_attack_stopped_by_reads_the_checks_the_run_records) {
  const std::string attack = "attack { name: \"spoofers\" at: \"1d\" count: 2 spoofed_identity {} }\n";
  const auto right = verdict_of(fleet_of(
      "", "", attack + "expect { every_attack_stopped { stopped_by { attack: \"spoofers\" check: \"bad_signature\" } } }\n"));
  EXPECT_TRUE(right.passed) << right.detail;
  const auto wrong = verdict_of(fleet_of(
      "", "", attack + "expect { every_attack_stopped { stopped_by { attack: \"spoofers\" check: \"nonce_unknown\" } } }\n"));
  EXPECT_FALSE(wrong.passed) << wrong.detail;
  EXPECT_NE(wrong.detail.find("spoofers was stopped by bad_signature 2 (2 of 2 stops by another check), expected by "
                              "nonce_unknown (nonce_unknown stopped none)"),
            std::string::npos)
      << wrong.detail;
}

/// A verdict and the run it judged.
struct judged_run {
  actors::expectation_result verdict;
  actors::run_result run;
};

/// The library's marginal build (15 % of trial boots fail) at 500 devices,
/// with `overrides`: its expectation rollout_held_at_gate's verdict and the run.
judged_run marginal_build(const std::vector<field_override>& overrides) {
  load_result loaded =
      load_file(std::string(FLEET_SCENARIOS_DIR) + "/marginal-build-gated.textproto", overrides, 500);
  EXPECT_TRUE(loaded.value) << (loaded.errors.empty() ? "" : to_string(loaded.errors.front()));
  judged_run out;
  if (!loaded.value) return out;
  out.run = actors::run(*loaded.value, {});
  for (const auto& v : check_expectations(*loaded.value, out.run)) {
    if (v.name == "rollout_held_at_gate") out.verdict = v;
  }
  EXPECT_EQ(out.verdict.name, "rollout_held_at_gate");
  return out;
}

// The gate is what holds the marginal build, and the abort rule does not:
// with the gate at 70 % the same build goes on to the second wave, and
// with the abort rule at the gate's level it aborts instead.
TEST(checkers_on_runs, rollout_held_at_gate_holds_by_the_gate_alone) {
  const auto [held, run] = marginal_build({});
  EXPECT_TRUE(held.passed) << held.detail;
  EXPECT_GT(run.deployments.at(0).failed, 0u);
  const auto [loose, loose_run] =
      marginal_build({{"--set", "deployment[0].rollout.gate.success_threshold", "0.7"}});
  EXPECT_FALSE(loose.passed) << loose.detail;
  EXPECT_EQ(loose_run.deployments.at(0).waves_opened, 2u) << loose.detail;
  const auto [aborted, aborted_run] =
      marginal_build({{"--set", "deployment[0].rollout.abort.failed.threshold", "0.05"}});
  EXPECT_FALSE(aborted.passed) << aborted.detail;
  EXPECT_EQ(aborted_run.deployments.at(0).state, "aborted") << aborted.detail;
}

}  // namespace
}  // namespace fleet::scenario
