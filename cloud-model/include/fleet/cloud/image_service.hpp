#pragma once
// The image service: images are uploaded once, validated, signed by the
// service with its current image-signing key and never changed afterwards.
// Devices fetch the signed manifest and the chunks by image digest, which is
// the image's ID.
//
// Storage is per image: the chunks are kept once and handed out by
// reference, however many devices download them. Total bytes and image
// count are bounded.
//
// Key rotation makes a new signing key current. Kept, the old key stays in
// trusted_keys() and images signed before keep their signature: devices
// whose ROM holds both keys accept both. Revoked (the answer to a leaked
// key), it leaves trusted_keys() and every stored image is signed again with
// the new key: the same content and ID under a new manifest. Devices learn
// of the revocation through the trusted key store the security service
// signs (security_service::rotate_image_signing_key).

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"
#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::cloud {

struct image_service_limits {
  std::uint64_t stored_bytes_max = 4ull << 30;  ///< sum of image sizes kept
  std::size_t images_max = 10'000;
  std::size_t signing_keys_max = 16;  ///< a device ROM holds a few keys, not many
};

enum class upload_refusal : std::uint8_t {
  none,
  empty_image,
  image_too_large,        ///< over wire::image_bytes_max
  bad_chunk_size,         ///< outside [chunk_bytes_min, chunk_bytes_max]
  too_many_chunks,        ///< over wire::image_chunks_max
  bad_version,            ///< not "major.minor.patch"
  bad_name,               ///< image name or product empty or over wire::name_bytes_max
  bad_component,
  bad_hardware_revisions, ///< too many, or one empty or too long
  bad_expiry,             ///< expires_at_us not positive: every device would refuse it
  conflict,               ///< same content already uploaded under another spec
  store_full,             ///< images_max or stored_bytes_max reached
  count_
};
inline constexpr std::size_t upload_refusal_count = static_cast<std::size_t>(upload_refusal::count_);

struct upload_result {
  upload_refusal refusal = upload_refusal::none;
  crypto::digest image_id{};  ///< the image digest; valid when ok()
  bool duplicate = false;     ///< the same upload was made before: nothing stored
  bool ok() const { return refusal == upload_refusal::none; }
};

struct stored_image {
  wire::SignedManifest signed_manifest;
  wire::Manifest manifest;
  crypto::digest manifest_digest{};  ///< SHA-256 of signed_manifest.manifest()
  std::vector<std::string> chunks;
  sim_time uploaded_at{0};
};

/// A stored image as the device side holds images (factory provisioning,
/// the chunk store).
wire::built_image built_image_of(const stored_image& image);

struct trusted_image_key {
  std::uint32_t id = 0;
  crypto::public_key key{};
  sim_time created_at{0};
};

enum class rotate_result : std::uint8_t { rotated, too_many_keys };
enum class key_rotation : std::uint8_t { keep_previous, revoke_previous };

struct image_service_counters {
  std::uint64_t uploads = 0;     ///< new images stored
  std::uint64_t duplicates = 0;
  std::array<std::uint64_t, upload_refusal_count> refused{};
  std::uint64_t rotations = 0;
};

class image_service {
 public:
  /// The first signing key (id 1) is made at construction from `keys`.
  explicit image_service(crypto::random_stream keys, image_service_limits limits = {});

  /// Validates and signs an image. The service sets spec.signing_key_id.
  upload_result upload(sim_time now, const wire::image_spec& spec, const std::string& content);

  /// The image with this digest; null when unknown.
  const stored_image* find(const crypto::digest& image_id) const;
  const wire::SignedManifest* manifest(const crypto::digest& image_id) const;
  /// A chunk by index; null for an unknown image or an index past the end.
  const std::string* chunk(const crypto::digest& image_id, std::uint32_t index) const;

  /// A new signing key becomes current; earlier keys stay trusted, or are
  /// revoked and the stored images signed again with the new key.
  rotate_result rotate_signing_key(sim_time now, key_rotation how = key_rotation::keep_previous);
  std::uint32_t current_key_id() const { return keys_.back().id; }
  /// Every signing key not revoked, with its id, for device ROM configs.
  std::vector<trusted_image_key> trusted_keys() const;
  std::vector<std::uint32_t> revoked_key_ids() const;
  /// What a leak of key `id` hands an attacker; null for an unknown id.
  /// Only simulated attackers ask.
  const crypto::signing_key_pair* leaked_key(std::uint32_t id) const;
  /// Every stored image, in image ID order.
  std::vector<const stored_image*> all() const;

  std::size_t images() const { return images_.size(); }
  std::uint64_t stored_bytes() const { return stored_bytes_; }
  const image_service_counters& counters() const { return counters_; }

  /// Its keys and counters, for a snapshot; each image is saved on its own
  /// (save_image, in all() order): images are large (image_service_state.cpp).
  void save(state::ImageServiceState& out) const;
  static void save_image(const stored_image& image, state::StoredImage& out);
  /// Takes saved keys and counters into a service fresh from construction (same limits).
  restore_status restore(const state::ImageServiceState& in);
  /// Takes back one saved image, after restore().
  restore_status restore_image(const state::StoredImage& in);

 private:
  struct signing_key {
    std::uint32_t id = 0;
    crypto::signing_key_pair pair;
    sim_time created_at{0};
    bool revoked = false;
  };

  static upload_refusal validate(const wire::image_spec& spec, const std::string& content);
  static bool same_release(const wire::Manifest& stored, const wire::image_spec& spec);
  void add_key(sim_time now);
  /// The image's manifest signed anew with the current key.
  void sign_again(stored_image& image);
  upload_result refuse(upload_refusal why);

  crypto::random_stream key_seeds_;
  image_service_limits limits_;
  std::vector<signing_key> keys_;  ///< the last one is current
  std::map<crypto::digest, stored_image> images_;
  std::uint64_t stored_bytes_ = 0;
  image_service_counters counters_;
};

const char* name_of(upload_refusal r);

}  // namespace fleet::cloud
