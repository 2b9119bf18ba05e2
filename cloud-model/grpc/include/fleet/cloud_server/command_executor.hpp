#pragma once
// Runs one journal command (journal.proto) against the security service. A
// live request and its replay after a restart go through this same function,
// which is what makes a replay rebuild the state the server acknowledged.

#include <grpcpp/support/status.h>

#include "fleet/cloud/security_service.hpp"
#include "journal.pb.h"

namespace fleet::cloud_server {

/// Timers due at the command's time run first (as a Tick does), then the
/// command. The answer goes to `outcome`; a refusal is the returned status.
grpc::Status execute(cloud::security_service& service, const state::Command& command, state::Outcome& outcome);

/// Whether a command that ran changed the service, so that a replay must run
/// it too: when it was accepted, and when its refusal changes state itself.
/// A device request read by the service always does (rate budget, nonces,
/// failure records); pause/resume/halt of an existing deployment does (the
/// rollout is advanced to now before it refuses). Every other operator
/// refusal is decided before the service changes anything.
bool changed_state(const state::Command& command, const grpc::Status& status, const state::Outcome& outcome);

}  // namespace fleet::cloud_server
