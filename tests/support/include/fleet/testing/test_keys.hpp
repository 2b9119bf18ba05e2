#pragma once
// Fixed-seed keys of a whole test platform: the service root (a security
// service made with it is the one device ROMs trust), two tenant CAs and two
// image-signing keys for what tests sign on their own (device-side builds,
// certificates re-issued by an attacker or a test's own CA). The same seed
// always gives the same keys.

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/config.hpp"

namespace fleet::testing {

/// Tenant CAs and image-signing keys are numbered 1..key_slots.
inline constexpr std::uint32_t key_slots = 2;

struct test_keys {
  /// Derives every key from `seed` (crypto::random_stream(seed, 0, "test-keys")).
  explicit test_keys(std::uint64_t seed = 1);

  crypto::signing_key_pair service_root;              ///< vouches for tenant CAs; in device ROM
  crypto::signing_key_pair tenant_ca[key_slots];      ///< ids 1 and 2
  crypto::signing_key_pair image_signing[key_slots];  ///< ids 1 and 2

  /// Tenant CA `id` (1 or 2); any other id is a broken test and aborts.
  const crypto::signing_key_pair& ca(std::uint32_t id) const;
  /// Image-signing key `id` (1 or 2); any other id aborts.
  const crypto::signing_key_pair& image_key(std::uint32_t id) const;

  /// A device config whose ROM holds the service root key and the
  /// image-signing keys `trusted_image_keys` (by default only key 1).
  fw::config make_device_config(std::string product, std::string hardware_revision,
                                const std::vector<std::uint32_t>& trusted_image_keys = {1}) const;
};

}  // namespace fleet::testing
