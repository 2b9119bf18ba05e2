#pragma once
// The service's certificate authority: one CA per tenant at a time, rolled
// over before it expires, issuing 24-hour device certificates after a
// successful attestation and checking the certificates clients present.
//
// Chain: service root key (in device ROM) -> tenant CA (SignedCaCertificate)
// -> device certificate (SignedCertificate). A tenant CA lives 2 years; 90
// days before it expires a new CA is made and new certificates come from it,
// while certificates of the old one stay trusted until the old CA expires.
//
// Keys are Ed25519 from seeds drawn from the random_stream passed in at
// construction, in call order: the same seed and calls give the same keys.
//
// Revocation is kept only as long as it matters: a revoked serial is dropped
// one certificate lifetime after its revocation (by then the certificate has
// expired), a revoked device one lifetime after its revocation (every
// certificate issued before has expired by then). Each list is bounded
// (revoked_serials_max, revoked_devices_max); when full even after dropping
// what expired, a new revocation is refused (`list_full`, counted) rather than
// forgetting a live one, which would make a revoked certificate valid again.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"
#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::cloud {

using namespace std::chrono_literals;

struct ca_settings {
  duration ca_lifetime = 2 * 365 * 24h;
  duration rollover_lead = 90 * 24h;  ///< a new CA is made this long before the current one expires
  duration certificate_lifetime = 24h;
  std::size_t revoked_serials_max = 1'000'000;
  std::size_t revoked_devices_max = 100'000;
};

inline constexpr std::size_t ca_tenant_bytes_max = 64;
inline constexpr std::size_t ca_tenants_max = 10'000;

/// Why a certificate was not issued. The caller attested the device before.
enum class issue_refusal : std::uint8_t {
  none,
  bad_tenant,            ///< empty or longer than ca_tenant_bytes_max
  too_many_tenants,      ///< ca_tenants_max reached
  bad_evidence_digest,   ///< not 32 bytes
  bad_session_binding,   ///< not 32 bytes
};

struct issued_certificate {
  issue_refusal refusal = issue_refusal::none;
  wire::SignedCertificate certificate;
  wire::SignedCaCertificate issuer;  ///< the CA that signed `certificate`
  std::uint64_t serial = 0;
  bool ok() const { return refusal == issue_refusal::none; }
};

/// A restricted-session grant (device.proto RestrictedGrant), signed by the
/// tenant's current CA over wire::restricted_grant_input: no certificate.
struct issued_grant {
  issue_refusal refusal = issue_refusal::none;
  std::string grant;      ///< serialized RestrictedGrant
  std::string signature;  ///< Ed25519 by the CA over wire::restricted_grant_input(grant)
  wire::SignedCaCertificate issuer;
  bool ok() const { return refusal == issue_refusal::none; }
};

/// What check() says about a certificate a client presented.
enum class certificate_status : std::uint8_t {
  ok,
  malformed,       ///< does not parse, or a field has the wrong size
  unknown_issuer,  ///< no CA with that id, or a CA of another tenant
  bad_signature,
  expired,         ///< the certificate or its CA is past not_after
  not_yet_valid,
  revoked,
  count_
};
inline constexpr std::size_t certificate_status_count = static_cast<std::size_t>(certificate_status::count_);

struct certificate_check {
  certificate_status status = certificate_status::malformed;
  wire::Certificate certificate;  ///< parsed, when status is not malformed
};

enum class revoke_result : std::uint8_t {
  revoked,
  already_revoked,
  unknown_serial,  ///< never issued
  list_full,       ///< the bounded revocation list holds only live entries
};

struct ca_counters {
  std::uint64_t cas_created = 0;
  std::uint64_t certificates_issued = 0;
  std::uint64_t restricted_grants = 0;  ///< restricted-session grants signed
  std::array<std::uint64_t, certificate_status_count> checks{};
  std::uint64_t revocations_refused = 0;     ///< list_full
  std::uint64_t revocations_forgotten = 0;   ///< dropped after the certificates expired
};

class certificate_authority {
 public:
  /// `service_root` signs the tenant CA certificates; `keys` gives the CA key seeds.
  certificate_authority(const crypto::signing_key_pair& service_root, crypto::random_stream keys,
                        ca_settings settings = {});

  /// Issues a certificate for an attested device, from the tenant's current
  /// CA (made on first use, rolled over when due).
  /// `session_binding` (wire::session_binding) names the session the
  /// certificate is handed out with.
  issued_certificate issue(sim_time now, std::string_view tenant, const crypto::device_id& device,
                           const crypto::public_key& device_key, std::string_view evidence_digest,
                           std::string_view session_binding);
  /// Grants a restricted session to a device whose only attestation fault is
  /// software no longer trusted (`revoked`: those components), until
  /// `not_after` (at most a certificate's lifetime from now).
  issued_grant grant_restricted(sim_time now, std::string_view tenant, const crypto::device_id& device,
                                std::string_view evidence_digest, std::string_view session_binding,
                                sim_time not_after, const std::vector<wire::Component>& revoked);
  /// Checks a certificate presented by a client at `now`.
  certificate_check check(sim_time now, const wire::SignedCertificate& presented);

  revoke_result revoke(sim_time now, std::uint64_t serial);
  /// Revokes every certificate of `device` issued up to `now`.
  revoke_result revoke_device(sim_time now, const crypto::device_id& device);

  /// Makes the new CAs that are due (tenants whose current CA is within
  /// rollover_lead of expiry) and forgets expired revocations.
  void advance(sim_time now);
  /// When advance() has a CA to roll over or a revocation to forget.
  sim_time next_deadline() const;

  /// The tenant's CAs trusted at `now` (one, or two during an overlap), oldest first.
  std::vector<wire::SignedCaCertificate> trusted_cas(sim_time now, std::string_view tenant) const;
  /// The CA new certificates of `tenant` come from; none before its first.
  std::optional<std::uint32_t> current_ca(std::string_view tenant) const;

  const ca_counters& counters() const { return counters_; }
  std::size_t revoked_serials() const { return revoked_serials_.size(); }
  std::size_t revoked_devices() const { return revoked_devices_.size(); }

  /// Its whole state, for a snapshot (certificate_authority_state.cpp).
  void save(state::CaState& out) const;
  /// Takes a saved state into a CA fresh from construction (same root and settings).
  restore_status restore(const state::CaState& in);

 private:
  struct tenant_ca {
    std::uint32_t id = 0;
    std::string tenant;
    crypto::signing_key_pair key;
    sim_time not_before{0};
    sim_time not_after{0};
    wire::SignedCaCertificate signed_ca;
  };
  struct device_id_hash {
    std::size_t operator()(const crypto::device_id& id) const;
  };

  /// The tenant's current CA, made on first use; null when no more tenants
  /// fit. Call advance(now) first (it does the rollovers).
  const tenant_ca* current_for(sim_time now, std::string_view tenant);
  const tenant_ca& make_ca(sim_time now, std::string tenant);
  /// What issue() and grant_restricted() check before signing: the CA to
  /// sign with, or null and why not in `refusal`. Calls advance(now).
  const tenant_ca* signer_for(sim_time now, std::string_view tenant, std::string_view evidence_digest,
                              std::string_view session_binding, issue_refusal& refusal);
  bool rollover_due(sim_time now, const tenant_ca& ca) const;
  bool trusted(sim_time now, const tenant_ca& ca) const;
  void forget_expired(sim_time now);

  crypto::signing_key_pair root_;
  crypto::random_stream keys_;
  ca_settings settings_;
  std::vector<tenant_ca> cas_;                          ///< by id - 1
  std::map<std::string, std::uint32_t, std::less<>> current_;  ///< tenant -> current CA id
  std::uint64_t next_serial_ = 1;
  // Revocations with the time they may be forgotten, in that order (`now`
  // never goes back, so appending keeps the deques sorted).
  std::unordered_set<std::uint64_t> revoked_serials_;
  std::deque<std::pair<sim_time, std::uint64_t>> serial_expiry_;
  std::unordered_map<crypto::device_id, sim_time, device_id_hash> revoked_devices_;  ///< -> revoked at
  std::deque<std::pair<sim_time, crypto::device_id>> device_expiry_;
  sim_time last_now_{0};
  ca_counters counters_;
};

const char* name_of(certificate_status s);
const char* name_of(revoke_result r);
const char* name_of(issue_refusal r);

}  // namespace fleet::cloud
