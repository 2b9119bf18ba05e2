#pragma once
// What the certificate attackers (attack_host) present: an update check in a
// victim's name carrying a device certificate in place of a session, the
// way a gRPC client over TLS authenticates (security_service::authenticate),
// with a proof of possession.
// The certificates come from the wire: the cloud hands each device its
// certificate in the clear (under a MAC, not encrypted), so an attacker
// between the cloud and its devices can keep copies. That is what both
// attackers start from, rather than asking the service's CA, which no
// attacker could.

#include <cstdint>
#include <string>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/types.hpp"

namespace fleet::actors {

/// A certificate of the attacker's making from a genuine one: the same
/// device, tenant and issuer CA id, the attacker's key in place of the
/// device's, a year more validity, signed by the attacker's key (it has no
/// CA key). Only the CA signature check tells it from a genuine one.
wire::SignedCertificate forged_from(const wire::SignedCertificate& genuine, const crypto::signing_key_pair& own);

/// How long a certificate is valid from its issue (not_after - not_before);
/// zero when it does not parse. Captured as it was issued, it expires this
/// long after the capture, whatever the cloud's wall clock says.
fw::duration lifetime_of(const wire::SignedCertificate& certificate);

/// An update check in `victim`'s name authenticated by `presented`, with a
/// proof of possession signed by `signer` (an attacker's own key: it has no other).
std::string certificate_request(const crypto::device_id& victim, std::uint64_t sequence,
                                const wire::SignedCertificate& presented, const crypto::secret_key& signer);

}  // namespace fleet::actors
