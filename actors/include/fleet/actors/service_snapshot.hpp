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
/// Adds how the service answered requests and its certificate figures to
/// `out` (summed, for a service that is one partition's share).
void add_requests(const cloud::security_service& service, std::uint64_t dropped_by_outage, live_snapshot& out);
/// The same from the service's counters (a partition's, as it reported them).
void add_requests(const cloud::service_counters& c, std::uint64_t dropped_by_outage, live_snapshot& out);

/// A deployment as a snapshot shows it, from its rollout status and history.
deployment_snapshot deployment_snapshot_of(const cloud::rollout_status& status,
                                           const std::vector<cloud::transition>& history, std::string name);

void add_service(const cloud::security_service& service, const std::vector<std::string>& deployment_names,
                 std::uint64_t dropped_by_outage, live_snapshot& out);

}  // namespace fleet::actors
