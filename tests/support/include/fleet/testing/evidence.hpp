#pragma once
// Attestation evidence built by hand, as firmware-core's on_challenge builds
// it: for tests and benchmarks that play a device's side without a device.

#include <cstdint>
#include <string>
#include <vector>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::testing {

/// One step of the measurement chain: SHA-256(register || manifest_digest).
crypto::digest extend_measurement(const crypto::digest& register_value, const crypto::digest& manifest_digest);
/// The register after measuring `manifest_digests` in order from 32 zero bytes.
crypto::digest measurement_chain(const std::vector<crypto::digest>& manifest_digests);

/// One measured boot stage as evidence reports it.
struct booted_stage {
  wire::Component component = wire::COMPONENT_UNSPECIFIED;
  std::string version;
  crypto::digest manifest_digest{};
};

/// The boot stages of `images`, in their order.
std::vector<booted_stage> stages_of(const std::vector<wire::built_image>& images);

/// What a device states in its evidence.
struct evidence_spec {
  std::string nonce;  ///< the challenge's nonce bytes
  crypto::public_key device_key{};
  std::string product = default_product;
  std::string hardware_revision = default_hardware_revision;
  std::vector<booted_stage> boot;  ///< in boot order; the register is their measurement chain
  std::vector<std::uint32_t> rollback_counters;
  crypto::public_key session_key{};  ///< the device's X25519 share
  std::int64_t device_time_us = default_epoch_us;
};

/// The Evidence of `spec`, its measurement register computed from `spec.boot`.
wire::Evidence make_evidence(const evidence_spec& spec);

/// The evidence request: `evidence` serialized and signed by `signer`, from
/// device `id` at `sequence`.
wire::Envelope signed_evidence_envelope(const crypto::device_id& id, std::uint64_t sequence,
                                        const wire::Evidence& evidence, const crypto::secret_key& signer);

}  // namespace fleet::testing
