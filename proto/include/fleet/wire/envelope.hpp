#pragma once
// Envelope helpers shared by device and cloud.

#include <string>

#include "device.pb.h"

namespace fleet::wire {

/// The bytes a session MAC covers: device ID, sequence, session ID, body
/// kind and the body's deterministic serialization. Any change to what the
/// body means changes these bytes.
std::string mac_input(const Envelope& envelope);

/// True for the requests a device makes inside a session (after
/// attestation): they must carry the session ID and MAC, and so must the
/// replies to them. device.proto's request/reply table says which.
bool is_session_request(Envelope::BodyCase body);

/// Deterministic serialization (stable map order), used for anything hashed.
std::string serialize(const google::protobuf::MessageLite& message);

}  // namespace fleet::wire
