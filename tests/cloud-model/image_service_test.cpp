#include "fleet/cloud/image_service.hpp"

#include <gtest/gtest.h>

#include "fleet/wire/limits.hpp"

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

image_service make_service(std::uint64_t seed = 3, image_service_limits limits = {}) {
  return image_service(crypto::random_stream(seed, 0, "image-keys"), limits);
}

wire::image_spec app_spec(const std::string& version = "1.2.3") {
  wire::image_spec spec;
  spec.component = wire::APP;
  spec.image_name = "thermostat-app";
  spec.version = version;
  spec.product = "thermostat";
  spec.expires_at_us = 4'000'000'000'000'000;
  spec.chunk_size_bytes = 1024;
  return spec;
}

std::string content(std::size_t size, const std::string& version = "1.2.3") {
  return wire::synthetic_image_content("thermostat-app", version, size);
}

crypto::public_key key_with_id(const image_service& s, std::uint32_t id) {
  for (const auto& k : s.trusted_keys())
    if (k.id == id) return k.key;
  ADD_FAILURE() << "no key " << id;
  return {};
}

bool verifies(const image_service& s, const wire::SignedManifest& m, std::uint32_t key_id) {
  return crypto::verify(m.manifest(), m.signature(), key_with_id(s, key_id));
}

TEST(image_service, upload_signs_and_stores_once_per_image) {
  auto service = make_service();
  const std::string bytes = content(5000);
  const upload_result r = service.upload(sim_time{1s}, app_spec(), bytes);
  ASSERT_TRUE(r.ok()) << name_of(r.refusal);
  EXPECT_FALSE(r.duplicate);
  EXPECT_EQ(r.image_id, crypto::sha256(bytes));
  const stored_image* image = service.find(r.image_id);
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->manifest.signing_key_id(), 1u);
  EXPECT_EQ(image->manifest.size_bytes(), 5000u);
  EXPECT_EQ(image->manifest.version(), "1.2.3");
  EXPECT_TRUE(verifies(service, *service.manifest(r.image_id), 1));
  ASSERT_EQ(image->chunks.size(), 5u);
  EXPECT_EQ(*service.chunk(r.image_id, 0), bytes.substr(0, 1024));
  EXPECT_EQ(*service.chunk(r.image_id, 4), bytes.substr(4096));
  EXPECT_EQ(service.chunk(r.image_id, 5), nullptr);
  EXPECT_EQ(service.chunk(crypto::digest{}, 0), nullptr);
  EXPECT_EQ(service.manifest(crypto::digest{}), nullptr);
  // Chunks are handed out by reference: the same storage every time.
  EXPECT_EQ(service.chunk(r.image_id, 1), service.chunk(r.image_id, 1));
  EXPECT_EQ(service.stored_bytes(), 5000u);
}

TEST(image_service, the_same_upload_again_returns_the_same_id) {
  auto service = make_service();
  const auto first = service.upload(sim_time{0}, app_spec(), content(3000));
  const auto again = service.upload(sim_time{1s}, app_spec(), content(3000));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.image_id, first.image_id);
  EXPECT_EQ(service.images(), 1u);
  EXPECT_EQ(service.counters().duplicates, 1u);
  // Same bytes, another release: refused, the stored image is immutable.
  const auto other = service.upload(sim_time{1s}, app_spec("1.2.4"), content(3000));
  EXPECT_EQ(other.refusal, upload_refusal::conflict);
  EXPECT_EQ(service.find(first.image_id)->manifest.version(), "1.2.3");
}

TEST(image_service, refusals) {
  auto service = make_service();
  auto refused = [&](wire::image_spec spec, const std::string& bytes) {
    return service.upload(sim_time{0}, spec, bytes).refusal;
  };
  EXPECT_EQ(refused(app_spec(), ""), upload_refusal::empty_image);
  // One byte over the size limit (filled, not random: no need to hash it).
  EXPECT_EQ(refused(app_spec(), std::string(wire::image_bytes_max + 1, 'x')), upload_refusal::image_too_large);
  auto spec = app_spec();
  spec.chunk_size_bytes = wire::chunk_bytes_min - 1;
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_chunk_size);
  spec.chunk_size_bytes = wire::chunk_bytes_max + 1;
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_chunk_size);
  spec.chunk_size_bytes = wire::chunk_bytes_min;
  EXPECT_EQ(refused(spec, std::string(std::size_t{wire::chunk_bytes_min} * wire::image_chunks_max + 1, 'x')),
            upload_refusal::too_many_chunks);
  EXPECT_EQ(refused(app_spec("1.2"), content(100)), upload_refusal::bad_version);
  EXPECT_EQ(refused(app_spec("1.2.3-rc1"), content(100)), upload_refusal::bad_version);
  spec = app_spec();
  spec.image_name = std::string(wire::name_bytes_max + 1, 'n');
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_name);
  spec = app_spec();
  spec.product = "";
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_name);
  spec = app_spec();
  spec.component = wire::COMPONENT_UNSPECIFIED;
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_component);
  spec = app_spec();
  spec.hardware_revisions.assign(wire::hardware_revisions_max + 1, "rev-a");
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_hardware_revisions);
  spec.hardware_revisions = {""};
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_hardware_revisions);
  spec = app_spec();
  spec.expires_at_us = 0;
  EXPECT_EQ(refused(spec, content(100)), upload_refusal::bad_expiry);
  EXPECT_EQ(service.images(), 0u);
  EXPECT_EQ(service.counters().refused[static_cast<std::size_t>(upload_refusal::bad_chunk_size)], 2u);

  // The largest image that fits the limits is taken.
  spec = app_spec();
  spec.chunk_size_bytes = wire::chunk_bytes_max;
  EXPECT_TRUE(service.upload(sim_time{0}, spec, std::string(wire::image_bytes_max, 'y')).ok());
}

TEST(image_service, the_store_is_bounded) {
  image_service_limits limits;
  limits.images_max = 2;
  limits.stored_bytes_max = 10'000;
  auto service = make_service(3, limits);
  EXPECT_TRUE(service.upload(sim_time{0}, app_spec("1.0.0"), content(4000, "1.0.0")).ok());
  EXPECT_EQ(service.upload(sim_time{0}, app_spec("1.0.1"), content(7000, "1.0.1")).refusal,
            upload_refusal::store_full);  // bytes
  EXPECT_TRUE(service.upload(sim_time{0}, app_spec("1.0.2"), content(4000, "1.0.2")).ok());
  EXPECT_EQ(service.upload(sim_time{0}, app_spec("1.0.3"), content(100, "1.0.3")).refusal,
            upload_refusal::store_full);  // count
}

TEST(image_service, rotation_signs_new_images_with_the_new_key_and_keeps_old_signatures) {
  auto service = make_service();
  const auto old_image = service.upload(sim_time{0}, app_spec("1.0.0"), content(2000, "1.0.0"));
  EXPECT_EQ(service.rotate_signing_key(sim_time{1h}), rotate_result::rotated);
  EXPECT_EQ(service.current_key_id(), 2u);
  const auto new_image = service.upload(sim_time{2h}, app_spec("1.1.0"), content(2000, "1.1.0"));

  const auto& old_manifest = *service.manifest(old_image.image_id);
  const auto& new_manifest = *service.manifest(new_image.image_id);
  EXPECT_EQ(service.find(old_image.image_id)->manifest.signing_key_id(), 1u);
  EXPECT_EQ(service.find(new_image.image_id)->manifest.signing_key_id(), 2u);
  EXPECT_TRUE(verifies(service, old_manifest, 1));
  EXPECT_FALSE(verifies(service, old_manifest, 2));
  EXPECT_TRUE(verifies(service, new_manifest, 2));
  EXPECT_FALSE(verifies(service, new_manifest, 1));

  const auto keys = service.trusted_keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_NE(keys[0].key, keys[1].key);
  EXPECT_EQ(keys[1].created_at, sim_time{1h});
}

// The answer to a leaked key: the old key leaves the trusted set and every
// stored image is signed again with the new one, content and ID unchanged.
TEST(image_service, a_revoking_rotation_signs_every_stored_image_again) {
  auto service = make_service();
  const auto image = service.upload(sim_time{0}, app_spec("1.0.0"), content(2000, "1.0.0"));
  const stored_image before = *service.find(image.image_id);
  const crypto::public_key leaked = key_with_id(service, 1);
  EXPECT_EQ(service.rotate_signing_key(sim_time{1h}, key_rotation::revoke_previous), rotate_result::rotated);

  const stored_image& after = *service.find(image.image_id);
  EXPECT_EQ(after.manifest.signing_key_id(), 2u);
  EXPECT_TRUE(verifies(service, after.signed_manifest, 2));
  EXPECT_NE(after.manifest_digest, before.manifest_digest);
  EXPECT_EQ(after.manifest_digest, crypto::sha256(after.signed_manifest.manifest()));
  EXPECT_EQ(after.manifest.image_digest(), before.manifest.image_digest());
  EXPECT_EQ(after.chunks, before.chunks);

  ASSERT_EQ(service.trusted_keys().size(), 1u);
  EXPECT_EQ(service.trusted_keys()[0].id, 2u);
  EXPECT_EQ(service.revoked_key_ids(), (std::vector<std::uint32_t>{1}));
  // What the leak handed over is still the key it was.
  ASSERT_NE(service.leaked_key(1), nullptr);
  EXPECT_EQ(service.leaked_key(1)->public_key_bytes, leaked);
  EXPECT_EQ(service.leaked_key(9), nullptr);
}

TEST(image_service, keys_follow_the_seed_and_are_bounded) {
  EXPECT_EQ(make_service(1).trusted_keys()[0].key, make_service(1).trusted_keys()[0].key);
  EXPECT_NE(make_service(1).trusted_keys()[0].key, make_service(2).trusted_keys()[0].key);
  image_service_limits limits;
  limits.signing_keys_max = 2;
  auto service = make_service(1, limits);
  EXPECT_EQ(service.rotate_signing_key(sim_time{0}), rotate_result::rotated);
  EXPECT_EQ(service.rotate_signing_key(sim_time{0}), rotate_result::too_many_keys);
  EXPECT_EQ(service.current_key_id(), 2u);
  EXPECT_STREQ(name_of(upload_refusal::too_many_chunks), "too_many_chunks");
}

}  // namespace
}  // namespace fleet::cloud
