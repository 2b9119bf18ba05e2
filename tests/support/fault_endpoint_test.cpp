// The faults and attacks firmware tests inject in front of the real service,
// played against it by a device written by hand (as the firmware core does
// its side): each hook does what it says, an edited session reply is sealed
// again only when a compromised service would seal it, and the service's own
// answers carry the session MAC the firmware insists on.
#include "fleet/testing/fault_endpoint.hpp"

#include <gtest/gtest.h>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/testing/evidence.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/testing/service_setup.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::testing {
namespace {

using namespace std::chrono_literals;

constexpr fw::sim_time t0 = std::chrono::hours(1);

/// The device side of the protocol, by hand.
struct hand_device {
  explicit hand_device(std::uint64_t seed) : stream(seed, 7, "hand-device") {
    key = crypto::signing_key_from_seed(stream.next_seed());
    id = crypto::derive_device_id(key.public_key_bytes);
  }

  wire::Envelope envelope() {
    wire::Envelope e;
    e.set_device_id(crypto::to_string(id));
    e.set_sequence(++sequence);
    return e;
  }

  /// A MAC'd request in the current session; `fill` sets the body.
  template <typename Fill>
  wire::Envelope session_request(Fill fill) {
    wire::Envelope e = envelope();
    e.set_session_id(session_id);
    fill(e);
    e.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(e), session_key)));
    return e;
  }

  /// The reply comes from this device's session: its ID and a valid MAC.
  bool authentic(const wire::Envelope& reply) const {
    return reply.session_id() == session_id && crypto::verify_mac(wire::mac_input(reply), reply.mac(), session_key);
  }

  crypto::random_stream stream;
  crypto::signing_key_pair key;
  crypto::device_id id{};
  std::uint64_t sequence = 0;
  crypto::exchange_key_pair exchange;
  std::uint64_t session_id = 0;
  crypto::seed session_key{};
};

class fault_endpoint_test : public ::testing::Test {
 protected:
  fault_endpoint_test() : setup(keys, {}), link(setup.service(), 1), faults(link, &setup.service()), device(42) {
    setup.enroll(device.key.public_key_bytes);
  }

  /// The replies to one request, parsed.
  std::vector<wire::Envelope> send(fw::sim_time now, const wire::Envelope& request) {
    std::vector<wire::Envelope> out;
    for (const auto& bytes : faults.handle(now, wire::serialize(request))) {
      EXPECT_TRUE(out.emplace_back().ParseFromString(bytes));
    }
    return out;
  }
  wire::Envelope exchange(fw::sim_time now, const wire::Envelope& request) {
    auto replies = send(now, request);
    EXPECT_EQ(replies.size(), 1u);
    return replies.empty() ? wire::Envelope{} : replies.front();
  }

  /// Challenge, evidence of the factory chain, certificate: the device holds a session.
  void attest(fw::sim_time now) {
    wire::Envelope ask = device.envelope();
    ask.mutable_challenge_request();
    const wire::Envelope challenge = exchange(now, ask);
    ASSERT_TRUE(challenge.has_challenge());
    device.exchange = crypto::exchange_key_from_secret(device.stream.next_seed());
    evidence_spec spec;
    spec.nonce = challenge.challenge().nonce();
    spec.device_key = device.key.public_key_bytes;
    spec.boot = stages_of(setup.factory());
    spec.rollback_counters = {1, 1, 1, 1};
    spec.session_key = device.exchange.public_key_bytes;
    const wire::Envelope issued = exchange(
        now, signed_evidence_envelope(device.id, ++device.sequence, make_evidence(spec), device.key.secret_key_bytes));
    ASSERT_TRUE(issued.has_certificate_issued()) << issued.error().detail();
    crypto::public_key service_half{};
    ASSERT_TRUE(crypto::to_array(issued.certificate_issued().session_public_key(), service_half));
    device.session_id = issued.certificate_issued().session_id();
    ASSERT_TRUE(crypto::derive_session_key(device.exchange.secret_key_bytes, device.exchange.public_key_bytes,
                                           service_half, /*own_is_device=*/true, device.session_id,
                                           device.session_key));
  }

  wire::Envelope update_check(fw::sim_time now) {
    return exchange(now, device.session_request([](wire::Envelope& e) {
      e.mutable_update_check()->set_product(default_product);
      e.mutable_update_check()->set_hardware_revision(default_hardware_revision);
    }));
  }

  wire::Envelope chunk(fw::sim_time now, const crypto::digest& image, std::uint32_t index) {
    return exchange(now, device.session_request([&](wire::Envelope& e) {
      e.mutable_chunk_request()->set_image_digest(crypto::to_string(image));
      e.mutable_chunk_request()->set_index(index);
    }));
  }

  test_keys keys{1};
  service_setup setup;
  service_endpoint link;
  fault_endpoint faults;
  hand_device device;
};

TEST_F(fault_endpoint_test, the_service_seals_every_reply_in_a_session_and_nothing_else) {
  attest(t0);
  const wire::Envelope offer = update_check(t0);
  ASSERT_TRUE(offer.has_update_offer());
  EXPECT_TRUE(device.authentic(offer));
  // Errors inside an authenticated session are sealed too.
  const wire::Envelope not_found = chunk(t0, crypto::sha256("no such image"), 0);
  EXPECT_EQ(not_found.error().code(), wire::ERROR_NOT_FOUND);
  EXPECT_TRUE(device.authentic(not_found));
  // A refused request has no session to seal with.
  wire::Envelope forged = device.session_request([](wire::Envelope& e) { e.mutable_update_check(); });
  forged.set_mac(std::string(32, '\0'));
  const wire::Envelope refused = exchange(t0, forged);
  EXPECT_EQ(refused.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(refused.session_id(), 0u);
  EXPECT_TRUE(refused.mac().empty());
  EXPECT_EQ(faults.counters().replies_edited, 0u);
}

TEST_F(fault_endpoint_test, a_compromised_service_edits_before_the_seal_an_attacker_on_the_link_after) {
  attest(t0);
  faults.tamper_reply = [](wire::Envelope& reply) {
    if (reply.has_update_offer()) reply.mutable_update_offer()->add_manifests();
  };
  const wire::Envelope edited = update_check(t0);
  EXPECT_EQ(edited.update_offer().manifests_size(), 1);
  EXPECT_TRUE(device.authentic(edited));
  EXPECT_EQ(faults.counters().replies_edited, 1u);

  faults.tamper_reply = nullptr;
  faults.tamper_bytes = [](std::string& bytes) {
    wire::Envelope e;
    ASSERT_TRUE(e.ParseFromString(bytes));
    e.mutable_update_offer()->add_manifests();
    bytes = wire::serialize(e);
  };
  const wire::Envelope on_link = update_check(t0);
  EXPECT_EQ(on_link.update_offer().manifests_size(), 1);
  EXPECT_FALSE(device.authentic(on_link));
}

TEST_F(fault_endpoint_test, an_edited_reply_outside_a_session_stays_unsealed) {
  faults.tamper_reply = [](wire::Envelope& reply) { reply.mutable_challenge()->set_nonce("evil"); };
  wire::Envelope ask = device.envelope();
  ask.mutable_challenge_request();
  const wire::Envelope reply = exchange(t0, ask);
  EXPECT_EQ(reply.challenge().nonce(), "evil");
  EXPECT_TRUE(reply.mac().empty());
  EXPECT_EQ(reply.session_id(), 0u);
}

TEST_F(fault_endpoint_test, offline_reaches_nothing_and_dropped_replies_were_handled) {
  wire::Envelope ask = device.envelope();
  ask.mutable_challenge_request();
  faults.offline = true;
  EXPECT_TRUE(send(t0, ask).empty());
  EXPECT_EQ(setup.service().counters().requests, 0u);
  EXPECT_EQ(faults.counters().offline_ignored, 1u);
  faults.offline = false;

  faults.drop_replies = true;
  EXPECT_TRUE(send(t0, ask).empty());
  EXPECT_EQ(setup.service().counters().requests, 1u);
  EXPECT_EQ(setup.service().attestation_totals().challenges_issued, 1u);
  EXPECT_EQ(faults.counters().replies_dropped, 1u);
  faults.drop_replies = false;

  EXPECT_TRUE(exchange(t0, ask).has_challenge());
  EXPECT_EQ(faults.counters().passed, 2u);
}

TEST_F(fault_endpoint_test, a_rogue_offer_goes_into_every_offer_and_its_chunks_are_served) {
  attest(t0);
  auto rogue = make_image(keys, wire::APP, "0.9.0", 1, 3 * test_chunk_bytes + 100);
  rogue.signed_manifest.clear_signature();  // anything at all: the service never saw it
  faults.offer(rogue);
  const wire::Envelope offer = update_check(t0);
  ASSERT_EQ(offer.update_offer().manifests_size(), 1);
  EXPECT_EQ(offer.update_offer().manifests(0).manifest(), rogue.signed_manifest.manifest());
  EXPECT_TRUE(offer.update_offer().manifests(0).signature().empty());
  EXPECT_TRUE(device.authentic(offer));

  std::string downloaded;
  for (std::uint32_t i = 0; i < rogue.chunks.size(); ++i) {
    const wire::Envelope c = chunk(t0, rogue.image_digest, i);
    ASSERT_TRUE(c.has_chunk());
    EXPECT_EQ(c.chunk().index(), i);
    EXPECT_TRUE(device.authentic(c));
    downloaded += c.chunk().data();
  }
  EXPECT_EQ(crypto::sha256(downloaded), rogue.image_digest);
  const wire::Envelope past_end = chunk(t0, rogue.image_digest, static_cast<std::uint32_t>(rogue.chunks.size()));
  EXPECT_EQ(past_end.error().code(), wire::ERROR_NOT_FOUND);
  EXPECT_EQ(faults.counters().rogue_offers, 1u);
  EXPECT_EQ(faults.counters().rogue_chunks, rogue.chunks.size());
  EXPECT_EQ(setup.service().counters().chunks_served, 0u);  // none of it came from the service
}

}  // namespace
}  // namespace fleet::testing
