#pragma once
// Envelope helpers shared by device and cloud.

#include <cstdint>
#include <string>
#include <string_view>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"

namespace fleet::wire {

/// The bytes a session MAC covers: device ID, sequence, session ID, body
/// kind and the body's deterministic serialization. Any change to what the
/// body means changes these bytes.
std::string mac_input(const Envelope& envelope);

/// The bytes a certificate proof signs: a label, then mac_input() of the
/// envelope without its proof (so the certificate presented is covered).
std::string certificate_proof_input(const Envelope& envelope);

/// Signs `envelope` (device ID, sequence, certificate and body final) with
/// the device key: sets certificate_proof.
void prove_possession(Envelope& envelope, const crypto::secret_key& device_key);

/// True for the requests a device makes inside a session (after
/// attestation): they must carry the session ID and MAC, and so must the
/// replies to them. device.proto's request/reply table says which.
bool is_session_request(Envelope::BodyCase body);

/// What a device certificate says of the session it comes with: SHA-256 of
/// a label, the service's X25519 share and the session ID. The CA signs it,
/// so the share in CertificateIssued cannot be swapped on the way.
crypto::digest session_binding(std::string_view service_share, std::uint64_t session_id);

/// The bytes the tenant CA signs for a RestrictedGrant: a label, then the
/// grant. The label keeps a grant from ever verifying as a certificate (whose
/// bytes the CA signs as they are), and a certificate as a grant.
std::string restricted_grant_input(std::string_view grant_bytes);

/// Deterministic serialization (stable map order), used for anything hashed.
std::string serialize(const google::protobuf::MessageLite& message);

}  // namespace fleet::wire
