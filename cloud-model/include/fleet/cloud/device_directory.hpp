#pragma once
// What the attestation verifier and the session table need to know about a
// device, as a function: they do not depend on how the registry stores it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "fleet/cloud/types.hpp"
#include "fleet/crypto/crypto.hpp"

namespace fleet::cloud {

/// Opaque network location a message came from (the link or node), given by
/// the host. Used only to notice one identity used from two places at once.
using source_id = std::uint64_t;

/// A registered device as the registry knows it.
struct registered_device {
  device_index index = 0;    ///< dense registry index: per-device state is a flat array
  crypto::public_key key{};  ///< the device key registered for this ID
  std::string_view product;  ///< product name; valid until the registry next changes
};

/// "Registered key and product of device ID": nullopt when the ID is not registered.
using device_lookup = std::function<std::optional<registered_device>(const crypto::device_id&)>;

}  // namespace fleet::cloud
