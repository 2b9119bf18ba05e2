// A leaked image-signing key, answered by key rotation (product.md's attack
// table): the attacker's build signed with the leaked key installs until the
// device takes a trusted key store that revokes the key; afterwards it is
// refused, while the genuine images, signed again with the new key, still
// boot and install. The store comes with the certificate.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "world_checks.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/image.hpp"
#include "key_store.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::ran;
using testing::rejected;
using testing::attested;

// The attacker's build: an app above anything shipped, signed with the
// service's key `key_id` as the attacker holds it after the leak.
wire::built_image leaked_build(device_world& w, std::uint32_t key_id) {
  wire::image_spec spec = testing::image_spec_for(wire::APP, "9.0.0");
  spec.security_version = 9;
  spec.signing_key_id = key_id;
  const crypto::signing_key_pair* leaked = w.service().images().leaked_key(key_id);
  EXPECT_NE(leaked, nullptr);
  return wire::build_image(spec, wire::synthetic_image_content("leaked", spec.version, 32 * 1024),
                           leaked->secret_key_bytes);
}

// Revokes every key so far and waits for the device's next certificate,
// which brings the store (a reboot makes it come at once).
void rotate_and_take(device_world& w) {
  const std::uint32_t taken = w.firmware().stats().key_store_updates;
  ASSERT_TRUE(w.service().rotate_image_signing_key(w.now(), cloud::key_rotation::revoke_previous).ok());
  w.cut_power();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().key_store_updates > taken; }, 10min));
}

TEST(key_rotation, without_a_revocation_the_leaked_key_installs_the_attackers_build) {
  auto w = attested();
  const auto evil = leaked_build(*w, 1);
  w->faults().offer(evil);
  w->run_for(26h);
  EXPECT_TRUE(ran(*w, evil.image_digest));
  EXPECT_EQ(w->firmware().running_version(component::app), (wire::version{9, 0, 0}));
}

TEST(key_rotation, after_the_store_revokes_the_key_its_build_is_refused) {
  auto w = attested();
  rotate_and_take(*w);
  const auto evil = leaked_build(*w, 1);
  w->faults().offer(evil);
  w->run_for(26h);
  testing::expect_refused_on_its_manifest(*w, evil, reject_reason::revoked_signing_key);
}

// What the old key signed keeps booting and attesting; what the new key
// signs (a key the ROM never held) installs.
TEST(key_rotation, the_fleet_keeps_booting_and_takes_updates_signed_with_the_new_key) {
  auto w = attested();
  rotate_and_take(*w);
  EXPECT_TRUE(w->firmware().has_certificate());
  EXPECT_EQ(w->firmware().stats().boots, 2u);
  const auto app = w->publish(testing::make_image(w->keys(), wire::APP, "1.1.0", 2));
  EXPECT_EQ(app.manifest.signing_key_id(), 2u);
  w->run_for(26h);
  EXPECT_EQ(w->firmware().stats().updates_committed, 1u);
  EXPECT_EQ(w->firmware().running_version(component::app), (wire::version{1, 1, 0}));
  EXPECT_EQ(w->firmware().state(), device_state::running);
}

// The secure element keeps the store: after a power loss the device reads
// it back instead of taking it again, and the leaked key stays revoked.
TEST(key_rotation, the_store_survives_power_loss) {
  auto w = attested();
  rotate_and_take(*w);
  w->cut_power();
  ASSERT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, 10min));
  EXPECT_EQ(w->firmware().stats().key_store_updates, 1u);
  const auto evil = leaked_build(*w, 1);
  w->faults().offer(evil);
  w->run_for(26h);
  EXPECT_GT(rejected(*w, reject_reason::revoked_signing_key), 0u);
  EXPECT_FALSE(ran(*w, evil.image_digest));
}

// A store the service root did not sign fails the certificate reply with it.
TEST(key_rotation, a_forged_store_is_refused_with_the_reply_it_came_in) {
  auto w = attested();
  ASSERT_TRUE(w->service().rotate_image_signing_key(w->now(), cloud::key_rotation::revoke_previous).ok());
  const crypto::signing_key_pair forger = crypto::signing_key_from_seed(crypto::seed{});
  w->faults().tamper_reply = [&](wire::Envelope& reply) {
    if (!reply.has_certificate_issued()) return;
    auto* store = reply.mutable_certificate_issued()->mutable_key_store();
    wire::KeyStore body;
    body.ParseFromString(store->key_store());
    body.clear_revoked_key_ids();  // what a forger wants: the leaked key trusted again
    body.set_version(body.version() + 1);
    store->set_key_store(wire::serialize(body));
    store->set_signature(crypto::to_string(crypto::sign(store->key_store(), forger.secret_key_bytes)));
  };
  w->cut_power();
  w->run_for(10min);
  EXPECT_GT(rejected(*w, reject_reason::bad_signature), 0u);
  EXPECT_EQ(w->firmware().stats().key_store_updates, 0u);
  EXPECT_TRUE(w->device().secure_element().key_store().empty());
  EXPECT_FALSE(w->firmware().has_certificate());
}

// An older store replayed (which trusted a key revoked since) is not taken.
TEST(key_rotation, an_older_store_replayed_is_not_taken) {
  auto w = attested();
  ASSERT_TRUE(w->service().rotate_image_signing_key(w->now(), cloud::key_rotation::revoke_previous).ok());
  const wire::SignedKeyStore first = w->service().key_store();
  rotate_and_take(*w);  // store 2: keys 1 and 2 revoked
  w->faults().tamper_reply = [&](wire::Envelope& reply) {
    if (reply.has_certificate_issued()) *reply.mutable_certificate_issued()->mutable_key_store() = first;
  };
  w->cut_power();
  ASSERT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, 10min));
  const auto held = read_key_store(w->device().secure_element().key_store());
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->version, 2u);
  const auto evil = leaked_build(*w, 2);
  w->faults().offer(evil);
  w->run_for(26h);
  EXPECT_GT(rejected(*w, reject_reason::revoked_signing_key), 0u);
  EXPECT_FALSE(ran(*w, evil.image_digest));
}

}  // namespace
}  // namespace fleet::fw
