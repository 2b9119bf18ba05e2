// Session requests: the honest request authenticated and its reply sealed so
// the device accepts it; forged, replayed, expired, foreign and cloned
// requests refused.
#include "fleet/cloud/session_table.hpp"

#include <gtest/gtest.h>

#include "attestation_fixture.hpp"

namespace fleet::cloud::testing {
namespace {

constexpr sim_time t0{1'000'000};
constexpr source_id home = 7;
constexpr source_id elsewhere = 9;

struct session_world : attestation_world {
  /// Alice attested at t0 from home and holds a session.
  explicit session_world(session_limits limits = {}) : attestation_world({}, limits) {
    EXPECT_TRUE(attest(alice, t0, home).ok());
  }
};

TEST(session_table, honest_request_is_authenticated_and_its_reply_sealed) {
  session_world w;
  auto request = w.alice.session_request();
  auto auth = w.sessions.authenticate(t0 + 1s, request, home);
  ASSERT_TRUE(auth.ok()) << name_of(auth.failure);
  EXPECT_EQ(auth.device, 0u);

  wire::Envelope reply;
  reply.set_device_id(request.device_id());
  reply.set_sequence(request.sequence());
  reply.mutable_update_offer();
  w.sessions.seal(reply, auth.device);
  // What the device checks (firmware-core on_message).
  EXPECT_EQ(reply.session_id(), w.alice.session_id);
  EXPECT_TRUE(crypto::verify_mac(wire::mac_input(reply), reply.mac(), w.alice.session_key));
  reply.mutable_update_offer()->add_manifests();
  EXPECT_FALSE(crypto::verify_mac(wire::mac_input(reply), reply.mac(), w.alice.session_key));
}

TEST(session_table, bad_mac_is_refused) {
  session_world w;
  auto request = w.alice.session_request();
  request.mutable_update_check()->set_product("toaster");  // altered after the MAC
  EXPECT_EQ(w.sessions.authenticate(t0, request, home).failure, auth_failure::bad_mac);
  EXPECT_TRUE(w.sessions.authenticate(t0, w.alice.session_request(), home).ok());
}

TEST(session_table, replayed_sequence_is_refused) {
  session_world w;
  auto request = w.alice.session_request();
  EXPECT_TRUE(w.sessions.authenticate(t0, request, home).ok());
  EXPECT_EQ(w.sessions.authenticate(t0, request, home).failure, auth_failure::replay);
  // A replay from elsewhere is still a replay: only the key holder can be flagged.
  EXPECT_EQ(w.sessions.authenticate(t0, request, elsewhere).failure, auth_failure::replay);
  EXPECT_TRUE(w.sessions.clones().pending().empty());
  EXPECT_TRUE(w.sessions.authenticate(t0, w.alice.session_request(), home).ok());
}

TEST(session_table, expired_session_is_refused) {
  session_world w;
  EXPECT_TRUE(w.sessions.authenticate(t0 + 24h - 1us, w.alice.session_request(), home).ok());
  EXPECT_EQ(w.sessions.authenticate(t0 + 24h, w.alice.session_request(), home).failure,
            auth_failure::session_expired);
  EXPECT_EQ(w.sessions.live_sessions(), 0u);
}

TEST(session_table, session_of_another_device_is_refused) {
  session_world w;
  // Alice MACs a request in Bob's name with her own session.
  auto request = w.alice.session_request();
  request.set_device_id(crypto::to_string(w.bob.id));
  request.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(request), w.alice.session_key)));
  EXPECT_EQ(w.sessions.authenticate(t0, request, home).failure, auth_failure::wrong_device);
  EXPECT_TRUE(w.sessions.authenticate(t0, w.alice.session_request(), home).ok());
}

TEST(session_table, replaced_unknown_and_missing_sessions_are_refused) {
  session_world w;
  const std::uint64_t old_id = w.alice.session_id;
  const crypto::seed old_key = w.alice.session_key;
  ASSERT_TRUE(w.attest(w.alice, t0 + 1min, home).ok());
  EXPECT_NE(w.alice.session_id, old_id);
  test_device stale = w.alice;
  stale.session_id = old_id;
  stale.session_key = old_key;
  EXPECT_EQ(w.sessions.authenticate(t0 + 1min, stale.session_request(), home).failure,
            auth_failure::unknown_session);
  auto none = w.alice.session_request();
  none.set_session_id(0);
  EXPECT_EQ(w.sessions.authenticate(t0 + 1min, none, home).failure, auth_failure::no_session);
  EXPECT_TRUE(w.sessions.authenticate(t0 + 1min, w.alice.session_request(), home).ok());
  EXPECT_EQ(w.sessions.counters().replaced, 1u);
}

TEST(session_table, requests_from_two_sources_in_one_session_are_flagged) {
  session_world w;
  EXPECT_TRUE(w.sessions.authenticate(t0, w.alice.session_request(), home).ok());
  EXPECT_EQ(w.sessions.authenticate(t0, w.alice.session_request(), elsewhere).failure,
            auth_failure::cloned_identity);
  ASSERT_EQ(w.sessions.clones().pending().size(), 1u);
  EXPECT_EQ(w.sessions.clones().pending()[0].id, w.alice.id);
  EXPECT_EQ(w.sessions.clones().pending()[0].how, clone_signal::session_source_changed);
  // The session is over for both.
  EXPECT_EQ(w.sessions.authenticate(t0, w.alice.session_request(), home).failure,
            auth_failure::unknown_session);
}

TEST(session_table, live_sessions_are_bounded_and_recover_after_expiry) {
  session_limits limits;
  limits.sessions_max = 1;
  session_world w(limits);  // Alice holds the one session
  auto bob = w.verifier.verify(t0, w.bob.evidence(w.challenge(w.bob, t0)), elsewhere);
  ASSERT_TRUE(bob.ok());
  auto refused = w.sessions.open(t0, bob.facts.device, elsewhere, bob.facts.session_public_key,
                                 t0 + 24h, 1, w.random);
  EXPECT_EQ(refused.refusal, open_refusal::sessions_max);
  // Alice replacing her own session needs no room.
  EXPECT_TRUE(w.attest(w.alice, t0 + 1h, home).ok());
  auto later = w.sessions.open(t0 + 1h + 24h, bob.facts.device, elsewhere,
                               bob.facts.session_public_key, t0 + 48h, 1, w.random);
  EXPECT_TRUE(later.ok());
  EXPECT_EQ(w.sessions.live_sessions(), 1u);
}

// A device keeps its X25519 share for a boot: the service answers it with
// the half it gave before, without an X25519, under a new session ID and
// key. A new share gets a new half.
TEST(session_table, a_share_seen_before_is_answered_with_the_same_half_and_a_new_key) {
  session_world w;
  const auto device_share = crypto::exchange_key_from_secret(seed_of(200));
  auto open = [&](sim_time at) {
    return w.sessions.open(at, 1, elsewhere, device_share.public_key_bytes, at + 24h, 1, w.random);
  };
  const auto first = open(t0);
  ASSERT_TRUE(first.ok());
  const auto before = crypto::counted_ops();
  const auto renewal = open(t0 + 20h);
  ASSERT_TRUE(renewal.ok());
  EXPECT_EQ((crypto::counted_ops() - before).key_exchanges, 0u);
  EXPECT_EQ(renewal.service_public_key, first.service_public_key);
  EXPECT_NE(renewal.id, first.id);

  // Both sides arrive at the renewal's key from the shares alone.
  crypto::seed device_key{};
  ASSERT_TRUE(crypto::derive_session_key(device_share.secret_key_bytes, device_share.public_key_bytes,
                                         renewal.service_public_key, true, renewal.id, device_key));
  wire::Envelope reply;
  reply.set_sequence(2);
  w.sessions.seal(reply, 1);
  EXPECT_TRUE(crypto::verify_mac(wire::mac_input(reply), reply.mac(), device_key));

  const auto next_boot = crypto::exchange_key_from_secret(seed_of(201));
  const auto fresh = w.sessions.open(t0 + 30h, 1, elsewhere, next_boot.public_key_bytes, t0 + 54h, 1, w.random);
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh.service_public_key, first.service_public_key);
}

TEST(session_table, low_order_session_key_is_refused) {
  session_world w;
  const crypto::public_key zero{};
  EXPECT_EQ(w.sessions.open(t0, 1, home, zero, t0 + 24h, 1, w.random).refusal,
            open_refusal::bad_session_key);
}

}  // namespace
}  // namespace fleet::cloud::testing
