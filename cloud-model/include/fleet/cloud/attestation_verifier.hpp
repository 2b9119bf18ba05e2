#pragma once
// The attestation verifier: issues single-use nonces and checks the signed
// evidence a device answers with (identity, freshness, signature, measured
// boot, known-good software, product), flags an identity attesting from a
// second place while its session is live (a clone), and keeps devices that
// failed in quarantine until they pass.
//
// Pure logic: time comes in as `now`, randomness from the caller's stream,
// the registry through a lookup function. Cheap checks run before the
// Ed25519 verify so that a flood of junk evidence costs little.
//
// Memory: the nonce table (bounded, see nonce_table.hpp), the known-good
// sets, and one byte per device (quarantine, and for revoked_measurement the
// components whose image was revoked).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/device_directory.hpp"
#include "fleet/cloud/known_good.hpp"
#include "fleet/cloud/nonce_table.hpp"
#include "fleet/cloud/session_table.hpp"

namespace fleet::cloud {

/// Boot stages a device reports: bootloader, security monitor, OS, app.
inline constexpr std::size_t boot_stages_max = 4;
/// Anti-rollback counters in evidence, indexed by Component - 1.
inline constexpr std::size_t rollback_counters_max = 5;

struct attestation_limits {
  nonce_limits nonces;
  std::uint32_t devices_max = 4'000'000;  ///< device indices below this
};

/// Why a challenge was refused: answered RATE_LIMITED (or NOT_FOUND for an unknown device).
enum class challenge_refusal : std::uint8_t {
  none,
  malformed,        ///< the envelope's device ID is not 64 bytes
  unknown_device,
  outstanding_max,  ///< nonce_refusal::outstanding_max
  tracked_max,
};
inline constexpr std::size_t challenge_refusal_count = 5;

/// The outcome of verifying evidence. Everything but `ok` is a refusal.
enum class attestation_outcome : std::uint8_t {
  ok,
  malformed,             ///< not parseable, or a field of the wrong size or past a limit
  device_id_mismatch,    ///< envelope device ID is not SHA-512 of the evidence key
  unknown_device,        ///< device ID not registered
  key_mismatch,          ///< the evidence key is not the registered one
  nonce_unknown,
  nonce_wrong_device,    ///< issued to another device
  nonce_reused,          ///< replayed evidence
  nonce_expired,
  nonce_superseded,      ///< per_device_max newer nonces were issued to the device since (nonce_table.hpp)
  bad_signature,         ///< spoofed or junk evidence; its nonce stays good
  cloned_identity,       ///< live session from another source: flagged, session ended
  register_mismatch,     ///< the register is not the chain of the reported digests
  boot_chain_invalid,    ///< stages missing, out of order or repeated
  wrong_product,         ///< evidence names another product than the registry
  unknown_measurement,   ///< a manifest digest not known-good for the product
  measurement_mismatch,  ///< known digest, but reported as another component or version
  sequence_mismatch,     ///< the envelope's sequence is not the one the evidence signs: altered on the way
  /// Every check passed but one: a stage's image is known for the product
  /// and no longer trusted (the operator revoked it). The only refusal a
  /// restricted session may answer (facts complete, revoked_components set).
  revoked_measurement,
};
inline constexpr std::size_t attestation_outcome_count = 19;

const char* name_of(challenge_refusal r);
const char* name_of(attestation_outcome o);

/// Whether an outcome proves the device runs software it must not: only
/// failures after the signature verified, so nobody can quarantine a device
/// they cannot sign for.
bool quarantines(attestation_outcome o);

struct challenge_result {
  challenge_refusal refusal = challenge_refusal::none;
  nonce value{};  ///< for Challenge.nonce when ok
  bool ok() const { return refusal == challenge_refusal::none; }
};

struct attested_stage {
  wire::Component component = wire::COMPONENT_UNSPECIFIED;
  std::string version;
  crypto::digest manifest_digest{};
};

/// The bit of `c` in a mask of components (attestation_facts::revoked_components).
inline std::uint8_t component_bit(wire::Component c) {
  return c > wire::COMPONENT_UNSPECIFIED && c <= wire::LEGACY_FIRMWARE ? static_cast<std::uint8_t>(1u << (c - 1)) : 0;
}

/// What a passed attestation established about the device (and, for
/// revoked_measurement, everything it would have established).
struct attestation_facts {
  device_index device = 0;
  std::vector<attested_stage> boot;  ///< in boot order; the app may be missing
  std::array<std::uint32_t, rollback_counters_max> rollback_counters{};  ///< by Component - 1
  std::string hardware_revision;
  crypto::public_key device_key{};
  crypto::public_key session_public_key{};  ///< the device's X25519 share, for session_table::open
  crypto::digest evidence_digest{};         ///< SHA-256 of the evidence bytes, for the certificate
  /// revoked_measurement: the components whose measured image is revoked,
  /// bit (Component - 1) each. One byte, like the session slot keeps it.
  std::uint8_t revoked_components = 0;
};

struct attestation_result {
  attestation_outcome outcome = attestation_outcome::malformed;
  attestation_facts facts;  ///< meaningful when ok or revoked_measurement
  bool ok() const { return outcome == attestation_outcome::ok; }
};

struct attestation_counters {
  std::uint64_t challenges_issued = 0;
  std::array<std::uint64_t, challenge_refusal_count> challenges_refused{};
  std::array<std::uint64_t, attestation_outcome_count> outcomes{};  ///< ok included
  std::uint64_t quarantined_now = 0;  ///< devices in quarantine at the moment
  std::uint64_t of(attestation_outcome o) const { return outcomes[static_cast<std::size_t>(o)]; }
};

class attestation_verifier {
 public:
  /// `sessions` is where live sessions are looked up (clone detection) and
  /// ended (clone, quarantine); it must outlive the verifier.
  attestation_verifier(const attestation_limits& limits, device_lookup lookup, session_table& sessions);

  /// Answers a ChallengeRequest from `source`: a nonce bound to the envelope's device.
  challenge_result challenge(sim_time now, const wire::Envelope& request, crypto::random_stream& random,
                             source_id source = 0);

  /// Verifies the SignedEvidence in `request`, which came from `source`.
  /// On ok the caller issues the certificate (facts.evidence_digest) and
  /// opens the session with session_table::open; on cloned_identity it
  /// revokes the device's certificate (see flagged()).
  attestation_result verify(sim_time now, const wire::Envelope& request, source_id source);

  /// Failed attestation with a valid signature: may talk only to the
  /// security service until an attestation passes.
  bool quarantined(device_index device) const;
  /// For a device quarantined on revoked_measurement: the components whose
  /// image was revoked (component_bit each), what a repair may replace; 0 otherwise.
  std::uint8_t revoked_components(device_index device) const;

  known_good_set& known_good() { return known_good_; }
  const known_good_set& known_good() const { return known_good_; }
  /// Devices flagged as cloned (here and by the session table), to revoke.
  clone_log& flagged() { return sessions_.clones(); }
  const attestation_counters& counters() const { return counters_; }
  const nonce_table& nonces() const { return nonces_; }
  /// When the next nonce expires (nothing else here is timed).
  sim_time next_deadline() const { return nonces_.next_deadline(); }

  /// Its whole state (nonces, known good, quarantine, counters), for a
  /// snapshot (attestation_verifier_state.cpp). The sessions are saved by their table.
  void save(state::VerifierState& out) const;
  /// Takes a saved state into a verifier fresh from construction (same limits).
  restore_status restore(const state::VerifierState& in);

 private:
  attestation_outcome check(sim_time now, const wire::Envelope& request, source_id source,
                            attestation_facts& facts);
  attestation_outcome check_software(const wire::Evidence& evidence, std::string_view product,
                                     attestation_facts& facts) const;
  /// `revoked`: facts.revoked_components, kept in the same byte.
  void set_quarantine(device_index device, bool on, std::uint8_t revoked = 0);

  attestation_limits limits_;
  device_lookup lookup_;
  session_table& sessions_;
  nonce_table nonces_;
  known_good_set known_good_;
  /// By device index: bit 0 quarantined, bits 1-5 the revoked components (component_bit << 1).
  std::vector<std::uint8_t> quarantined_;
  attestation_counters counters_;
};

}  // namespace fleet::cloud
