#pragma once
// Snapshots of the security service's units (proto/service_state.proto).
// Every unit that holds state has `save(message&) const`, which writes all
// of it, and `restore(const message&)`, which takes it back into a unit
// fresh from construction with the same settings. A state file is input:
// restore checks sizes, indices and limits and refuses what does not fit,
// as a value naming what is wrong, never an exception or an assertion.

#include <string>
#include <utility>

namespace fleet::state {
class RegistryState;
class CaState;
class ImageServiceState;
class StoredImage;
class RateLimiterState;
class SessionTableState;
class CloneLogState;
class NonceTableState;
class VerifierState;
class CertificateRequestsState;
class TelemetryState;
class KnownGoodProduct;
class RolloutState;
class RolloutPolicyState;
class OfferRateState;
class DeploymentState;
class ServiceCore;
class ServicePart;
}  // namespace fleet::state

namespace fleet::cloud {

/// What a restore says about the state it was given.
struct restore_status {
  std::string problem;  ///< empty when the state was taken
  bool ok() const { return problem.empty(); }
};

inline restore_status restored() { return {}; }
inline restore_status refused(std::string problem) { return {std::move(problem)}; }

}  // namespace fleet::cloud
