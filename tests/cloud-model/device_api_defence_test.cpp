// The device API's way in, against the holes an outside review found: a
// certificate used as a bearer token, a victim locked out by naming its ID,
// nonces burned by junk evidence, numbers a device sends taken unbounded.
// Each attack is refused by the check named in the answer, next to the
// honest request that the same check lets through.
#include <gtest/gtest.h>

#include <limits>

#include "service_fixture.hpp"

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

constexpr source_id home = 1;       // where the attested device speaks from (attested_fixture's link)
constexpr source_id elsewhere = 66;

crypto::signing_key_pair attacker_key() {
  return crypto::signing_key_from_seed(crypto::random_stream(99, 0, "attacker").next_seed());
}

struct certificate_fixture : attested_fixture {
  certificate_fixture() {
    issued = *last_received(*world, wire::Envelope::kCertificateIssued);
    now = world->now();
  }
  wire::Envelope answer(const wire::Envelope& request, source_id from) {
    return reply_of(service.handle(now, wire::serialize(request), from));
  }
  /// The device's last evidence, edited, for a fresh nonce it asks for from home; not signed yet.
  template <class Edit>
  wire::Envelope fresh_evidence(Edit edit) {
    wire::Envelope ask;
    ask.set_device_id(issued.device_id());
    ask.set_sequence(800);
    ask.mutable_challenge_request();
    const wire::Envelope challenge = answer(ask, home);
    const auto real = last_sent(*world, wire::Envelope::kEvidence);
    EXPECT_TRUE(challenge.has_challenge() && real);
    wire::Evidence ev;
    if (real) ev.ParseFromString(real->evidence().evidence());
    ev.set_nonce(challenge.challenge().nonce());
    ev.set_request_sequence(801);
    edit(ev);
    wire::Envelope evidence;
    evidence.set_device_id(issued.device_id());
    evidence.set_sequence(801);
    evidence.mutable_evidence()->set_evidence(wire::serialize(ev));
    return evidence;
  }
  void sign_as_device(wire::Envelope& evidence) {
    evidence.mutable_evidence()->set_signature(
        crypto::to_string(world->device().secure_element().sign(evidence.evidence().evidence())));
  }
  wire::Envelope issued;
  sim_time now{0};
};

void expect_refused(const wire::Envelope& r, const std::string& detail) {
  ASSERT_TRUE(r.has_error()) << "served";
  EXPECT_EQ(r.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(r.error().detail(), detail);
}

// ------------------------------------------------ stolen certificate

TEST(device_api_defence, a_stolen_certificate_without_the_device_key_is_refused) {
  certificate_fixture f;
  const auto attacker = attacker_key();
  // Copied off the wire, presented from elsewhere: with no proof, with a
  // proof by the attacker's own key.
  wire::Envelope bare = certificate_request(*f.world, f.issued, 900);
  bare.clear_certificate_proof();
  expect_refused(f.answer(bare, elsewhere), "certificate proof_missing");
  expect_refused(f.answer(certificate_request(*f.world, f.issued, 901, &attacker.secret_key_bytes), elsewhere),
                 "certificate proof_invalid");
  EXPECT_EQ(f.service.counters().certificate_checks_refused, 2u);
}

// The check that stops it: the same certificate with the device key's proof is served.
TEST(device_api_defence, a_certificate_with_the_device_keys_proof_is_served) {
  certificate_fixture f;
  EXPECT_TRUE(f.answer(certificate_request(*f.world, f.issued, 900), home).has_update_offer());
}

TEST(device_api_defence, a_proof_covers_the_request_it_came_with) {
  certificate_fixture f;
  wire::Envelope edited = certificate_request(*f.world, f.issued, 900);
  edited.mutable_update_check()->set_hardware_revision("B");  // altered after signing
  expect_refused(f.answer(edited, home), "certificate proof_invalid");
}

TEST(device_api_defence, a_copied_certificate_request_is_refused_as_a_replay) {
  certificate_fixture f;
  // A forged ROLLED_BACK report, copied and sent again under the same sequence.
  wire::Envelope report = certificate_request(*f.world, f.issued, 900);
  report.mutable_update_result()->set_outcome(wire::ROLLED_BACK);
  report.set_certificate_proof(
      crypto::to_string(f.world->device().secure_element().sign(wire::certificate_proof_input(report))));
  EXPECT_TRUE(f.answer(report, home).has_ack());
  expect_refused(f.answer(report, home), "certificate replay");
  // Control: the key holder's next request, its sequence above, is served.
  EXPECT_TRUE(f.answer(certificate_request(*f.world, f.issued, 901), home).has_update_offer());
}

TEST(device_api_defence, sequences_past_the_bound_are_refused) {
  certificate_fixture f;
  expect_refused(f.answer(certificate_request(*f.world, f.issued, std::numeric_limits<std::uint64_t>::max()), home),
                 "certificate replay");
}

TEST(device_api_defence, the_key_used_from_a_second_place_is_a_clone) {
  certificate_fixture f;
  // A valid proof from elsewhere while the session is live at home: two
  // holders of the key. Flagged, blocked, the certificate revoked.
  expect_refused(f.answer(certificate_request(*f.world, f.issued, 900), elsewhere), "certificate cloned_identity");
  EXPECT_EQ(f.service.counters().clones_flagged, 1u);
  const auto shown = f.service.show_device(crypto::to_hex(crypto::as_view(f.world->id())));
  EXPECT_TRUE(shown.value.blocked);
  expect_refused(f.answer(certificate_request(*f.world, f.issued, 901), home), "certificate identity_blocked");
}

TEST(device_api_defence, a_quarantined_device_cannot_use_its_certificate) {
  certificate_fixture f;
  // The device signs evidence of a product it is not: a failure behind a
  // valid signature, so the device is quarantined.
  wire::Envelope evidence = f.fresh_evidence([](wire::Evidence& ev) { ev.set_product("toaster"); });
  f.sign_as_device(evidence);
  ASSERT_EQ(f.answer(evidence, home).error().detail(), "wrong_product");
  ASSERT_TRUE(f.service.show_device(crypto::to_hex(crypto::as_view(f.world->id()))).value.quarantined);
  expect_refused(f.answer(certificate_request(*f.world, f.issued, 900), home), "certificate device_quarantined");
}

// --------------------------------------------------- victim lockout

/// While `active`, before each of the device's requests a stranger who
/// knows its ID sends `per_request` requests naming it (challenges and
/// session-less update checks): as close to the device's own as can be.
class lockout_endpoint : public testing::cloud_endpoint {
 public:
  lockout_endpoint(security_service& service, int per_request) : service_(service), per_request_(per_request) {}
  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override {
    wire::Envelope own;
    if (active && own.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
      for (int i = 0; i < per_request_; ++i) {
        wire::Envelope e;
        e.set_device_id(own.device_id());
        e.set_sequence(static_cast<std::uint64_t>(++sequence_));
        if (i % 2 == 0) {
          e.mutable_challenge_request();
        } else {
          e.mutable_update_check()->set_product(testing::default_product);
        }
        service_.handle(now, wire::serialize(e), elsewhere);
      }
    }
    return service_.handle(now, request, home);
  }
  bool active = false;

 private:
  security_service& service_;
  int per_request_;
  std::int64_t sequence_ = 0;
};

TEST(device_api_defence, naming_a_victims_id_does_not_lock_it_out) {
  service_fixture f;
  lockout_endpoint link(f.service, 60);  // 60 requests in the victim's name before each of its own
  auto world = f.make_world(link);
  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
  link.active = true;
  world->run_for(30h);  // through the daily renewal
  EXPECT_GE(world->count(fw::record_kind::attested), 2u);
  const rate_counters& rc = f.service.rates().counters();
  const auto at = [&](traffic t, rate_refusal r) {
    return rc.refused[static_cast<std::size_t>(t)][static_cast<std::size_t>(r)];
  };
  // The stranger ran into its own place's budget; the victim's was never touched.
  EXPECT_GT(at(traffic::attestation, rate_refusal::source), 0u);
  EXPECT_EQ(at(traffic::attestation, rate_refusal::device) + at(traffic::other, rate_refusal::device), 0u);
  EXPECT_EQ(world->count(fw::record_kind::attestation_failed), 0u);
}

// The check that decides it: the device budget is spent only once a
// request proved to come from the device. Its own session requests spend it.
TEST(device_api_defence, only_authenticated_requests_spend_a_devices_budget) {
  service_settings s = default_settings();
  s.rates.per_device = {0.001, 1};  // one request, then nothing for a long while
  service_fixture f(s);
  service_endpoint link(f.service, home);
  auto world = f.make_world(link);
  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));  // challenges and evidence: not the device's
  world->run_for(10min);  // its session requests: the first passes, then the bucket is dry
  EXPECT_GT(f.service.rates().counters().refused[static_cast<std::size_t>(traffic::other)]
                                                [static_cast<std::size_t>(rate_refusal::device)],
            0u);
}

// ----------------------------------------------------- nonce burning

TEST(device_api_defence, junk_evidence_for_a_seen_nonce_leaves_it_to_the_device) {
  certificate_fixture f;
  wire::Envelope evidence = f.fresh_evidence([](wire::Evidence&) {});
  // The observer's junk first: the same evidence under its own signature.
  wire::Envelope junk = evidence;
  junk.mutable_evidence()->set_signature(
      crypto::to_string(crypto::sign(junk.evidence().evidence(), attacker_key().secret_key_bytes)));
  EXPECT_EQ(f.answer(junk, elsewhere).error().detail(), "bad_signature");
  // Then the device: its nonce is still good.
  f.sign_as_device(evidence);
  EXPECT_TRUE(f.answer(evidence, home).has_certificate_issued());
}

// ------------------------------------------- altered on the wire

// A man in the middle flips one bit of the evidence a device sends (here in
// its session key, where any 32 bytes are a key): nothing but the device's
// signature covers those bytes before a session exists, so the signature
// check refuses it, and the reply names that check for whoever counts the
// stop (served_reply::refused_by, the attack ledger's `bad_signature`).
TEST(device_api_defence, evidence_altered_on_the_wire_is_refused_on_its_signature_and_the_reply_names_it) {
  certificate_fixture f;
  wire::Envelope evidence = f.fresh_evidence([](wire::Evidence&) {});
  f.sign_as_device(evidence);
  wire::Evidence ev;
  ASSERT_TRUE(ev.ParseFromString(evidence.evidence().evidence()));
  std::string key = ev.session_public_key();
  ASSERT_FALSE(key.empty());
  key.back() = static_cast<char>(key.back() ^ 1);
  ev.set_session_public_key(key);
  wire::Envelope altered = evidence;
  altered.mutable_evidence()->set_evidence(wire::serialize(ev));
  ASSERT_EQ(altered.evidence().evidence().size(), evidence.evidence().evidence().size());  // one bit, in place

  const auto refused = f.service.serve(f.now, wire::serialize(altered), home);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->body, wire::Envelope::kError);
  EXPECT_EQ(refused->error, wire::ERROR_ATTESTATION_FAILED);
  EXPECT_EQ(refused->refused_by, "bad_signature");
  EXPECT_EQ(reply_of({refused->bytes}).error().detail(), refused->refused_by);

  // The control: the same altered bytes under the device's own signature
  // over them (what the check would let through) are served, and a served
  // reply names no check. So the signature is what refused the flip.
  f.sign_as_device(altered);
  const auto served = f.service.serve(f.now, wire::serialize(altered), home);
  ASSERT_TRUE(served);
  EXPECT_EQ(served->body, wire::Envelope::kCertificateIssued);
  EXPECT_TRUE(served->refused_by.empty());
}

// What a refusal names, for whoever counts an altered request's stop: a
// check's own name as it is, the name after a prefix, and for a sentence
// the error code's name, never the sentence.
TEST(device_api_defence, a_refusal_names_its_check_by_a_name_never_by_a_sentence) {
  EXPECT_EQ(check_named(wire::ERROR_ATTESTATION_FAILED, "bad_signature"), "bad_signature");
  EXPECT_EQ(check_named(wire::ERROR_RATE_LIMITED, "rate limited: source"), "source_budget");
  EXPECT_EQ(check_named(wire::ERROR_RATE_LIMITED, "rate limited: global"), "global_budget");
  EXPECT_EQ(check_named(wire::ERROR_UNAUTHENTICATED, "certificate expired"), "expired");
  EXPECT_EQ(check_named(wire::ERROR_ATTESTATION_FAILED, "restricted_session: not_attested"), "not_attested");
  EXPECT_EQ(check_named(wire::ERROR_INVALID, "device_id must be 64 bytes"), "invalid");
  EXPECT_EQ(check_named(wire::ERROR_ATTESTATION_FAILED, "identity blocked: flagged as cloned"), "attestation_failed");
  EXPECT_EQ(check_named(wire::ERROR_NOT_FOUND, "unknown image"), "not_found");
}

// ------------------------------------------------- bounded numbers

TEST(device_api_defence, a_telemetry_numbering_jump_is_refused_and_acks_stay_within_the_batch) {
  certificate_fixture f;
  wire::Envelope jump = certificate_request(*f.world, f.issued, 900);
  jump.mutable_telemetry()->set_first_event_number(std::numeric_limits<std::uint64_t>::max() - 5000);
  jump.mutable_telemetry()->add_events()->set_kind(wire::EVENT_BOOTED);
  jump.set_certificate_proof(
      crypto::to_string(f.world->device().secure_element().sign(wire::certificate_proof_input(jump))));
  const wire::Envelope r = f.answer(jump, home);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), wire::ERROR_INVALID);
  // The real device goes on uploading and is acknowledged.
  const std::uint64_t before = f.world->firmware().stats().telemetry_uploaded;
  f.world->cut_power();  // uploads after every boot
  f.world->run_for(1h);
  EXPECT_GT(f.world->firmware().stats().telemetry_uploaded, before);
  EXPECT_EQ(f.world->firmware().stats().telemetry_dropped, 0u);
}

}  // namespace
}  // namespace fleet::cloud
