#pragma once
// The cloud's view of measured boot: what register a boot list must yield
// and which boot lists are well-formed. Mirrors what the secure element and
// the boot code do on the device.

#include <cstddef>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"

namespace fleet::cloud {

/// register' = SHA-256(register || manifest digest), starting from 32 zero
/// bytes. `digests` holds `count` manifest digests in boot order.
crypto::digest measurement_chain(const crypto::digest* digests, std::size_t count);

/// Bootloader, security monitor and OS, in that order, then optionally the
/// app: the OS runs without an app and can take a fixing update.
bool boot_chain_well_formed(const google::protobuf::RepeatedPtrField<wire::MeasuredComponent>& boot);

}  // namespace fleet::cloud
