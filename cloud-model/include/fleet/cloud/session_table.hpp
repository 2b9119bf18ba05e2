#pragma once
// Device sessions: opened on a successful attestation, they let every later
// request be authenticated by a MAC instead of an Ed25519 signature.
//
// Storage: one 64-byte slot per device, in a flat vector indexed by the
// registry's dense device index, grown to the highest index seen. Chosen
// over a hash map keyed by session ID because in steady state nearly every
// device holds a live session (certificates last 24 h, devices attest
// daily): a map node would cost ~90 bytes per session plus a device ->
// session index to replace old sessions, the flat slot costs 64 and needs
// neither. The session ID carries the device index in its low 32 bits, so
// finding the slot of a request is an array access; the high 32 bits are
// random so an old session's ID does not match its successor.
//
// A restricted session (a device whose only attestation fault is software
// no longer trusted) is the same slot with its `restricted` bit set: the
// service lets it make repair traffic only. The bit is the top one of the
// slot's last sequence, so it costs no memory; sequences of 2^63 and more
// are refused as replays.
//
// Sessions end at expiry (the certificate's), when replaced by a new
// attestation, or when ended by the caller; at most sessions_max are live.
//
// Key exchange: a device keeps one X25519 share for as long as it is
// powered, so the service keeps, per device, the share it last saw with its
// own answer and their shared secret (96 bytes more a device, in a vector of
// their own so the session slot stays one cache line). A renewal from the
// same boot then costs no X25519 on either side; each session's key still
// differs, being hashed with its session ID. Forward secrecy is per boot of
// the device, not per session: see docs/cloud.md.

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/clone_log.hpp"
#include "fleet/cloud/device_directory.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::cloud {

/// Session request sequences stay below this (the slot keeps 63 bits of one).
inline constexpr std::uint64_t session_sequence_max = (std::uint64_t{1} << 63) - 1;

struct session_limits {
  std::uint32_t sessions_max = 1'200'000;  ///< live sessions, all devices
  std::uint32_t devices_max = 4'000'000;   ///< device indices below this
};

enum class open_refusal : std::uint8_t {
  none,
  bad_session_key,  ///< the device's X25519 share is a low-order point
  sessions_max,     ///< too many live sessions: answer RATE_LIMITED
};
inline constexpr std::size_t open_refusal_count = 3;

/// Why a session request was refused: answered UNAUTHENTICATED (re-attest).
enum class auth_failure : std::uint8_t {
  none,
  no_session,       ///< the request names no session
  unknown_session,  ///< no live session has this ID (ended, replaced, made up)
  wrong_device,     ///< the session belongs to another device than the envelope names
  session_expired,
  bad_mac,
  replay,           ///< sequence not above the last accepted one in this session
  cloned_identity,  ///< valid request from another source than the session's: flagged
};
inline constexpr std::size_t auth_failure_count = 8;

const char* name_of(open_refusal r);
const char* name_of(auth_failure f);

struct opened_session {
  open_refusal refusal = open_refusal::none;
  std::uint64_t id = 0;
  crypto::public_key service_public_key{};  ///< for CertificateIssued.session_public_key
  bool ok() const { return refusal == open_refusal::none; }
};

struct auth_result {
  auth_failure failure = auth_failure::none;
  device_index device = 0;  ///< the authenticated device when ok
  bool restricted = false;  ///< when ok: a restricted session (repair traffic only)
  bool ok() const { return failure == auth_failure::none; }
};

struct session_counters {
  std::uint64_t opened = 0;
  std::uint64_t restricted_opened = 0;  ///< of them, restricted sessions
  std::uint64_t replaced = 0;  ///< a new attestation ended a live session
  std::uint64_t expired = 0;
  std::uint64_t ended = 0;     ///< by the caller (revocation, quarantine)
  std::uint64_t authenticated = 0;
  std::array<std::uint64_t, open_refusal_count> open_refused{};
  std::array<std::uint64_t, auth_failure_count> auth_refused{};
};

class session_table {
 public:
  /// `lookup` maps the device ID an envelope names to its registry index.
  session_table(const session_limits& limits, device_lookup lookup);

  /// Opens the session of an attestation that just passed, replacing the
  /// device's previous one. The service answers a device share it has seen
  /// before with the same half as then; a new share gets a new half drawn
  /// from `random`.
  /// `evidence_sequence` is the evidence request's: later requests go above it.
  /// `restricted`: a session for repair traffic only (auth_result::restricted).
  opened_session open(sim_time now, device_index device, source_id source,
                      const crypto::public_key& device_session_key, sim_time expires_at,
                      std::uint64_t evidence_sequence, crypto::random_stream& random,
                      bool restricted = false);

  /// Authenticates a device request made in a session: live session of the
  /// envelope's device, valid MAC, sequence above the last, same source.
  auth_result authenticate(sim_time now, const wire::Envelope& request, source_id source);

  /// Sets session ID and MAC on the reply to an authenticated request; its
  /// device ID, sequence and body must be final. The session must be live.
  void seal(wire::Envelope& reply, device_index device) const;

  /// Ends the device's session (certificate revoked, device quarantined).
  void end(device_index device);
  /// Where the device's live session was opened; nullopt without one.
  std::optional<source_id> live_source(sim_time now, device_index device) const;
  bool live(sim_time now, device_index device) const { return live_source(now, device).has_value(); }

  /// Records a clone; the verifier calls this when an attestation clashes.
  void flag_clone(const clone_flag& f) { clones_.flag(f); }
  clone_log& clones() { return clones_; }
  const clone_log& clones() const { return clones_; }

  std::uint32_t live_sessions() const { return live_; }
  const session_counters& counters() const { return counters_; }
  const session_limits& limits() const { return limits_; }

  /// Its whole state, for a snapshot (session_table_state.cpp).
  void save(state::SessionTableState& out) const;
  /// Takes a saved state into a table fresh from construction (same limits).
  restore_status restore(const state::SessionTableState& in);

 private:
  /// 64 bytes: one cache line per device.
  struct slot {
    std::uint64_t id = 0;  ///< 0: no session
    crypto::seed key{};    ///< session MAC key
    sim_time expires_at{0};
    std::uint64_t last_sequence : 63;
    std::uint64_t restricted : 1;  ///< repair traffic only
    source_id source = 0;
  };
  static_assert(sizeof(slot) == 64, "session slot grew: check the memory figure");

  /// The last key exchange of a device, kept while sessions come and go.
  struct exchange_cache {
    crypto::public_key device_share{};
    crypto::public_key service_share{};
    crypto::seed shared{};
    bool known = false;  ///< false until the first exchange succeeds
  };

  static device_index index_of(std::uint64_t session_id) {
    return static_cast<device_index>(session_id & 0xffff'ffffu);
  }
  void free_slot(slot& s);
  /// Frees every expired slot; runs only when the table is full, and at most
  /// once until the earliest live expiry passes.
  void sweep(sim_time now);
  auth_result refuse(auth_failure f);

  session_limits limits_;
  device_lookup lookup_;
  std::vector<slot> slots_;
  std::vector<exchange_cache> exchanges_;  ///< same index as slots_
  std::uint32_t live_ = 0;
  sim_time next_sweep_{0};
  clone_log clones_;
  session_counters counters_;
};

}  // namespace fleet::cloud
