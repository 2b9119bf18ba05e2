#pragma once
// The security service's part of a live_snapshot: how it answered requests,
// its certificates, and each deployment's rollout. Shared by the engine's
// snapshots and `fleetsim cloud serve --metrics-addr`.

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/actors/live_snapshot.hpp"
#include "fleet/cloud/security_service.hpp"

namespace fleet::actors {

/// Fills out.requests, the certificate figures, clones_flagged,
/// counters.certificates_issued and out.deployments. Deployment d (from 0)
/// is named `deployment_names[d]`, or by its ID ("1", "2", ...) past the
/// names given. `dropped_by_outage`: requests that never reached the service.
void add_service(const cloud::security_service& service, const std::vector<std::string>& deployment_names,
                 std::uint64_t dropped_by_outage, live_snapshot& out);

}  // namespace fleet::actors
