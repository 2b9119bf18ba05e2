#pragma once
// Envelope helpers shared by device and cloud.

#include <string>

#include "device.pb.h"

namespace fleet::wire {

/// The bytes a session MAC covers: device ID, sequence, session ID, body
/// kind and the body's deterministic serialization. Any change to what the
/// body means changes these bytes.
std::string mac_input(const Envelope& envelope);

/// Deterministic serialization (stable map order), used for anything hashed.
std::string serialize(const google::protobuf::MessageLite& message);

}  // namespace fleet::wire
