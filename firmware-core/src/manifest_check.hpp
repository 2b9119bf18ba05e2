#pragma once
// Verification of a signed manifest against the device's trust anchors and
// state. The same checks guard an offer, a resumed download and a boot;
// `purpose` selects the ones that apply (expiry and "newer than installed"
// only make sense before an install: a booted image must not expire).

#include <array>
#include <cstdint>
#include <optional>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/fw/reject_reason.hpp"
#include "fleet/wire/version.hpp"
#include "key_store.hpp"

namespace fleet::fw {

enum class manifest_purpose : std::uint8_t { install, boot };

struct verified_manifest {
  wire::Manifest manifest;
  component comp = component::app;
  wire::version version{};
  crypto::digest manifest_digest{};  ///< SHA-256 of the signed manifest bytes
  crypto::digest image_digest{};
};

struct manifest_context {
  const config* cfg = nullptr;
  const key_store* store = nullptr;  ///< the trusted key store taken; null: ROM keys only
  std::int64_t wall_time_us = 0;  ///< device clock, for expiry
  std::array<std::uint32_t, component_count> rollback_counters{};
  /// install: the manifest's version must be above the installed one.
  std::array<std::optional<wire::version>, component_count> installed{};
};

/// Parses and checks a signed manifest. The result or why it was refused.
reject_reason verify_manifest(const wire::SignedManifest& signed_manifest, manifest_purpose purpose,
                              const manifest_context& ctx, verified_manifest& out);
/// As above, from the serialized SignedManifest bytes (a slot header).
reject_reason verify_manifest_bytes(std::string_view signed_manifest_bytes, manifest_purpose purpose,
                                    const manifest_context& ctx, verified_manifest& out);

/// Expected size of chunk `index` of a checked manifest.
std::uint64_t chunk_bytes(const wire::Manifest& m, std::uint32_t index);

}  // namespace fleet::fw
