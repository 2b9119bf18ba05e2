// Attacks on the cloud's way in that need no key of the fleet: a
// certificate copied off the wire, a victim named by strangers to spend its
// budget, nonces burned by junk evidence. Each run against the real firmware
// and the real security service; the checks that stop them are shown
// refusing the attack and passing the honest request in
// tests/cloud-model/device_api_defence_test.cpp and attestation_verifier_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "attack_checks.hpp"
#include "fleet/actors/run.hpp"

namespace fleet::actors {
namespace {

using testing::only_attack;
using testing::run_with;

TEST(way_in_attacks, a_stolen_certificate_is_refused_on_its_proof_of_possession) {
  const run_result r = run_with(30, "attack { at: \"1d\" count: 4 stolen_certificate {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "stolen_certificate");
  EXPECT_EQ(a.tried, 4u);
  EXPECT_EQ(a.stopped, 4u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"proof_invalid", 4}}));
  EXPECT_EQ(a.victims, 4u);
  EXPECT_EQ(a.victims_attested, 4u);
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

// Over a whole day, so every victim renews while it is named 2.2 times a second.
TEST(way_in_attacks, naming_a_victim_spends_the_strangers_budget_not_the_victims) {
  const run_result r =
      run_with(30, "attack { at: \"2h\" duration: \"1d\" count: 3 victim_lockout { requests_per_second: 2.2 } }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "victim_lockout");
  EXPECT_GT(a.tried, 3u * 2u * 24u * 3600u);
  EXPECT_GT(a.stopped, a.tried * 99 / 100);  // what is left was lost on the network
  EXPECT_GT(a.stopped_by.at("source_budget"), 0u);
  EXPECT_GT(a.stopped_by.at("unauthenticated"), 0u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.victims_attested, 3u);
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

// From the start: the burners see the victims' first challenges after boot
// and their renewals, and answer each first with junk.
TEST(way_in_attacks, junk_evidence_burns_no_nonce) {
  const run_result r = run_with(30, "attack { at: \"10m\" count: 5 nonce_burning {} }");
  const attack_outcome& a = only_attack(r);
  EXPECT_EQ(a.kind, "nonce_burning");
  EXPECT_EQ(a.tried, 5u);
  EXPECT_EQ(a.stopped, 5u);
  EXPECT_EQ(a.got_through, 0u);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"bad_signature", 5}}));
  EXPECT_EQ(a.victims_attested, 5u);
}

}  // namespace
}  // namespace fleet::actors
