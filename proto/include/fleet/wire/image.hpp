#pragma once
// Building signed images: chunking, digests and the signed manifest. Used by
// whoever publishes images (the cloud's image service, tests, benchmarks).

#include <cstdint>
#include <string>
#include <vector>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"

namespace fleet::wire {

struct image_spec {
  Component component = APP;
  std::string image_name;
  std::string version;  ///< "major.minor.patch"
  std::string product;
  std::uint32_t security_version = 1;
  std::vector<std::string> hardware_revisions;  ///< empty: every revision
  std::int64_t expires_at_us = 0;
  std::uint32_t signing_key_id = 1;
  std::uint32_t chunk_size_bytes = 4096;
};

struct built_image {
  std::vector<std::string> chunks;  ///< the image bytes, split at chunk_size_bytes
  Manifest manifest;
  SignedManifest signed_manifest;
  crypto::digest image_digest{};
  crypto::digest manifest_digest{};  ///< SHA-256 of signed_manifest.manifest()
};

/// Deterministic pseudo-random content for a named image: the same name,
/// version and size always give the same bytes.
std::string synthetic_image_content(const std::string& image_name, const std::string& version,
                                    std::uint64_t size_bytes);

/// Splits `content`, hashes every chunk and the whole, and signs the manifest.
built_image build_image(const image_spec& spec, const std::string& content,
                        const crypto::secret_key& signing_key);

/// Re-signs an edited manifest (tests and attackers build variants this way).
SignedManifest sign_manifest(const Manifest& manifest, const crypto::secret_key& signing_key);

}  // namespace fleet::wire
