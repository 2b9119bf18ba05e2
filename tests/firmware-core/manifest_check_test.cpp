#include "manifest_check.hpp"

#include <gtest/gtest.h>

#include "fleet/wire/image.hpp"

namespace fleet::fw {
namespace {

crypto::signing_key_pair key(std::uint8_t n) {
  crypto::seed s{};
  s.fill(n);
  return crypto::signing_key_from_seed(s);
}

constexpr std::int64_t now_us = 1'000'000'000;

class manifest_check : public ::testing::Test {
 protected:
  manifest_check() {
    cfg.product = "thermostat";
    cfg.hardware_revision = "A";
    cfg.rom_keys.image_signing_keys.push_back({1, signer.public_key_bytes});
    ctx.cfg = &cfg;
    ctx.wall_time_us = now_us;
    ctx.rollback_counters[index_of(component::app)] = 2;
    ctx.installed[index_of(component::app)] = wire::version{1, 0, 0};
    spec.component = wire::APP;
    spec.image_name = "thermostat-app";
    spec.version = "1.1.0";
    spec.product = "thermostat";
    spec.security_version = 2;
    spec.hardware_revisions = {"A", "B"};
    spec.expires_at_us = now_us + 1000;
    spec.chunk_size_bytes = 1024;
  }

  wire::built_image build() {
    return wire::build_image(spec, wire::synthetic_image_content("app", spec.version, 4000),
                             signer.secret_key_bytes);
  }

  reject_reason check(const wire::SignedManifest& sm, manifest_purpose p = manifest_purpose::install) {
    verified_manifest out;
    return verify_manifest(sm, p, ctx, out);
  }

  crypto::signing_key_pair signer = key(1);
  config cfg;
  manifest_context ctx;
  wire::image_spec spec;
};

TEST_F(manifest_check, a_valid_manifest_passes_with_its_facts) {
  auto img = build();
  verified_manifest out;
  ASSERT_EQ(verify_manifest(img.signed_manifest, manifest_purpose::install, ctx, out), reject_reason::none);
  EXPECT_EQ(out.comp, component::app);
  EXPECT_EQ(out.version, (wire::version{1, 1, 0}));
  EXPECT_EQ(out.image_digest, img.image_digest);
  EXPECT_EQ(out.manifest_digest, img.manifest_digest);
}

TEST_F(manifest_check, unsigned_or_tampered_manifests_are_refused) {
  auto img = build();
  auto sm = img.signed_manifest;
  sm.clear_signature();
  EXPECT_EQ(check(sm), reject_reason::bad_signature);
  sm = img.signed_manifest;
  sm.mutable_manifest()->back() ^= 1;
  EXPECT_NE(check(sm), reject_reason::none);
  // Signed by a key the ROM does not hold, even with a trusted key id.
  EXPECT_EQ(check(wire::sign_manifest(img.manifest, key(9).secret_key_bytes)), reject_reason::bad_signature);
  auto other_id = img.manifest;
  other_id.set_signing_key_id(7);
  EXPECT_EQ(check(wire::sign_manifest(other_id, signer.secret_key_bytes)), reject_reason::unknown_signing_key);
}

// A key the trusted key store revokes installs nothing but still verifies
// what boots; a key only the store names is trusted like a ROM key.
TEST_F(manifest_check, the_key_store_revokes_for_install_and_adds_keys) {
  key_store store;
  store.version = 1;
  store.revoked = {1};
  store.keys.push_back({2, key(2).public_key_bytes});
  ctx.store = &store;
  auto img = build();
  EXPECT_EQ(check(img.signed_manifest), reject_reason::revoked_signing_key);
  EXPECT_EQ(check(img.signed_manifest, manifest_purpose::boot), reject_reason::none);
  auto by_store_key = img.manifest;
  by_store_key.set_signing_key_id(2);
  EXPECT_EQ(check(wire::sign_manifest(by_store_key, key(2).secret_key_bytes)), reject_reason::none);
  // Without the store, key 2 is unknown and key 1 installs.
  ctx.store = nullptr;
  EXPECT_EQ(check(wire::sign_manifest(by_store_key, key(2).secret_key_bytes)), reject_reason::unknown_signing_key);
  EXPECT_EQ(check(img.signed_manifest), reject_reason::none);
}

TEST_F(manifest_check, rollback_below_the_counter_is_refused) {
  spec.security_version = 1;
  EXPECT_EQ(check(build().signed_manifest), reject_reason::rollback);
  EXPECT_EQ(check(build().signed_manifest, manifest_purpose::boot), reject_reason::rollback);
}

TEST_F(manifest_check, stale_or_not_newer_manifests_are_refused_for_install_only) {
  spec.expires_at_us = now_us;
  EXPECT_EQ(check(build().signed_manifest), reject_reason::manifest_expired);
  // A booted image never expires: only installing it is refused.
  EXPECT_EQ(check(build().signed_manifest, manifest_purpose::boot), reject_reason::none);
  spec.expires_at_us = now_us + 1000;
  spec.version = "1.0.0";
  EXPECT_EQ(check(build().signed_manifest), reject_reason::not_newer);
}

TEST_F(manifest_check, product_and_hardware_must_match) {
  spec.product = "doorbell";
  EXPECT_EQ(check(build().signed_manifest), reject_reason::wrong_product);
  spec.product = "thermostat";
  spec.hardware_revisions = {"B"};
  EXPECT_EQ(check(build().signed_manifest), reject_reason::incompatible_hardware);
}

// The control of the product check (what a mirror's mix-and-match across
// products meets: rogue-image-and-mirror's doorbell build): the same signed
// doorbell manifest, refused by a thermostat, passes every check on a
// doorbell. Only the product differs, so the product check is what refuses it.
TEST_F(manifest_check, another_products_manifest_is_refused_only_for_its_product) {
  spec.product = "doorbell";
  spec.image_name = "doorbell-app";
  const auto doorbell = build();
  EXPECT_EQ(check(doorbell.signed_manifest), reject_reason::wrong_product);
  cfg.product = "doorbell";
  EXPECT_EQ(check(doorbell.signed_manifest), reject_reason::none);
}

TEST_F(manifest_check, size_and_chunking_must_agree_and_stay_bounded) {
  auto img = build();
  auto m = img.manifest;
  m.set_size_bytes(m.size_bytes() * 4);  // claims more than its chunks cover
  EXPECT_EQ(check(wire::sign_manifest(m, signer.secret_key_bytes)), reject_reason::bad_size);
  m = img.manifest;
  m.set_chunk_size_bytes(16);
  EXPECT_EQ(check(wire::sign_manifest(m, signer.secret_key_bytes)), reject_reason::bad_size);
  m = img.manifest;
  m.set_size_bytes(0);
  EXPECT_EQ(check(wire::sign_manifest(m, signer.secret_key_bytes)), reject_reason::bad_size);
  m = img.manifest;
  m.set_image_digest("short");
  EXPECT_EQ(check(wire::sign_manifest(m, signer.secret_key_bytes)), reject_reason::malformed);
}

TEST_F(manifest_check, legacy_firmware_only_for_guardians) {
  spec.component = wire::LEGACY_FIRMWARE;
  EXPECT_EQ(check(build().signed_manifest), reject_reason::malformed);
  cfg.guardian = true;
  EXPECT_EQ(check(build().signed_manifest), reject_reason::none);
}

TEST_F(manifest_check, chunk_sizes_follow_the_signed_size) {
  auto img = build();
  EXPECT_EQ(chunk_bytes(img.manifest, 0), 1024u);
  EXPECT_EQ(chunk_bytes(img.manifest, 3), 4000u - 3 * 1024);
  EXPECT_EQ(chunk_bytes(img.manifest, 4), 0u);
}

}  // namespace
}  // namespace fleet::fw
