// Revoked software and the restricted session (security_service: revoke_image,
// grant_restricted, restricted_allows, repair offers). A device played by
// hand, with a key the test holds, so each request can be made exactly as an
// attacker or a broken device would; every refusal next to the honest
// request the same check lets through.
#include <gtest/gtest.h>

#include "fleet/testing/evidence.hpp"
#include "service_fixture.hpp"

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

constexpr source_id home = 1;
constexpr source_id elsewhere = 2;

crypto::seed seed_of(std::uint8_t b) {
  crypto::seed s{};
  s.fill(b);
  return s;
}

/// A device run by the test: its key, its boot chain (the factory's), its session.
struct hand_device {
  explicit hand_device(std::uint8_t key_seed)
      : key(crypto::signing_key_from_seed(seed_of(key_seed))), id(crypto::derive_device_id(key.public_key_bytes)) {}

  wire::Envelope envelope() {
    wire::Envelope e;
    e.set_device_id(crypto::to_string(id));
    e.set_sequence(++sequence);
    return e;
  }
  /// Evidence for `nonce` of what `boot` says, signed by `signer` (none: its own key).
  wire::Envelope evidence(const std::string& nonce, const crypto::secret_key* signer = nullptr) {
    exchange = crypto::exchange_key_from_secret(seed_of(static_cast<std::uint8_t>(sequence + 100)));
    testing::evidence_spec spec;
    spec.nonce = nonce;
    spec.device_key = key.public_key_bytes;
    spec.boot = boot;
    spec.rollback_counters = {1, 1, 1, 1, 0};
    spec.session_key = exchange.public_key_bytes;
    return testing::signed_evidence_envelope(id, ++sequence, testing::make_evidence(spec),
                                             signer != nullptr ? *signer : key.secret_key_bytes);
  }
  /// A session request with `body` set by `fill`, MACed with the session key.
  template <class Fill>
  wire::Envelope in_session(Fill fill) {
    wire::Envelope e = envelope();
    fill(e);
    e.set_session_id(session_id);
    e.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(e), session_key)));
    return e;
  }
  /// Takes the service's half of the session (a certificate's or a grant's).
  void take_session(const std::string& service_share, std::uint64_t id_of_session) {
    crypto::public_key share{};
    ASSERT_TRUE(crypto::to_array(service_share, share));
    ASSERT_TRUE(crypto::derive_session_key(exchange.secret_key_bytes, exchange.public_key_bytes, share,
                                           /*own_is_device=*/true, id_of_session, session_key));
    session_id = id_of_session;
  }

  crypto::signing_key_pair key;
  crypto::device_id id;
  std::vector<testing::booted_stage> boot;
  std::uint64_t sequence = 0;
  crypto::exchange_key_pair exchange{};
  crypto::seed session_key{};
  std::uint64_t session_id = 0;
};

/// The factory chain running on a hand device; OS 1.0.1 uploaded and
/// deployed to Production (`repair` as asked); the factory OS revoked.
struct revoked_fixture : service_fixture {
  explicit revoked_fixture(bool repair = true, bool revoke = true) {
    device.boot = testing::stages_of(factory);
    hex = enroll(device.key.public_key_bytes);
    auto os = testing::image_spec_for(wire::OS, "1.0.1");
    os.security_version = 2;
    deployment_spec spec = spec_for(os, testing::factory_image_bytes(wire::OS));
    spec.policy.waves = wave_plan::by_percent({100});
    spec.repair = repair;
    spec.name = "os-1.0.1";
    repair_image = spec.images.front();
    EXPECT_TRUE(service.create_deployment(now, spec).ok());
    if (revoke) {
      EXPECT_TRUE(service.revoke_image(now, factory_os()).ok());
    }
  }
  crypto::digest factory_os() const {
    EXPECT_EQ(factory[2].manifest.component(), wire::OS);
    return factory[2].image_digest;
  }
  wire::Envelope ask(const wire::Envelope& request, source_id from = home) {
    return reply_of(service.handle(now, wire::serialize(request), from));
  }
  /// Challenge and evidence (signed by `signer`, none: the device's own key), from `from`.
  wire::Envelope attest(const crypto::secret_key* signer = nullptr, source_id from = home) {
    wire::Envelope challenge_request = device.envelope();
    challenge_request.mutable_challenge_request();
    const wire::Envelope challenge = ask(challenge_request, from);
    EXPECT_TRUE(challenge.has_challenge()) << challenge.DebugString();
    const wire::Envelope reply = ask(device.evidence(challenge.challenge().nonce(), signer), from);
    if (reply.has_restricted_session()) {
      device.take_session(reply.restricted_session().session_public_key(), reply.restricted_session().session_id());
    } else if (reply.has_certificate_issued()) {
      device.take_session(reply.certificate_issued().session_public_key(), reply.certificate_issued().session_id());
    }
    return reply;
  }
  wire::Envelope update_check() {
    return ask(device.in_session([&](wire::Envelope& e) {
      auto* check = e.mutable_update_check();
      check->set_product(testing::default_product);
      check->set_hardware_revision(testing::default_hardware_revision);
      for (const auto& image : factory) {
        auto* installed = check->add_installed();
        installed->set_component(image.manifest.component());
        installed->set_version(image.manifest.version());
        installed->set_image_digest(crypto::to_string(image.image_digest));
      }
    }));
  }
  wire::Envelope chunk_of(const crypto::digest& image) {
    return ask(device.in_session([&](wire::Envelope& e) {
      e.mutable_chunk_request()->set_image_digest(crypto::to_string(image));
      e.mutable_chunk_request()->set_index(0);
    }));
  }
  wire::Envelope telemetry() {
    return ask(device.in_session([&](wire::Envelope& e) {
      auto* event = e.mutable_telemetry()->add_events();
      event->set_kind(wire::EVENT_BOOTED);
    }));
  }

  hand_device device{41};
  std::string hex;
  crypto::digest repair_image{};
  sim_time now{std::chrono::hours(1)};
};

std::vector<std::string> offered_versions(const wire::Envelope& reply) {
  std::vector<std::string> out;
  for (const auto& signed_manifest : reply.update_offer().manifests()) {
    wire::Manifest m;
    m.ParseFromString(signed_manifest.manifest());
    out.push_back(wire::Component_Name(m.component()) + "@" + m.version());
  }
  return out;
}

void expect_restricted_refusal(const wire::Envelope& r, const std::string& detail) {
  ASSERT_TRUE(r.has_error()) << "served: " << r.DebugString();
  EXPECT_EQ(r.error().code(), wire::ERROR_ATTESTATION_FAILED);
  EXPECT_EQ(r.error().detail(), detail);
  EXPECT_NE(r.session_id(), 0u) << "a refusal in the session is sealed like any reply";
}

// ------------------------------------------------------------ who gets one

TEST(restricted_session, a_device_whose_only_fault_is_revoked_software_gets_one_and_no_certificate) {
  revoked_fixture f;
  const wire::Envelope reply = f.attest();
  ASSERT_TRUE(reply.has_restricted_session()) << reply.DebugString();
  EXPECT_EQ(f.service.counters().restricted_sessions, 1u);
  EXPECT_EQ(f.service.counters().certificates_issued, 0u);
  EXPECT_EQ(f.service.attestation_totals().of(attestation_outcome::revoked_measurement), 1u);
  EXPECT_EQ(f.service.session_totals().restricted_opened, 1u);
  // The grant: signed by the tenant CA over its label, naming the device and the revoked OS.
  const wire::RestrictedSession& granted = reply.restricted_session();
  wire::CaCertificate ca;
  ASSERT_TRUE(ca.ParseFromString(granted.issuer().ca_certificate()));
  crypto::public_key ca_key{};
  ASSERT_TRUE(crypto::to_array(ca.public_key(), ca_key));
  EXPECT_TRUE(crypto::verify(wire::restricted_grant_input(granted.grant()), granted.signature(), ca_key));
  EXPECT_FALSE(crypto::verify(granted.grant(), granted.signature(), ca_key)) << "a grant must never pass for a certificate";
  wire::RestrictedGrant grant;
  ASSERT_TRUE(grant.ParseFromString(granted.grant()));
  EXPECT_EQ(grant.device_id(), crypto::to_string(f.device.id));
  ASSERT_EQ(grant.revoked_size(), 1);
  EXPECT_EQ(grant.revoked(0), wire::OS);
  // It cannot present anything as a certificate: quarantined.
  const auto view = f.service.show_device(f.hex);
  EXPECT_TRUE(view.value.quarantined);
}

// Control: the same device before the revocation is attested in full.
TEST(restricted_session, the_same_device_before_the_revocation_gets_a_certificate) {
  revoked_fixture f(/*repair=*/true, /*revoke=*/false);
  EXPECT_TRUE(f.attest().has_certificate_issued());
  EXPECT_EQ(f.service.counters().restricted_sessions, 0u);
}

TEST(restricted_session, a_spoofed_identity_asking_for_one_gets_nothing) {
  revoked_fixture f;
  // The victim's ID and the revoked chain it runs, signed with the attacker's key.
  const auto attacker = crypto::signing_key_from_seed(seed_of(99));
  const wire::Envelope reply = f.attest(&attacker.secret_key_bytes, elsewhere);
  ASSERT_TRUE(reply.has_error());
  EXPECT_EQ(reply.error().detail(), "bad_signature");
  EXPECT_EQ(f.service.counters().restricted_sessions, 0u);
  EXPECT_FALSE(f.service.show_device(f.hex).value.quarantined) << "nobody quarantines a device they cannot sign for";
  // The check that stops it: the very same evidence signed by the device key gets one.
  EXPECT_TRUE(f.attest().has_restricted_session());
}

TEST(restricted_session, a_second_fault_next_to_revoked_software_gets_nothing) {
  revoked_fixture f;
  f.device.boot[3].manifest_digest[0] ^= 1;  // an app nobody signed, on top of the revoked OS
  const wire::Envelope unknown = f.attest();
  ASSERT_TRUE(unknown.has_error());
  EXPECT_EQ(unknown.error().detail(), "unknown_measurement");
  f.device.boot = testing::stages_of(f.factory);
  f.device.boot[3].version = "9.9.9";  // a known digest reported as another version
  const wire::Envelope mismatch = f.attest();
  ASSERT_TRUE(mismatch.has_error());
  EXPECT_EQ(mismatch.error().detail(), "measurement_mismatch");
  EXPECT_EQ(f.service.counters().restricted_sessions, 0u);
  // Control: the revoked chain alone.
  f.device.boot = testing::stages_of(f.factory);
  EXPECT_TRUE(f.attest().has_restricted_session());
}

TEST(restricted_session, a_cloned_identity_gets_nothing_and_is_blocked) {
  revoked_fixture f;
  ASSERT_TRUE(f.attest().has_restricted_session());
  // The same key, from elsewhere, while the restricted session is live.
  const wire::Envelope clone = f.attest(nullptr, elsewhere);
  ASSERT_TRUE(clone.has_error());
  EXPECT_EQ(clone.error().detail(), "cloned_identity");
  EXPECT_EQ(f.service.counters().restricted_sessions, 1u);
  wire::Envelope again = f.device.envelope();
  again.mutable_challenge_request();
  const wire::Envelope after = f.ask(again);
  ASSERT_TRUE(after.has_error());
  EXPECT_EQ(after.error().detail(), "identity blocked: flagged as cloned");
}

// ------------------------------------------------------ what it may do

TEST(restricted_session, it_allows_update_checks_repair_chunks_and_update_results) {
  revoked_fixture f;
  ASSERT_TRUE(f.attest().has_restricted_session());
  const wire::Envelope offer = f.update_check();
  ASSERT_TRUE(offer.has_update_offer()) << offer.DebugString();
  EXPECT_EQ(offered_versions(offer), std::vector<std::string>{"OS@1.0.1"});
  const wire::Envelope chunk = f.chunk_of(f.repair_image);
  EXPECT_TRUE(chunk.has_chunk()) << chunk.DebugString();
  const wire::Envelope ack = f.ask(f.device.in_session([&](wire::Envelope& e) {
    auto* r = e.mutable_update_result();
    r->set_image_digest(crypto::to_string(f.repair_image));
    r->set_component(wire::OS);
    r->set_version("1.0.1");
    r->set_outcome(wire::DOWNLOADED);
  }));
  EXPECT_TRUE(ack.has_ack()) << ack.DebugString();
}

TEST(restricted_session, it_refuses_telemetry) {
  revoked_fixture f;
  ASSERT_TRUE(f.attest().has_restricted_session());
  expect_restricted_refusal(f.telemetry(), "restricted_session: not_repair_traffic");
  EXPECT_EQ(f.service.counters().restricted_refused[static_cast<std::size_t>(restricted_refusal::not_repair_traffic)],
            1u);
  EXPECT_EQ(f.service.counters().telemetry_batches, 0u);
}

// Control: the same batch in a full session is stored.
TEST(restricted_session, telemetry_in_a_full_session_is_taken) {
  revoked_fixture f(/*repair=*/true, /*revoke=*/false);
  ASSERT_TRUE(f.attest().has_certificate_issued());
  EXPECT_TRUE(f.telemetry().has_telemetry_ack());
}

TEST(restricted_session, it_refuses_chunks_of_anything_but_a_repair) {
  revoked_fixture f;
  // An app build deployed to the group: trusted, newest, but the app was not revoked.
  const wire::built_image app = f.upload_app(f.now, "1.1.0");
  f.deploy(f.now, app, staged_policy(f.now));
  ASSERT_TRUE(f.attest().has_restricted_session());
  expect_restricted_refusal(f.chunk_of(app.image_digest), "restricted_session: not_a_repair");
  // The revoked image itself.
  expect_restricted_refusal(f.chunk_of(f.factory_os()), "restricted_session: not_a_repair");
  EXPECT_EQ(f.service.counters().restricted_refused[static_cast<std::size_t>(restricted_refusal::not_a_repair)], 2u);
  EXPECT_EQ(f.service.counters().chunks_served, 0u);
  // The offer holds the repair only; the check that stops the rest: the repair is served.
  EXPECT_EQ(offered_versions(f.update_check()), std::vector<std::string>{"OS@1.0.1"});
  EXPECT_TRUE(f.chunk_of(f.repair_image).has_chunk());
}

// Control: a device in a full session is offered and served the app build.
TEST(restricted_session, a_full_session_is_offered_and_served_what_a_restricted_one_is_not) {
  revoked_fixture f(/*repair=*/true, /*revoke=*/false);
  const wire::built_image app = f.upload_app(f.now, "1.1.0");
  f.deploy(f.now, app, staged_policy(f.now));
  ASSERT_TRUE(f.attest().has_certificate_issued());
  EXPECT_TRUE(f.chunk_of(app.image_digest).has_chunk());
}

TEST(restricted_session, a_revoked_image_is_offered_to_nobody_and_cannot_be_deployed) {
  revoked_fixture f(/*repair=*/true, /*revoke=*/false);
  ASSERT_TRUE(f.service.revoke_image(f.now, f.repair_image).ok());
  EXPECT_EQ(f.service.revoke_image(f.now, f.repair_image).status, op_status::failed_precondition);
  EXPECT_EQ(f.service.revoke_image(f.now, crypto::digest{}).status, op_status::not_found);
  ASSERT_TRUE(f.attest().has_certificate_issued());
  EXPECT_TRUE(offered_versions(f.update_check()).empty());
  deployment_spec spec;
  spec.group = f.production;
  spec.images = {f.repair_image};
  spec.policy = staged_policy(f.now);
  EXPECT_EQ(f.service.create_deployment(f.now, spec).status, op_status::failed_precondition);
}

// Not marked a repair: the group's newest trusted image of the component repairs all the same.
TEST(restricted_session, the_groups_newest_trusted_image_repairs_without_the_mark) {
  revoked_fixture f(/*repair=*/false);
  ASSERT_TRUE(f.attest().has_restricted_session());
  EXPECT_EQ(offered_versions(f.update_check()), std::vector<std::string>{"OS@1.0.1"});
}

// The revocation and the restricted session survive a snapshot: a service
// restored from one saves the same parts and answers the restricted device
// as the original (a repair offered, telemetry refused).
TEST(restricted_session, a_snapshot_keeps_the_revocation_and_the_restricted_session) {
  revoked_fixture f;
  ASSERT_TRUE(f.attest().has_restricted_session());
  const parts snapshot = saved(f.service);
  security_service twin(f.keys.service_root, default_settings());
  ASSERT_TRUE(restore_into(twin, snapshot).ok());
  EXPECT_EQ(saved(twin), snapshot);
  const auto both = [&](const wire::Envelope& request) {
    const std::string bytes = wire::serialize(request);
    const std::vector<std::string> original = f.service.handle(f.now, bytes, home);
    EXPECT_EQ(twin.handle(f.now, bytes, home), original);
    return reply_of(original);
  };
  const wire::Envelope refused = both(f.device.in_session([](wire::Envelope& e) {
    e.mutable_telemetry()->add_events()->set_kind(wire::EVENT_BOOTED);
  }));
  EXPECT_EQ(refused.error().detail(), "restricted_session: not_repair_traffic");
  EXPECT_TRUE(both(f.device.in_session([&](wire::Envelope& e) {
                e.mutable_chunk_request()->set_image_digest(crypto::to_string(f.repair_image));
              })).has_chunk());
  EXPECT_TRUE(twin.image_revoked(f.factory_os()));
  EXPECT_EQ(twin.counters().restricted_sessions, 1u);
}

}  // namespace
}  // namespace fleet::cloud
