#pragma once
// One shard of the service's per-device state: sessions, nonces and
// quarantine (the verifier), certificate requests, telemetry. Devices are assigned to a shard by a
// hash of their ID; a shard only ever sees its own devices.

#include "certificate_requests.hpp"
#include "fleet/cloud/attestation_verifier.hpp"
#include "fleet/cloud/session_table.hpp"
#include "fleet/cloud/telemetry_store.hpp"

namespace fleet::cloud {

class device_shard {
 public:
  device_shard(const session_limits& sessions, const attestation_limits& attestation,
               const telemetry_limits& telemetry, device_lookup lookup)
      : sessions_(sessions, lookup), verifier_(attestation, lookup, sessions_), telemetry_(telemetry) {}

  session_table& sessions() { return sessions_; }
  const session_table& sessions() const { return sessions_; }
  attestation_verifier& verifier() { return verifier_; }
  const attestation_verifier& verifier() const { return verifier_; }
  certificate_requests& certificate_uses() { return certificate_uses_; }
  telemetry_store& telemetry() { return telemetry_; }
  const telemetry_store& telemetry() const { return telemetry_; }

 private:
  session_table sessions_;
  attestation_verifier verifier_;  ///< refers to sessions_: declared after it
  certificate_requests certificate_uses_;
  telemetry_store telemetry_;
};

}  // namespace fleet::cloud
