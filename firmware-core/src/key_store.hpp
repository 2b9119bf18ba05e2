#pragma once
// The trusted key store: image-signing keys a device trusts beyond its
// ROM's, and the ones it no longer trusts for installs (a leaked key
// answered by rotation). The service root key in ROM signs it and versions
// only go up. The secure element keeps the newest one the firmware
// verified, so it survives power loss and is not verified again at boot.
//
// Revocation governs installs. An image installed under a key that is
// revoked later still boots until an update replaces it: revoking at boot
// would brick every device whose software the leaked key once signed. The
// service signs its stored images again with the new key, so that the
// replacing update can come.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/fw/reject_reason.hpp"

namespace fleet::fw {

struct key_store {
  std::uint32_t version = 0;
  std::vector<trusted_signing_key> keys;
  std::vector<std::uint32_t> revoked;

  bool revokes(std::uint32_t id) const;
  /// A key the store adds; null when it does not name `id`.
  const crypto::public_key* find(std::uint32_t id) const;
};

/// The store inside serialized SignedKeyStore bytes, without verifying the
/// signature: only for what the secure element holds (verified when taken).
std::optional<key_store> read_key_store(std::string_view signed_store_bytes);

/// Parses a signed store and verifies it against the ROM's service root.
reject_reason verify_key_store(const wire::SignedKeyStore& signed_store, const crypto::public_key& service_root,
                               key_store& out);

}  // namespace fleet::fw
