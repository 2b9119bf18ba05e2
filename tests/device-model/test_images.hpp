#pragma once
// Images for device-model tests: signed with a fixed test key, deterministic.

#include <cstdint>
#include <string>

#include "fleet/crypto/crypto.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::device::testing {

inline const crypto::signing_key_pair& test_signing_key() {
  static const crypto::signing_key_pair key = crypto::signing_key_from_seed(crypto::seed{7});
  return key;
}

inline wire::built_image make_image(const std::string& name, const std::string& version,
                                    std::uint64_t size_bytes, std::uint32_t chunk_bytes = 1024,
                                    wire::Component component = wire::APP) {
  wire::image_spec spec;
  spec.component = component;
  spec.image_name = name;
  spec.version = version;
  spec.product = "thermostat";
  spec.chunk_size_bytes = chunk_bytes;
  return wire::build_image(spec, wire::synthetic_image_content(name, version, size_bytes),
                           test_signing_key().secret_key_bytes);
}

/// Same spec, explicit content (to make images that share chunks).
inline wire::built_image make_image_from(const std::string& name, const std::string& version,
                                         const std::string& content,
                                         std::uint32_t chunk_bytes = 1024) {
  wire::image_spec spec;
  spec.image_name = name;
  spec.version = version;
  spec.product = "thermostat";
  spec.chunk_size_bytes = chunk_bytes;
  return wire::build_image(spec, content, test_signing_key().secret_key_bytes);
}

}  // namespace fleet::device::testing
