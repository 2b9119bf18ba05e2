// Faults and expectations in a scenario file: what the loader makes of good
// ones, and each class of error with its message and place. The base is
// testing::small_scenario with a line appended.
#include <gtest/gtest.h>

#include "fleet/scenario/limits.hpp"
#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::loaded;
using testing::place;
using testing::with;
using testing::small_scenario;

using errors = std::vector<std::string>;

TEST(faults, each_kind_is_read_with_its_fields_and_a_default_name) {
  const scenario s = loaded(with(
      "fault { at: \"1d\" duration: \"2h\" cloud_outage { part: UPDATES } }\n"
      "fault { name: \"cut\" at: \"2d\" fraction: 0.25 partition {} duration: \"30m\" }\n"
      "fault { at: \"1h\" duration: \"1d\" degraded_network { loss: 0.2 extra_latency: \"2s\" jitter: \"300ms\" } }\n"
      "fault { at: \"3h\" fraction: 0.1 power_loss { during: FLASH_WRITE restore_after: \"5m\" } }\n"
      "fault { at: \"4h\" duration: \"3d\" offline {} }\n"
      "fault { at: \"5h\" clock_jump { behind: \"2h\" } }\n"
      "fault { at: \"6h\" clock_jump { ahead: \"2d\" corrected_after: \"1d\" } }"));
  ASSERT_EQ(s.faults.size(), 7u);
  EXPECT_EQ(s.faults[0].name, "cloud_outage[0]");
  EXPECT_EQ(std::get<cloud_outage>(s.faults[0].kind).part, cloud_part::updates);
  EXPECT_EQ(s.faults[0].at, 24h);
  EXPECT_EQ(s.faults[0].length, 2h);
  EXPECT_TRUE(s.faults[0].active_at(25h));
  EXPECT_FALSE(s.faults[0].active_at(26h));
  EXPECT_EQ(s.faults[1].name, "cut");
  EXPECT_EQ(s.faults[1].fraction, 0.25);
  EXPECT_EQ(std::get<degraded_network>(s.faults[2].kind).extra_latency, 2s);
  EXPECT_EQ(std::get<degraded_network>(s.faults[2].kind).jitter, 300ms);
  const auto& p = std::get<power_loss>(s.faults[3].kind);
  EXPECT_EQ(p.during, power_loss_moment::flash_write);
  EXPECT_EQ(p.restore_after, 5min);
  EXPECT_EQ(s.faults[3].length, 0us);
  EXPECT_EQ(std::get<clock_jump>(s.faults[5].kind).by, -2h);
  EXPECT_FALSE(std::get<clock_jump>(s.faults[5].kind).corrected_after);
  EXPECT_EQ(std::get<clock_jump>(s.faults[6].kind).corrected_after, std::optional<duration>{24h});
}

TEST(faults, at_a_rate_over_a_window) {
  const scenario s = loaded(with(
      "fault { at: \"1d\" duration: \"2d\" fraction: 0.5 rate_per_day: 3 power_loss {} }\n"
      "fault { at: \"6d\" rate_per_day: 1 bit_rot {} }"));
  ASSERT_EQ(s.faults.size(), 2u);
  EXPECT_EQ(s.faults[0].rate_per_day, std::optional<double>{3});
  EXPECT_EQ(s.faults[0].length, 48h);
  EXPECT_EQ(s.faults[1].length, 24h);  // to the end of the 7-day run
  EXPECT_TRUE(std::holds_alternative<bit_rot>(s.faults[1].kind));
}

TEST(faults, a_lasting_kind_at_a_rate_comes_in_spells) {
  const scenario s = loaded(with(
      "fault { at: \"1d\" duration: \"2d\" fraction: 0.5 rate_per_day: 2 spell: \"1h\" partition {} }\n"
      "fault { at: \"2d\" rate_per_day: 0.5 spell: \"20m\" cloud_outage { part: ATTESTATION } }\n"
      "fault { at: \"0s\" rate_per_day: 12 spell: \"1h\" slow_link { bytes_per_second: \"2KiB\" } }"));
  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[0].rate_per_day, std::optional<double>{2});
  EXPECT_EQ(s.faults[0].length, 48h);  // the window
  EXPECT_EQ(s.faults[0].spell, 1h);
  EXPECT_EQ(s.faults[1].length, 120h);  // to the end of the 7-day run
  EXPECT_EQ(s.faults[1].spell, 20min);
  EXPECT_EQ(std::get<slow_link>(s.faults[2].kind).bytes_per_second, 2048u);
  EXPECT_EQ(s.faults[2].name, "slow_link[2]");
}

TEST(fault_errors, a_rate_out_of_range) {
  const std::string text = with("fault { at: \"1d\" rate_per_day: 500 clock_jump { ahead: \"1h\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "rate_per_day: 500") + "fault[0]: rate_per_day: must be in (0, 100], is 500"}));
}

TEST(fault_errors, a_spell_missing_misplaced_or_too_long_for_its_rate) {
  const std::string text = with(
      "fault { at: \"1d\" rate_per_day: 2 partition {} }\n"
      "fault { at: \"1d\" rate_per_day: 2 spell: \"1h\" bit_rot {} }\n"
      "fault { at: \"1d\" duration: \"1h\" spell: \"1m\" offline {} }\n"
      "fault { at: \"1d\" rate_per_day: 2 spell: \"7h\" offline {} }\n"
      "fault { at: \"1d\" rate_per_day: 2 spell: \"500ms\" offline {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "fault { at: \"1d\" rate_per_day: 2 partition") +
                        "fault[0]: spell: missing: how long each spell of the partition lasts, e.g. \"30m\" (a "
                        "lasting kind at random comes in spells)",
                    place(text, "spell: \"1h\" bit_rot") + "fault[1]: spell: a bit_rot happens at an instant: no spell",
                    place(text, "spell: \"1m\"") +
                        "fault[2]: spell: only a lasting fault at random (with rate_per_day) comes in spells",
                    place(text, "rate_per_day: 2 spell: \"7h\"") +
                        "fault[3]: rate_per_day: with spells of 7h, at most 1.71429 a day (spells take at most half "
                        "the time), is 2",
                    place(text, "spell: \"500ms\"") + "fault[4]: spell: must be in [1s, 365d], is 500ms"}));
}

TEST(fault_errors, a_slow_link_without_a_rate_or_out_of_range) {
  const std::string text = with(
      "fault { at: \"1d\" duration: \"1h\" slow_link {} }\n"
      "fault { at: \"1d\" duration: \"1h\" slow_link { bytes_per_second: \"10B\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "slow_link {}") +
                        "fault[0]: slow_link.bytes_per_second: missing: what the links carry a second, e.g. \"4KiB\"",
                    place(text, "bytes_per_second: \"10B\"") +
                        "fault[1]: slow_link.bytes_per_second: must be in [1KiB, 10GiB], is 10B"}));
}

TEST(fault_errors, missing_at_kind_and_duration) {
  const std::string text = with("fault { duration: \"1h\" }\nfault { at: \"1h\" partition {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "fault { duration") +
                        "fault[0]: kind: missing: one of cloud_outage, partition, degraded_network, power_loss, "
                        "offline, clock_jump, bit_rot, slow_link",
                    place(text, "fault { duration") + "fault[0]: at: missing: when the fault happens, e.g. \"2d\"",
                    place(text, "fault { at: \"1h\" partition") + "fault[1]: duration: missing: how long the partition lasts"}));
}

TEST(fault_errors, times_and_shares_out_of_range) {
  const std::string text = with(
      "fault { at: \"8d\" fraction: 1.5 duration: \"1h\" partition {} }\n"
      "fault { at: \"1h\" duration: \"1h\" power_loss {} }\n"
      "fault { at: \"1h\" fraction: 0.5 duration: \"1h\" cloud_outage {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "at: \"8d\"") + "fault[0]: at: must be before the end of the run (7d), is 8d",
                    place(text, "fraction: 1.5") + "fault[0]: fraction: must be in (0, 1], is 1.5",
                    place(text, "duration: \"1h\" power_loss") + "fault[1]: duration: a power_loss happens at an instant: no duration",
                    place(text, "fraction: 0.5") + "fault[2]: fraction: a cloud outage hits the cloud, not a share of the devices"}));
}

TEST(fault_errors, kinds_with_wrong_fields) {
  const std::string text = with(
      "fault { at: \"1h\" duration: \"1h\" degraded_network {} }\n"
      "fault { at: \"1h\" clock_jump { ahead: \"1h\" behind: \"1h\" } }\n"
      "fault { at: \"1h\" clock_jump { ahead: \"6000d\" } }\n"
      "fault { at: \"1h\" power_loss { restore_after: \"0s\" } }\n"
      "fault { name: \"x\" at: \"1h\" duration: \"1h\" offline {} }\n"
      "fault { name: \"x\" at: \"2h\" duration: \"1h\" offline {} }\n"
      "fault { at: \"1h\" clock_jump { ahead: \"1h\" corrected_after: \"0s\" } }");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0], place(text, "degraded_network {}") +
                      "fault[0]: degraded_network.loss: none of loss, extra_latency and jitter: the fault would change "
                      "nothing");
  EXPECT_EQ(e[1], place(text, "ahead: \"1h\"") + "fault[1]: clock_jump.ahead: exactly one of ahead and behind");
  EXPECT_EQ(e[2], place(text, "ahead: \"6000d\"") + "fault[2]: clock_jump.ahead: must be in (0s, 1825d], is 6000d");
  EXPECT_EQ(e[3], place(text, "restore_after: \"0s\"") + "fault[3]: power_loss.restore_after: must be in [1s, 365d], is 0s");
  EXPECT_NE(e[4].find("fault \"x\": name:"), std::string::npos) << e[4];
  EXPECT_EQ(e[5], place(text, "corrected_after: \"0s\"") +
                      "fault[6]: clock_jump.corrected_after: must be in (0s, 365d], is 0s");
}

TEST(attacks, each_kind_is_read_with_its_fields) {
  const scenario s = loaded(with(
      "attack { at: \"1d\" count: 5 spoofed_identity {} }\n"
      "attack { name: \"clones\" at: \"2d\" count: 3 cloned_identity {} }\n"
      "attack { at: \"3d\" replayed_evidence {} }\n"
      "attack { at: \"1h\" duration: \"6h\" fraction: 0.5 man_in_the_middle {} }"));
  ASSERT_EQ(s.attacks.size(), 4u);
  EXPECT_EQ(s.attacks[0].name, "spoofed_identity[0]");
  EXPECT_EQ(s.attacks[0].count, 5u);
  EXPECT_EQ(s.attacks[1].name, "clones");
  EXPECT_TRUE(std::holds_alternative<cloned_identity>(s.attacks[1].kind));
  EXPECT_EQ(s.attacks[2].count, 1u);
  EXPECT_EQ(s.attacks[3].length, 6h);
  EXPECT_EQ(s.attacks[3].fraction, 0.5);
  EXPECT_TRUE(s.attacks[3].active_at(2h));
}

TEST(attacks, a_flood_lasts_and_has_a_rate) {
  const scenario s = loaded(with("attack { at: \"1d\" duration: \"20m\" count: 50 request_flood { requests_per_second: 10 } }"));
  ASSERT_EQ(s.attacks.size(), 1u);
  EXPECT_EQ(std::get<request_flood>(s.attacks[0].kind).requests_per_second, 10);
  EXPECT_EQ(s.attacks[0].length, 20min);
  const std::string text = with("attack { at: \"1d\" request_flood { requests_per_second: 0 } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "attack {") + "attack[0]: duration: missing: how long the attack lasts",
                    place(text, "requests_per_second") +
                        "attack[0]: request_flood.requests_per_second: must be in (0, 1000], is 0"}));
}

TEST(attack_errors, a_lockout_lasts_and_has_a_rate) {
  const std::string text = with(
      "attack { at: \"1d\" count: 2 victim_lockout { requests_per_second: 2 } }\n"
      "attack { at: \"1d\" duration: \"1h\" victim_lockout { requests_per_second: 5000 } }\n"
      "attack { at: \"1d\" duration: \"1h\" nonce_burning {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "attack { at: \"1d\" count: 2") + "attack[0]: duration: missing: how long the victim_lockout lasts",
                    place(text, "requests_per_second: 5000") +
                        "attack[1]: victim_lockout.requests_per_second: must be in (0, 1000], is 5000",
                    place(text, "duration: \"1h\" nonce") +
                        "attack[2]: duration: a nonce_burning happens at an instant: no duration"}));
}

TEST(expectation_errors, victims_attested_needs_victims_that_keep_their_keys) {
  const std::string clones_only = with(
      "attack { at: \"1d\" count: 2 cloned_identity {} }\n"
      "expect { victims_attested {} }");
  EXPECT_EQ(errors_of(clones_only),
            (errors{place(clones_only, "victims_attested") +
                    "expect[0]: victims_attested.percent: no attack of the scenario names victims that keep their keys: "
                    "there is nobody to judge"}));
  const std::string bad_percent = with(
      "attack { at: \"1d\" count: 2 stolen_certificate {} }\n"
      "expect { victims_attested { percent: 0 } }");
  EXPECT_EQ(errors_of(bad_percent),
            (errors{place(bad_percent, "percent: 0") + "expect[0]: victims_attested.percent: must be in (0, 100], is 0"}));
}

TEST(attack_errors, fields_that_do_not_fit_the_kind) {
  const std::string text = with(
      "attack { at: \"1d\" duration: \"1h\" fraction: 0.5 spoofed_identity {} }\n"
      "attack { at: \"1d\" count: 3 man_in_the_middle {} }\n"
      "attack { at: \"1d\" count: 101 cloned_identity {} }\n"
      "attack { at: \"1d\" }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "duration: \"1h\" fraction") +
                        "attack[0]: duration: a spoofed_identity happens at an instant: no duration",
                    place(text, "fraction: 0.5") +
                        "attack[0]: fraction: only a man in the middle or a compromised mirror hits a share of the "
                        "devices; identities are counted",
                    place(text, "attack { at: \"1d\" count: 3") + "attack[1]: duration: missing: how long the man_in_the_middle lasts",
                    place(text, "count: 3") + "attack[1]: count: a man in the middle sits on a share of the links: fraction, not count",
                    place(text, "count: 101") + "attack[2]: count: more identities (101) than devices in the fleet (100)",
                    place(text, "attack { at: \"1d\" }") +
                        "attack[3]: kind: missing: one of spoofed_identity, cloned_identity, replayed_evidence, "
                        "man_in_the_middle, request_flood, rogue_image, tampered_image, rollback_image, "
                        "mix_and_match, freeze, endless_data, forged_certificate, expired_certificate, "
                        "leaked_signing_key, stolen_certificate, victim_lockout, nonce_burning"}));
}

TEST(cloud_settings, ca_lifetime_and_rollover) {
  const scenario s = loaded(with("cloud { ca_lifetime: \"20d\" ca_rollover_lead: \"5d\" }"));
  EXPECT_EQ(s.cloud.ca_lifetime, 20 * 24h);
  EXPECT_EQ(s.cloud.ca_rollover_lead, 5 * 24h);
  EXPECT_EQ(loaded(small_scenario).cloud.ca_lifetime, 730 * 24h);
  const std::string text = with("cloud { ca_lifetime: \"10d\" ca_rollover_lead: \"10d\" }");
  EXPECT_EQ(errors_of(text), (errors{place(text, "ca_rollover_lead") +
                                     "cloud: ca_rollover_lead: must be in [1d, 9d], is 10d"}));
}

TEST(cloud_settings, image_key_rotations_in_time_order) {
  const scenario s = loaded(with("cloud { image_key_rotation { at: \"3d\" } image_key_rotation { at: \"1d\" } }"));
  EXPECT_EQ(s.cloud.image_key_rotations, (std::vector<duration>{24h, 72h}));
  EXPECT_TRUE(loaded(small_scenario).cloud.image_key_rotations.empty());
}

TEST(cloud_settings, image_key_rotation_errors) {
  const std::string text = with("cloud { image_key_rotation { } image_key_rotation { at: \"8d\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "image_key_rotation { }") +
                        "cloud: image_key_rotation[0].at: missing: when the key is rotated, since the start of the run",
                    place(text, "at: \"8d\"") + "cloud: image_key_rotation[1].at: must be before the end of the run (7d), is 8d"}));
  std::string sixteen = "cloud {";
  for (int i = 0; i < 16; ++i) sixteen += " image_key_rotation { at: \"1d\" }";
  const std::string too_many = with(sixteen + " }");
  // At the sixteenth, the one closing the cloud block.
  EXPECT_EQ(errors_of(too_many), (errors{place(too_many, "image_key_rotation { at: \"1d\" } }") +
                                         "cloud: image_key_rotation: at most 15, has 16"}));
}

TEST(expectations, each_check_is_read_and_named) {
  const scenario s = loaded(with(
      "expect { no_bricked_devices {} }\n"
      "expect { no_unsigned_code_ran {} }\n"
      "expect { adoption { image: \"app@1.1.0\" percent: 90 by: \"6d\" group: \"Production\" } }\n"
      "expect { adoption { image: \"app@1.1.0\" percent: 95 } }\n"
      "expect { name: \"halts\" rollout_halted { deployment: \"d\" before_wave: 2 max_percent: 15 } }\n"
      "expect { rollout_completed { deployment: \"d\" } }\n"
      "expect { peak_request_rate { max_per_second: 100 from: \"1d\" } }"));
  ASSERT_EQ(s.expectations.size(), 7u);
  EXPECT_EQ(s.expectations[0].name, "no_bricked_devices");
  EXPECT_EQ(s.expectations[2].name, "adoption");
  EXPECT_EQ(s.expectations[3].name, "adoption[3]");
  const auto& a = std::get<adoption>(s.expectations[2].what);
  EXPECT_EQ(a.by, 6 * 24h);
  EXPECT_EQ(a.group, std::optional<std::size_t>{0});
  EXPECT_EQ(std::get<adoption>(s.expectations[3].what).by, 7 * 24h);  // the end of the run
  EXPECT_EQ(s.expectations[4].name, "halts");
  EXPECT_EQ(std::get<rollout_halted>(s.expectations[4].what).before_wave, std::optional<std::uint32_t>{2});
  const auto& p = std::get<peak_request_rate>(s.expectations[6].what);
  EXPECT_EQ(p.from, 24h);
  EXPECT_EQ(p.to, 7 * 24h);
}

// The engine counts the fleet by group only when asked (run_input::
// census_times): the loader asks at each time a check by group looks, once.
TEST(expectations, the_loader_asks_the_engine_for_a_census_at_each_time_a_check_looks) {
  const scenario s = loaded(with(
      "expect { adoption { image: \"app@1.1.0\" percent: 90 by: \"6d\" } }\n"
      "expect { devices_attested { percent: 90 by: \"2d\" } }\n"
      "expect { adoption { image: \"app@1.1.0\" percent: 50 by: \"2d\" } }\n"
      "expect { no_bricked_devices {} }"));
  EXPECT_EQ(s.census_times, (std::vector<duration>{2 * 24h, 6 * 24h}));
  EXPECT_TRUE(loaded(with("expect { no_bricked_devices {} }")).census_times.empty());
}

TEST(expectation_errors, references_that_resolve_to_nothing) {
  const std::string text = with(
      "expect { adoption { image: \"app@9.0.0\" percent: 90 } }\n"
      "expect { adoption { image: \"os@1.0.0\" percent: 90 } }\n"
      "expect { rollout_halted { deployment: \"nope\" } }\n"
      "expect { rollout_completed {} }\n"
      "expect { adoption { image: \"app@1.1.0\" percent: 90 group: \"Lab\" } }");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_NE(e[0].find("expect[0]: adoption.image: "), std::string::npos) << e[0];
  EXPECT_EQ(e[1], place(text, "image: \"os@1.0.0\"") +
                      "expect[1]: adoption.image: \"os@1.0.0\" is not an APP image (OS): adoption counts app versions");
  EXPECT_EQ(e[2], place(text, "deployment: \"nope\"") + "expect[2]: rollout_halted.deployment: no deployment \"nope\" in the scenario");
  EXPECT_EQ(e[3], place(text, "rollout_completed {}") + "expect[3]: rollout_completed.deployment: missing");
  EXPECT_EQ(e[4], place(text, "group: \"Lab\"") + "expect[4]: adoption.group: product \"p\" has no group \"Lab\" in the fleet");
}

TEST(expectation_errors, bounds_and_times) {
  const std::string text = with(
      "expect { adoption { image: \"app@1.1.0\" percent: 0 by: \"8d\" } }\n"
      "expect { rollout_halted { deployment: \"d\" before_wave: 3 max_percent: 101 } }\n"
      "expect { peak_request_rate { max_per_second: 10 from: \"2d\" to: \"1d\" } }\n"
      "expect { }\n"
      "expect { attestation_latency { quantile: 1.5 } }\n"
      "expect { attestation_latency { max: \"30s\" from: \"3d\" to: \"2d\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "percent: 0") + "expect[0]: adoption.percent: must be in (0, 100], is 0",
                    place(text, "by: \"8d\"") + "expect[0]: adoption.by: after the end of the run (7d), is 8d",
                    place(text, "before_wave: 3") + "expect[1]: rollout_halted.before_wave: deployment \"d\" has waves 1 to 2, is 3",
                    place(text, "max_percent: 101") + "expect[1]: rollout_halted.max_percent: must be in [0, 100], is 101",
                    place(text, "from: \"2d\"") + "expect[2]: peak_request_rate.from: must be before `to` (1d), is 2d",
                    place(text, "expect { }") +
                        "expect[3]: check: missing: one of no_bricked_devices, no_unsigned_code_ran, adoption, "
                        "rollout_halted, rollout_completed, peak_request_rate, every_attack_stopped, "
                        "no_certificate_to_attackers, devices_attested, image_never_ran, attestation_latency, "
                        "telemetry_accounted, victims_attested, rolled_back_by_cloud, healed, "
                        "never_trusted_after_revocation, no_restricted_session_to_attackers, rollout_held_at_gate",
                    place(text, "attestation_latency { quantile") +
                        "expect[4]: attestation_latency.max: must be in (0s, 365d], is 0s",
                    place(text, "quantile: 1.5") + "expect[4]: attestation_latency.quantile: must be in (0, 1], is 1.5",
                    place(text, "from: \"3d\"") + "expect[5]: attestation_latency.from: must be before `to` (2d), is 3d"}));
}

TEST(expectations, rollout_held_at_gate_names_a_deployment_and_one_of_its_waves) {
  const scenario s = loaded(with("expect { rollout_held_at_gate { deployment: \"d\" wave: 2 } }\n"
                                 "expect { rollout_held_at_gate { deployment: \"d\" } }"));
  const auto& h = std::get<rollout_held_at_gate>(s.expectations.at(0).what);
  EXPECT_EQ(h.deployment, 0u);
  EXPECT_EQ(h.wave, std::optional<std::uint32_t>{2});
  EXPECT_EQ(s.expectations[0].name, "rollout_held_at_gate");
  EXPECT_FALSE(std::get<rollout_held_at_gate>(s.expectations.at(1).what).wave);
  const std::string text = with("expect { rollout_held_at_gate { deployment: \"d\" wave: 3 } }\n"
                                "expect { rollout_held_at_gate { deployment: \"e\" } }\n"
                                "expect { rollout_held_at_gate { deployment: \"d\" wave: 0 } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "wave: 3") + "expect[0]: rollout_held_at_gate.wave: deployment \"d\" has waves 1 to 2, is 3",
                    place(text, "deployment: \"e\"") +
                        "expect[1]: rollout_held_at_gate.deployment: no deployment \"e\" in the scenario",
                    place(text, "wave: 0") + "expect[2]: rollout_held_at_gate.wave: deployment \"d\" has waves 1 to 2, is 0"}));
}

TEST(expectations, peak_request_rate_relative_bounds) {
  const scenario s = loaded(with(
      "expect { peak_request_rate { max_per_device_per_second: 0.003 from: \"1d\" } }\n"
      "expect { peak_request_rate { max_times_calm_peak: 4 from: \"2d\" to: \"3d\" calm_from: \"1d\" calm_to: \"2d\" } }"));
  const auto& d = std::get<peak_request_rate>(s.expectations.at(0).what);
  EXPECT_EQ(d.max_per_device_per_second, 0.003);
  EXPECT_EQ(d.max_per_second, 0);
  EXPECT_EQ(d.to, 7 * 24h);
  const auto& c = std::get<peak_request_rate>(s.expectations.at(1).what);
  EXPECT_EQ(c.max_times_calm_peak, 4);
  EXPECT_EQ(c.calm_from, 24h);
  EXPECT_EQ(c.calm_to, 48h);
}

TEST(expectation_errors, peak_request_rate_takes_one_bound_and_a_calm_span_apart) {
  const std::string text = with(
      "expect { peak_request_rate { from: \"1d\" } }\n"
      "expect { peak_request_rate { max_per_second: 5 max_per_device_per_second: 0.1 } }\n"
      "expect { peak_request_rate { max_per_device_per_second: 1001 } }\n"
      "expect { peak_request_rate { max_times_calm_peak: -2 calm_to: \"1d\" } }\n"
      "expect { peak_request_rate { max_per_second: 5 calm_from: \"1d\" } }\n"
      "expect { peak_request_rate { max_times_calm_peak: 2 calm_from: \"1d\" } }\n"
      "expect { peak_request_rate { max_times_calm_peak: 2 from: \"1d\" to: \"2d\" calm_from: \"12h\" calm_to: \"1d6h\" } }\n"
      "expect { peak_request_rate { max_times_calm_peak: 2 from: \"1d\" calm_from: \"12h\" calm_to: \"6h\" } }\n"
      "expect { peak_request_rate { max_times_calm_peak: 1001 calm_to: \"1d\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "peak_request_rate { from") +
                        "expect[0]: peak_request_rate.max_per_second: missing: one of max_per_second, "
                        "max_per_device_per_second, max_times_calm_peak",
                    place(text, "max_per_second: 5 max_per") +
                        "expect[1]: peak_request_rate.max_per_second: one bound only: max_per_second, "
                        "max_per_device_per_second or max_times_calm_peak",
                    place(text, "max_per_device_per_second: 1001") +
                        "expect[2]: peak_request_rate.max_per_device_per_second: must be in (0, 1000], is 1001",
                    place(text, "max_times_calm_peak: -2") +
                        "expect[3]: peak_request_rate.max_times_calm_peak: must be in (0, 1000], is -2",
                    place(text, "calm_from: \"1d\" } }\nexpect { peak_request_rate { max_times_calm_peak: 2 calm") +
                        "expect[4]: peak_request_rate.calm_from: only with max_times_calm_peak",
                    place(text, "peak_request_rate { max_times_calm_peak: 2 calm_from") +
                        "expect[5]: peak_request_rate.calm_to: missing: the end of the calm span "
                        "max_times_calm_peak multiplies the peak of",
                    place(text, "calm_from: \"12h\" calm_to: \"1d6h\"") +
                        "expect[6]: peak_request_rate.calm_from: the calm span [12h, 1d6h) overlaps the span judged "
                        "[1d, 2d)",
                    place(text, "calm_from: \"12h\" calm_to: \"6h\"") +
                        "expect[7]: peak_request_rate.calm_from: must be before `calm_to` (6h), is 12h",
                    place(text, "max_times_calm_peak: 1001") +
                        "expect[8]: peak_request_rate.max_times_calm_peak: must be in (0, 1000], is 1001"}));
}

// every_attack_stopped's stopped_by: an attack by name or every attack of a
// kind, resolved to the attacks it covers, with the checks their kind records.
const char* const two_attacks =
    "attack { name: \"spoofers\" at: \"1d\" count: 3 spoofed_identity {} }\n"
    "attack { name: \"rogue\" at: \"1d\" duration: \"1d\" fraction: 0.1 rogue_image {} }\n"
    "attack { name: \"wire\" at: \"1d\" duration: \"1d\" fraction: 0.1 man_in_the_middle {} }\n";

TEST(expectations, stopped_by_names_attacks_by_name_or_kind) {
  const scenario s = loaded(with(std::string(two_attacks) +
                                 "expect { every_attack_stopped { stopped_by { attack: \"spoofers\" check: \"bad_signature\" }\n"
                                 "  stopped_by { kind: \"rogue_image\" check: \"bad_signature\" check: \"unknown_signing_key\" } } }"));
  const auto& e = std::get<every_attack_stopped>(s.expectations.at(0).what);
  ASSERT_EQ(e.stopped_by.size(), 2u);
  EXPECT_EQ(e.stopped_by[0].attack, "spoofers");
  EXPECT_EQ(e.stopped_by[0].attacks, (std::vector<std::size_t>{0}));
  EXPECT_EQ(e.stopped_by[0].checks, (std::vector<std::string>{"bad_signature"}));
  EXPECT_EQ(e.stopped_by[1].kind, "rogue_image");
  EXPECT_EQ(e.stopped_by[1].attacks, (std::vector<std::size_t>{1}));
  EXPECT_EQ(e.stopped_by[1].checks, (std::vector<std::string>{"bad_signature", "unknown_signing_key"}));
  EXPECT_TRUE(std::get<every_attack_stopped>(loaded(with(std::string(two_attacks) +
                                                         "expect { every_attack_stopped {} }"))
                                                 .expectations.at(0)
                                                 .what)
                  .stopped_by.empty());
}

TEST(expectation_errors, stopped_by_names_what_the_scenario_has) {
  const std::string text = with(std::string(two_attacks) +
                                "expect { every_attack_stopped {\n"
                                "  stopped_by { attack: \"nobody\" check: \"bad_signature\" }\n"
                                "  stopped_by { kind: \"rogue\" check: \"bad_signature\" }\n"
                                "  stopped_by { kind: \"tampered_image\" check: \"chunk_digest_mismatch\" }\n"
                                "  stopped_by { attack: \"spoofers\" check: \"chunk_digest_mismatch\" check: \"bad_signature\" check: \"bad_signature\" }\n"
                                "  stopped_by { attack: \"rogue\" kind: \"rogue_image\" check: \"bad_signature\" }\n"
                                "  stopped_by { kind: \"rogue_image\" }\n"
                                "  stopped_by { attack: \"wire\" check: \"bad_mac\" }\n"
                                "} }");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 8u) << ::testing::PrintToString(e);
  EXPECT_EQ(e[0], place(text, "attack: \"nobody\"") +
                      "expect[0]: every_attack_stopped.stopped_by[0].attack: no attack \"nobody\" in the scenario");
  EXPECT_EQ(e[1].rfind(place(text, "kind: \"rogue\"") +
                          "expect[0]: every_attack_stopped.stopped_by[1].kind: no attack kind \"rogue\"; one of "
                          "spoofed_identity, cloned_identity, ",
                      0),
            0u)
      << e[1];
  EXPECT_EQ(e[2], place(text, "kind: \"tampered_image\"") +
                      "expect[0]: every_attack_stopped.stopped_by[2].kind: the scenario has no tampered_image attack");
  EXPECT_NE(e[3].find("expect[0]: every_attack_stopped.stopped_by[3].check[0]: no check \"chunk_digest_mismatch\" "
                      "stops spoofed_identity attacks; one of "),
            std::string::npos)
      << e[3];
  EXPECT_EQ(e[4], place(text, "check: \"bad_signature\" }\n  stopped_by { attack: \"rogue\"") +
                      "expect[0]: every_attack_stopped.stopped_by[3].check[2]: \"bad_signature\" named twice");
  EXPECT_NE(e[5].find("expect[0]: every_attack_stopped.stopped_by[4].attack: exactly one of attack"), std::string::npos)
      << e[5];
  EXPECT_NE(e[6].find("expect[0]: every_attack_stopped.stopped_by[5].check: missing: the check(s) that must have "
                      "stopped rogue_image attacks"),
            std::string::npos)
      << e[6];
  EXPECT_EQ(e[7], place(text, "attack: \"wire\"") +
                      "expect[0]: every_attack_stopped.stopped_by[6].attack: man_in_the_middle records no check for "
                      "what it stopped: stopped_by cannot name one");
}

TEST(expectation_errors, stopped_by_names_an_attack_once) {
  const std::string text = with(std::string(two_attacks) +
                                "expect { every_attack_stopped {\n"
                                "  stopped_by { kind: \"rogue_image\" check: \"bad_signature\" }\n"
                                "  stopped_by { kind: \"rogue_image\" check: \"unknown_signing_key\" }\n"
                                "} }");
  EXPECT_EQ(errors_of(text), (errors{place(text, "kind: \"rogue_image\"", 1) +
                                     "expect[0]: every_attack_stopped.stopped_by[1].kind: kind \"rogue_image\" named "
                                     "by an earlier stopped_by"}));
}

TEST(limits, stopped_by_checks) {
  std::string checks;
  for (std::size_t i = 0; i <= stopped_by_checks_max; ++i) checks += "check: \"" + std::string(i % 2 ? "bad_mac" : "rollback") + std::to_string(i) + "\" ";
  // Past the limit: refused at the first check too many, whatever the names.
  const std::string text = with(std::string(two_attacks) + "expect { every_attack_stopped { stopped_by { kind: \"rogue_image\" " +
                                checks + "} } }");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0], place(text, "check: \"rollback8\"") + "expect[0]: every_attack_stopped.stopped_by[0].check: at most " +
                      std::to_string(stopped_by_checks_max) + ", has " + std::to_string(stopped_by_checks_max + 1));
  std::string entries;
  for (std::size_t i = 0; i <= stopped_by_max; ++i) entries += "stopped_by { attack: \"a" + std::to_string(i) + "\" check: \"x\" } ";
  const std::string many = with(std::string(two_attacks) + "expect { every_attack_stopped { " + entries + "} }");
  const errors m = errors_of(many);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0], place(many, "stopped_by { attack: \"a" + std::to_string(stopped_by_max) + "\"") +
                      "expect[0]: every_attack_stopped.stopped_by: at most " + std::to_string(stopped_by_max) +
                      ", has " + std::to_string(stopped_by_max + 1));
}

TEST(limits, faults_and_expectations) {
  std::string faults;
  for (std::size_t i = 0; i <= faults_max; ++i) faults += "fault { at: \"1h\" duration: \"1h\" partition {} }\n";
  const errors e = errors_of(with(faults));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("scenario: fault: at most 256"), std::string::npos) << e[0];
}

TEST(expectation_errors, rolled_back_by_cloud_needs_a_rollback_image_and_an_amount) {
  const std::string text = with(
      "expect { rolled_back_by_cloud { deployment: \"d\" percent: 90 } }\n"
      "expect { rolled_back_by_cloud { deployment: \"d\" } }\n"
      "expect { rolled_back_by_cloud { deployment: \"nope\" at_least: 0 by: \"8d\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "deployment: \"d\" percent") +
                        "expect[0]: rolled_back_by_cloud.deployment: deployment \"d\" names no rollback image "
                        "(rollout.rollback.image): the cloud rolls nothing back",
                    place(text, "rolled_back_by_cloud { deployment: \"d\" }") +
                        "expect[1]: rolled_back_by_cloud.at_least: missing: at_least or percent",
                    place(text, "deployment: \"d\" }") +
                        "expect[1]: rolled_back_by_cloud.deployment: deployment \"d\" names no rollback image "
                        "(rollout.rollback.image): the cloud rolls nothing back",
                    place(text, "deployment: \"nope\"") +
                        "expect[2]: rolled_back_by_cloud.deployment: no deployment \"nope\" in the scenario",
                    place(text, "at_least: 0") + "expect[2]: rolled_back_by_cloud.at_least: must be in [1, 4,000,000], is 0",
                    place(text, "by: \"8d\"") + "expect[2]: rolled_back_by_cloud.by: after the end of the run (7d), is 8d"}));
}

TEST(expectations, rolled_back_by_cloud_is_read) {
  const scenario s = loaded(
      testing::small_with("rollout { wave { percent: 10 } wave { percent: 100 } }",
                          "rollout { rollback { failed_devices: 5 image: \"app@1.1.1\" } }") +
      "image { name: \"app\" version: \"1.1.1\" component: APP product: \"p\" size: \"256KiB\" }\n"
      "expect { rolled_back_by_cloud { deployment: \"d\" percent: 99 by: \"6d\" } }\n"
      "expect { rolled_back_by_cloud { deployment: \"d\" at_least: 40 } }\n");
  ASSERT_EQ(s.expectations.size(), 2u);
  EXPECT_EQ(s.expectations[0].name, "rolled_back_by_cloud");
  EXPECT_EQ(s.expectations[1].name, "rolled_back_by_cloud[1]");
  const auto& share = std::get<rolled_back_by_cloud>(s.expectations[0].what);
  EXPECT_EQ(share.percent, std::optional<double>{99});
  EXPECT_FALSE(share.at_least.has_value());
  EXPECT_EQ(share.by, 6 * 24h);
  const auto& count = std::get<rolled_back_by_cloud>(s.expectations[1].what);
  EXPECT_EQ(count.at_least, std::optional<std::uint32_t>{40});
  EXPECT_EQ(count.by, 7 * 24h);
}

}  // namespace
}  // namespace fleet::scenario
