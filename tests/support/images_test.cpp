// The fixed test keys, the synthetic signed images and the measurement chain
// that the world, the tests and the benchmarks build on.
#include <gtest/gtest.h>

#include "fleet/testing/evidence.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/test_keys.hpp"

namespace fleet::testing {
namespace {

TEST(support_keys, same_seed_same_keys_and_distinct_roles) {
  test_keys a(1), b(1), c(2);
  EXPECT_EQ(a.service_root.public_key_bytes, b.service_root.public_key_bytes);
  EXPECT_NE(a.service_root.public_key_bytes, c.service_root.public_key_bytes);
  EXPECT_NE(a.ca(1).public_key_bytes, a.ca(2).public_key_bytes);
  EXPECT_NE(a.image_key(1).public_key_bytes, a.image_key(2).public_key_bytes);
  EXPECT_NE(a.ca(1).public_key_bytes, a.image_key(1).public_key_bytes);
}

TEST(support_keys, device_config_trusts_image_key_one_unless_told) {
  test_keys keys(1);
  fw::config cfg = keys.make_device_config("thermostat", "rev-b");
  EXPECT_EQ(cfg.rom_keys.service_root_key, keys.service_root.public_key_bytes);
  ASSERT_EQ(cfg.rom_keys.image_signing_keys.size(), 1u);
  EXPECT_EQ(cfg.rom_keys.image_signing_keys[0].id, 1u);
  EXPECT_EQ(cfg.rom_keys.image_signing_keys[0].key, keys.image_key(1).public_key_bytes);
  EXPECT_EQ(cfg.product, "thermostat");
  EXPECT_EQ(cfg.hardware_revision, "rev-b");

  fw::config both = keys.make_device_config("thermostat", "rev-b", {1, 2});
  ASSERT_EQ(both.rom_keys.image_signing_keys.size(), 2u);
  EXPECT_EQ(both.rom_keys.image_signing_keys[1].key, keys.image_key(2).public_key_bytes);
}

TEST(support_images, factory_images_are_the_boot_chain_signed_by_key_one) {
  test_keys keys(1);
  auto images = factory_images(keys);
  ASSERT_EQ(images.size(), 4u);
  const wire::Component order[] = {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::APP};
  const std::uint64_t sizes[] = {16 * 1024, 16 * 1024, 64 * 1024, 32 * 1024};
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto& image = images[i];
    EXPECT_EQ(image.manifest.component(), order[i]);
    EXPECT_EQ(image.manifest.size_bytes(), sizes[i]);
    EXPECT_EQ(image.manifest.chunk_size_bytes(), test_chunk_bytes);
    EXPECT_EQ(image.manifest.product(), default_product);
    EXPECT_GT(image.manifest.expires_at_us(), default_epoch_us);
    EXPECT_TRUE(crypto::verify(image.signed_manifest.manifest(), image.signed_manifest.signature(),
                               keys.image_key(1).public_key_bytes));
    EXPECT_FALSE(crypto::verify(image.signed_manifest.manifest(), image.signed_manifest.signature(),
                                keys.image_key(2).public_key_bytes));
    EXPECT_EQ(crypto::sha256(image_content(image)), image.image_digest);
  }
  auto by_key_two = make_image(keys, wire::APP, "1.1.0", 2, 8192, 2);
  EXPECT_EQ(by_key_two.manifest.signing_key_id(), 2u);
  EXPECT_EQ(by_key_two.manifest.security_version(), 2u);
  EXPECT_EQ(by_key_two.chunks.size(), 2u);
  EXPECT_TRUE(crypto::verify(by_key_two.signed_manifest.manifest(), by_key_two.signed_manifest.signature(),
                             keys.image_key(2).public_key_bytes));
}

TEST(support_measurement, chain_extends_from_zero) {
  crypto::digest a = crypto::sha256("a"), b = crypto::sha256("b");
  EXPECT_EQ(measurement_chain({}), crypto::digest{});
  std::string first(32, '\0');
  first += crypto::as_view(a);
  EXPECT_EQ(measurement_chain({a}), crypto::sha256(first));
  EXPECT_EQ(measurement_chain({a, b}), extend_measurement(crypto::sha256(first), b));
  EXPECT_NE(measurement_chain({a, b}), measurement_chain({b, a}));
}

TEST(support_evidence, make_evidence_states_the_spec_and_measures_its_boot_list) {
  test_keys keys(1);
  const auto factory = factory_images(keys);
  evidence_spec spec;
  spec.nonce = std::string(32, 'n');
  spec.device_key = keys.image_key(2).public_key_bytes;
  spec.boot = stages_of(factory);
  spec.rollback_counters = {1, 1, 1, 1};
  const wire::Evidence ev = make_evidence(spec);
  ASSERT_EQ(ev.boot_size(), 4);
  std::vector<crypto::digest> digests;
  for (std::size_t i = 0; i < factory.size(); ++i) {
    EXPECT_EQ(ev.boot(static_cast<int>(i)).component(), factory[i].manifest.component());
    EXPECT_EQ(ev.boot(static_cast<int>(i)).manifest_digest(), crypto::to_string(factory[i].manifest_digest));
    digests.push_back(factory[i].manifest_digest);
  }
  EXPECT_EQ(ev.measurement_register(), crypto::to_string(measurement_chain(digests)));
  EXPECT_EQ(ev.nonce(), spec.nonce);
  EXPECT_EQ(ev.rollback_counters_size(), 4);

  const auto signer = keys.image_key(2);
  const wire::Envelope e = signed_evidence_envelope(crypto::derive_device_id(signer.public_key_bytes), 7, ev,
                                                    signer.secret_key_bytes);
  EXPECT_EQ(e.sequence(), 7u);
  EXPECT_TRUE(crypto::verify(e.evidence().evidence(), e.evidence().signature(), signer.public_key_bytes));
}

}  // namespace
}  // namespace fleet::testing
