// Each cloud-side attestation defence: the attack refused, next to the honest
// flow going through.
#include "fleet/cloud/attestation_verifier.hpp"

#include <gtest/gtest.h>

#include "attestation_fixture.hpp"

namespace fleet::cloud::testing {
namespace {

constexpr sim_time t0{1'000'000};
constexpr source_id home = 7;
constexpr source_id elsewhere = 9;

TEST(attestation_verifier, honest_device_passes_with_its_facts) {
  attestation_world w;
  auto evidence = w.alice.evidence(w.challenge(w.alice, t0));
  auto result = w.verifier.verify(t0, evidence, home);
  ASSERT_TRUE(result.ok()) << name_of(result.outcome);
  EXPECT_EQ(result.facts.device, 0u);
  ASSERT_EQ(result.facts.boot.size(), 4u);
  EXPECT_EQ(result.facts.boot[2].component, wire::OS);
  EXPECT_EQ(result.facts.boot[2].version, "1.0.0");
  EXPECT_EQ(result.facts.rollback_counters[0], 1u);
  EXPECT_EQ(result.facts.evidence_digest, crypto::sha256(evidence.evidence().evidence()));
  EXPECT_EQ(result.facts.session_public_key, w.alice.exchange.public_key_bytes);
  EXPECT_EQ(result.facts.device_key, w.alice.key.public_key_bytes);
  EXPECT_FALSE(w.verifier.quarantined(0));
  EXPECT_EQ(w.verifier.counters().of(attestation_outcome::ok), 1u);
}

TEST(attestation_verifier, app_is_optional_but_os_is_not) {
  attestation_world w;
  w.alice.boot.pop_back();  // no app
  EXPECT_TRUE(w.attest(w.alice, t0, home).ok());
  w.alice.boot.pop_back();  // no OS either
  EXPECT_EQ(w.attest(w.alice, t0, home).outcome, attestation_outcome::boot_chain_invalid);
  EXPECT_TRUE(w.verifier.quarantined(0));
}

TEST(attestation_verifier, boot_stages_out_of_order_are_refused) {
  attestation_world w;
  std::swap(w.alice.boot[0], w.alice.boot[1]);
  EXPECT_EQ(w.attest(w.alice, t0, home).outcome, attestation_outcome::boot_chain_invalid);
}

TEST(attestation_verifier, spoofed_evidence_signed_by_another_key_is_refused) {
  attestation_world w;
  const auto mallory = crypto::signing_key_from_seed(seed_of(66));
  auto spoofed = w.alice.evidence(w.challenge(w.alice, t0), [](wire::Evidence&) {},
                                  &mallory.secret_key_bytes);
  EXPECT_EQ(w.verifier.verify(t0, spoofed, elsewhere).outcome, attestation_outcome::bad_signature);
  // A signature failure proves nothing about the device: no quarantine.
  EXPECT_FALSE(w.verifier.quarantined(0));
  EXPECT_TRUE(w.attest(w.alice, t0, home).ok());
}

// The envelope around the evidence is not signed: its sequence is bound by
// the evidence's request_sequence, so a man in the middle who alters it (to
// make the device's later requests look like replays) is refused.
TEST(attestation_verifier, evidence_whose_envelope_sequence_was_altered_is_refused) {
  attestation_world w;
  auto altered = w.alice.evidence(w.challenge(w.alice, t0));
  altered.set_sequence(altered.sequence() + 1000);
  EXPECT_EQ(w.verifier.verify(t0, altered, home).outcome, attestation_outcome::sequence_mismatch);
  EXPECT_TRUE(w.attest(w.alice, t0, home).ok());  // the untouched one still passes
}

TEST(attestation_verifier, identity_with_another_key_is_refused) {
  attestation_world w;
  const nonce n = w.challenge(w.alice, t0);
  test_device mallory(66);
  // Mallory's own key under Alice's ID: the ID is not derived from the key.
  auto evidence = mallory.evidence(n);
  evidence.set_device_id(crypto::to_string(w.alice.id));
  EXPECT_EQ(w.verifier.verify(t0, evidence, elsewhere).outcome,
            attestation_outcome::device_id_mismatch);
  // Mallory's own key under its own ID: not registered.
  EXPECT_EQ(w.verifier.verify(t0, mallory.evidence(n), elsewhere).outcome,
            attestation_outcome::unknown_device);
  EXPECT_FALSE(w.verifier.challenge(t0, mallory.challenge_request(), w.random).ok());
}

TEST(attestation_verifier, replayed_nonce_is_refused) {
  attestation_world w;
  auto evidence = w.alice.evidence(w.challenge(w.alice, t0));
  EXPECT_TRUE(w.verifier.verify(t0, evidence, home).ok());
  EXPECT_EQ(w.verifier.verify(t0 + 1s, evidence, home).outcome, attestation_outcome::nonce_reused);
  EXPECT_EQ(w.verifier.counters().of(attestation_outcome::nonce_reused), 1u);
}

TEST(attestation_verifier, nonce_is_consumed_even_when_the_evidence_fails) {
  attestation_world w;
  const nonce n = w.challenge(w.alice, t0);
  auto bad = w.alice.evidence(n, [](wire::Evidence& ev) { ev.set_product("toaster"); });
  EXPECT_EQ(w.verifier.verify(t0, bad, home).outcome, attestation_outcome::wrong_product);
  EXPECT_EQ(w.verifier.verify(t0, w.alice.evidence(n), home).outcome,
            attestation_outcome::nonce_reused);
}

TEST(attestation_verifier, expired_nonce_is_refused) {
  attestation_world w;
  const nonce late = w.challenge(w.alice, t0);
  const nonce in_time = w.challenge(w.alice, t0);
  EXPECT_TRUE(w.verifier.verify(t0 + 5min - 1us, w.alice.evidence(in_time), home).ok());
  EXPECT_EQ(w.verifier.verify(t0 + 5min, w.alice.evidence(late), home).outcome,
            attestation_outcome::nonce_expired);
}

TEST(attestation_verifier, made_up_nonce_is_refused) {
  attestation_world w;
  nonce made_up{};
  made_up.fill(0xab);
  EXPECT_EQ(w.verifier.verify(t0, w.alice.evidence(made_up), home).outcome,
            attestation_outcome::nonce_unknown);
}

TEST(attestation_verifier, nonce_of_another_device_is_refused) {
  attestation_world w;
  const nonce bobs = w.challenge(w.bob, t0);
  EXPECT_EQ(w.verifier.verify(t0, w.alice.evidence(bobs), home).outcome,
            attestation_outcome::nonce_wrong_device);
  // Not consumed: whoever saw it on the wire cannot cancel Bob's attestation.
  EXPECT_TRUE(w.verifier.verify(t0, w.bob.evidence(bobs), elsewhere).ok());
}

TEST(attestation_verifier, unknown_measurement_quarantines_until_a_pass) {
  attestation_world w;
  w.alice.boot[3] = {wire::APP, "6.6.6", manifest_digest_of(wire::APP, "6.6.6")};
  EXPECT_EQ(w.attest(w.alice, t0, home).outcome, attestation_outcome::unknown_measurement);
  EXPECT_TRUE(w.verifier.quarantined(0));
  EXPECT_FALSE(w.verifier.quarantined(1));
  EXPECT_EQ(w.verifier.counters().quarantined_now, 1u);
  // The app is published as known-good: the same device now passes.
  w.publish("thermostat", w.alice.boot[3]);
  EXPECT_TRUE(w.attest(w.alice, t0 + 1s, home).ok());
  EXPECT_FALSE(w.verifier.quarantined(0));
  EXPECT_EQ(w.verifier.counters().quarantined_now, 0u);
}

TEST(attestation_verifier, withdrawn_image_is_no_longer_known_good) {
  attestation_world w;
  EXPECT_TRUE(w.attest(w.alice, t0, home).ok());
  w.verifier.known_good().remove("thermostat", w.alice.boot[2].manifest_digest);
  EXPECT_EQ(w.attest(w.alice, t0 + 1s, home).outcome, attestation_outcome::unknown_measurement);
  // Quarantine ends the session that was opened for the old software.
  EXPECT_FALSE(w.sessions.live(t0 + 1s, 0));
}

TEST(attestation_verifier, known_digest_reported_as_another_version_is_refused) {
  attestation_world w;
  w.alice.boot[2].version = "9.9.9";  // the 1.0.0 OS, claimed to be 9.9.9
  EXPECT_EQ(w.attest(w.alice, t0, home).outcome, attestation_outcome::measurement_mismatch);
}

TEST(attestation_verifier, tampered_register_is_refused) {
  attestation_world w;
  auto evidence = w.alice.evidence(w.challenge(w.alice, t0), [](wire::Evidence& ev) {
    // Reports a known-good app while the register measured another one.
    std::string reg = ev.measurement_register();
    reg[0] = static_cast<char>(reg[0] ^ 1);
    ev.set_measurement_register(reg);
  });
  EXPECT_EQ(w.verifier.verify(t0, evidence, home).outcome, attestation_outcome::register_mismatch);
  EXPECT_TRUE(w.verifier.quarantined(0));
  EXPECT_TRUE(w.attest(w.alice, t0, home).ok());
}

TEST(attestation_verifier, wrong_product_is_refused) {
  attestation_world w;
  // Known-good images of another product, reported as that product.
  test_device toaster_fw(1, "toaster");
  for (const auto& s : toaster_fw.boot) w.publish("toaster", s);
  w.alice.boot = toaster_fw.boot;
  w.alice.product = "toaster";
  EXPECT_EQ(w.attest(w.alice, t0, home).outcome, attestation_outcome::wrong_product);
  // The toaster's images reported as the thermostat's: not known-good for it.
  w.alice.product = "thermostat";
  EXPECT_EQ(w.attest(w.alice, t0, home).outcome, attestation_outcome::unknown_measurement);
}

TEST(attestation_verifier, cloned_identity_is_flagged_and_refused) {
  attestation_world w;
  ASSERT_TRUE(w.attest(w.alice, t0, home).ok());
  // The same key, extracted, attests from elsewhere while the session is live.
  test_device clone(1);
  clone.sequence = 100;
  auto result = w.verifier.verify(t0 + 1h, clone.evidence(w.challenge(clone, t0 + 1h)), elsewhere);
  EXPECT_EQ(result.outcome, attestation_outcome::cloned_identity);
  ASSERT_EQ(w.verifier.flagged().pending().size(), 1u);
  const clone_flag& flag = w.verifier.flagged().pending()[0];
  EXPECT_EQ(flag.id, w.alice.id);
  EXPECT_EQ(flag.device, 0u);
  EXPECT_EQ(flag.live_source, home);
  EXPECT_EQ(flag.new_source, elsewhere);
  EXPECT_EQ(flag.how, clone_signal::attested_elsewhere);
  EXPECT_EQ(w.verifier.flagged().flagged(clone_signal::attested_elsewhere), 1u);
  EXPECT_EQ(w.verifier.counters().of(attestation_outcome::cloned_identity), 1u);
  EXPECT_FALSE(w.sessions.live(t0 + 1h, 0));  // the caller revokes; the session is gone
  EXPECT_EQ(w.verifier.flagged().take().size(), 1u);
  EXPECT_TRUE(w.verifier.flagged().pending().empty());
}

TEST(attestation_verifier, reattesting_from_the_same_place_or_after_expiry_is_no_clone) {
  attestation_world w;
  ASSERT_TRUE(w.attest(w.alice, t0, home).ok());
  EXPECT_TRUE(w.attest(w.alice, t0 + 1h, home).ok());  // a reboot: replaces the session
  // Session over (certificate lifetime): moving is not cloning.
  EXPECT_TRUE(w.attest(w.alice, t0 + 1h + 24h, elsewhere).ok());
  EXPECT_TRUE(w.verifier.flagged().pending().empty());
}

// Victim lockout: anyone may ask for a challenge in a device's name. Were
// the per-device bound a refusal, a stranger holding a few nonces would lock
// the device out for a nonce lifetime; past the bound the oldest gives way.
TEST(attestation_verifier, strangers_asking_in_a_devices_name_never_get_its_challenge_refused) {
  attestation_limits limits;
  limits.nonces.per_device_max = 2;
  attestation_world w(limits);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(w.verifier.challenge(t0, w.alice.challenge_request(), w.random).ok());
  const nonce own = w.challenge(w.alice, t0 + 1s);  // the device's own, after the strangers'
  EXPECT_TRUE(w.verifier.verify(t0 + 1s, w.alice.evidence(own), home).ok());
}

// The check that the test above relies on: a nonce superseded by newer ones
// in the device's name is refused, so a bound still holds per device.
TEST(attestation_verifier, a_nonce_superseded_by_newer_ones_is_refused) {
  attestation_limits limits;
  limits.nonces.per_device_max = 2;
  attestation_world w(limits);
  const nonce old = w.challenge(w.alice, t0);
  w.challenge(w.alice, t0);
  w.challenge(w.alice, t0);
  EXPECT_EQ(w.verifier.verify(t0, w.alice.evidence(old), home).outcome, attestation_outcome::nonce_superseded);
}

// Nonce burning: an on-path observer sees the nonce and sends junk evidence
// for it in the device's name before the device answers.
TEST(attestation_verifier, junk_evidence_for_a_seen_nonce_does_not_spend_it) {
  attestation_world w;
  const nonce n = w.challenge(w.alice, t0);
  const auto mallory = crypto::signing_key_from_seed(seed_of(66));
  auto junk = w.alice.evidence(n, [](wire::Evidence&) {}, &mallory.secret_key_bytes);
  EXPECT_EQ(w.verifier.verify(t0, junk, elsewhere).outcome, attestation_outcome::bad_signature);
  EXPECT_EQ(w.verifier.verify(t0, junk, elsewhere).outcome, attestation_outcome::bad_signature);
  EXPECT_TRUE(w.verifier.verify(t0 + 1s, w.alice.evidence(n), home).ok());
}

// What decides it is the signature: evidence the device key did sign spends
// the nonce, whatever it then fails on (nonce_is_consumed_even_when_the_evidence_fails).
TEST(attestation_verifier, only_evidence_whose_signature_verifies_spends_the_nonce) {
  attestation_world w;
  const nonce n = w.challenge(w.alice, t0);
  auto signed_but_altered = w.alice.evidence(n);
  signed_but_altered.set_sequence(signed_but_altered.sequence() + 1);  // verified, then refused
  EXPECT_EQ(w.verifier.verify(t0, signed_but_altered, elsewhere).outcome, attestation_outcome::sequence_mismatch);
  EXPECT_EQ(w.verifier.verify(t0, w.alice.evidence(n), home).outcome, attestation_outcome::nonce_reused);
}

TEST(attestation_verifier, malformed_evidence_is_refused) {
  attestation_world w;
  auto evidence = w.alice.evidence(w.challenge(w.alice, t0), [](wire::Evidence& ev) {
    ev.set_session_public_key("short");
  });
  EXPECT_EQ(w.verifier.verify(t0, evidence, home).outcome, attestation_outcome::malformed);
  EXPECT_EQ(w.verifier.verify(t0, w.alice.challenge_request(), home).outcome,
            attestation_outcome::malformed);
}

}  // namespace
}  // namespace fleet::cloud::testing
