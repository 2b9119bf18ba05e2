// Attackers in a run: each attack of the engine tried against the real
// firmware and the real security service, every attempt recorded as stopped
// or got through. A control shows the harness can get through where the
// defence does not apply (a clone of a device that is switched off), so a
// zero is the defence's doing, not the attacker's weakness.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "attack_checks.hpp"
#include "fleet/actors/run.hpp"

namespace fleet::actors {
namespace {

using testing::only_attack;
using testing::run_with;

TEST(attacks, a_spoofed_identity_gets_no_certificate) {
  const run_result r = run_with(30, "attack { at: \"1d\" count: 5 spoofed_identity {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "spoofed_identity");
  EXPECT_EQ(a.tried, 5u);
  EXPECT_EQ(a.stopped, 5u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.certificates, 0u);
  // The victim's own evidence, copied off the wire, signed with the attacker's key: the signature stops it.
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"bad_signature", 5}}));
  EXPECT_EQ(r.counters.attacks_stopped, 5u);
  EXPECT_EQ(r.counters.updates_committed, 30u);  // the fleet carries on
}

TEST(attacks, replayed_evidence_is_refused) {
  const run_result r = run_with(30, "attack { at: \"1d\" count: 4 replayed_evidence {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.tried, 4u);
  EXPECT_EQ(a.stopped, 4u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"nonce_unknown", 4}}));
}

TEST(attacks, a_clone_of_an_online_device_is_caught) {
  const run_result r = run_with(30, "attack { at: \"1d\" count: 3 cloned_identity {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.tried, 3u);
  EXPECT_EQ(a.stopped, 3u);
  EXPECT_EQ(a.certificates, 0u);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"cloned_identity", 3}}));
}

// The control: with every device switched off, nobody else uses the
// identity, so concurrent-use detection has nothing to see and the clone,
// with a real extracted key, gets its certificate.
TEST(attacks, a_clone_of_a_device_that_is_off_gets_through_which_shows_what_stops_the_other) {
  const run_result r = run_with(30,
                                "fault { at: \"20h\" duration: \"2d\" offline {} }\n"
                                "attack { at: \"1d12h\" count: 3 cloned_identity {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.tried, 3u);
  EXPECT_EQ(a.got_through, 3u);
  EXPECT_EQ(a.certificates, 3u);
}

TEST(attacks, a_man_in_the_middle_has_every_altered_message_refused) {
  const run_result r = run_with(30, "attack { at: \"30m\" duration: \"1d\" fraction: 0.5 man_in_the_middle {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "man_in_the_middle");
  EXPECT_GT(a.tried, 10u);
  EXPECT_EQ(a.stopped, a.tried);
  EXPECT_EQ(a.got_through, 0u);
  // Named by the receiver's check: at the cloud, the device's signature on
  // its evidence (a renewal inside the day), which no MAC covers
  // (tests/cloud-model/device_api_defence_test.cpp has its control).
  std::string names;
  for (const auto& [check, n] : a.stopped_by) names += check + " " + std::to_string(n) + "; ";
  EXPECT_GT(a.stopped_by.count("bad_signature"), 0u) << names;
  EXPECT_EQ(r.counters.updates_committed, 30u);  // the devices hit recover once it is gone
  EXPECT_EQ(r.counters.bricked, 0u);
}

// A flood from compromised identities: the per-device rate limit refuses
// most of it, and no other device is refused for its rate meanwhile.
TEST(attacks, a_request_flood_is_held_back_by_the_rate_limits_and_others_are_served) {
  const run_result r = run_with(30, "attack { at: \"1d\" duration: \"10m\" count: 3 request_flood { requests_per_second: 50 } }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "request_flood");
  EXPECT_GT(a.tried, 80000u);  // 3 x 50 a second for 10 minutes
  EXPECT_GT(a.stopped, a.tried * 9 / 10);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

// Certificates presented in place of a session. Each attempt is judged by
// the cloud's answer, and the check it names is the one the cloud-model
// tests show refusing these certificates while serving the genuine, valid
// one (tests/cloud-model/security_service_test.cpp).
TEST(attacks, a_forged_certificate_is_refused_on_its_ca_signature) {
  const run_result r = run_with(30, "attack { at: \"1d\" count: 4 forged_certificate {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "forged_certificate");
  EXPECT_EQ(a.tried, 4u);
  EXPECT_EQ(a.stopped, 4u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"bad_signature", 4}}));
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

// At 2h the certificates captured are still valid: the attacker waits for
// them to expire, then presents them.
TEST(attacks, an_expired_certificate_is_refused_on_its_validity) {
  const run_result r = run_with(30, "attack { at: \"2h\" count: 4 expired_certificate {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "expired_certificate");
  EXPECT_EQ(a.tried, 4u);
  EXPECT_EQ(a.stopped, 4u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"expired", 4}}));
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

}  // namespace
}  // namespace fleet::actors
