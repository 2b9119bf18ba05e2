#pragma once
// The firmware core's state and the handlers behind core::handle. One
// object per device; split across files by concern (boot.cpp, session.cpp,
// update_client.cpp, telemetry.cpp) but sharing this state.

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "backoff.hpp"
#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/core.hpp"
#include "manifest_check.hpp"
#include "metadata.hpp"
#include "telemetry_buffer.hpp"

namespace fleet::fw {

/// What the core knows about a stage it booted (or the legacy firmware).
struct stage_info {
  bool present = false;
  wire::version version{};
  std::uint32_t security_version = 0;
  crypto::digest manifest_digest{};
  crypto::digest image_digest{};
};

/// The one request a device has on the wire at a time.
enum class request_kind : std::uint8_t {
  none,
  challenge,
  evidence,
  update_check,
  chunk,
  update_result,
  telemetry,
};

struct session_state {
  std::uint64_t id = 0;
  crypto::seed key{};
  std::int64_t not_after_us = 0;  ///< certificate (or grant) expiry, device wall clock
  /// Granted on revoked software: update checks, chunks and update results
  /// only, until an update repairs the device and it attests again.
  bool restricted = false;
};

/// What is kept between sending evidence and receiving the certificate.
struct pending_attestation {
  crypto::digest evidence_digest{};  ///< the certificate must name this evidence
};

/// The device's X25519 share for this boot, and the secret it shares with
/// the service's half last answered. Every attestation of a boot sends the
/// same share, so a renewal answered with the same half costs no X25519;
/// each session's key still differs (hashed with its session ID). RAM: a
/// new boot makes a new share, so forward secrecy is per boot.
struct boot_exchange {
  crypto::exchange_key_pair own{};
  crypto::public_key service_share{};
  crypto::seed shared{};
  bool has_shared = false;
};

/// An image being fetched into the inactive slot.
struct download_state {
  verified_manifest target;
  slot into = slot::b;
  std::uint32_t next_chunk = 0;
  bool complete = false;  ///< verified in flash, waiting to be installed
};

struct pending_report {
  crypto::digest image_digest{};
  component comp = component::app;
  wire::version version{};
  wire::UpdateOutcome outcome = wire::UPDATE_OUTCOME_UNSPECIFIED;
  reject_reason reason = reject_reason::none;
  const char* detail = nullptr;  ///< overrides the reason's name in the report
};

inline pending_report report_of(const verified_manifest& m, wire::UpdateOutcome outcome,
                                 reject_reason why = reject_reason::none) {
  return {m.image_digest, m.comp, m.version, outcome, why, nullptr};
}

inline constexpr std::size_t pending_reports_max = 8;

class core_state {
 public:
  core_state(const config& cfg, hal hw);

  void dispatch(sim_time now, const input& in);
  sim_time next_deadline() const;

  // --- shared across files ---------------------------------------------
  const config& cfg_;
  hal hw_;
  outputs* out_ = nullptr;  ///< where the current handle() appends
  device_state state_ = device_state::powered_off;
  bool power_lost_ = false;  ///< a flash write lost power during this call
  counters stats_;
  crypto::device_id id_{};
  std::array<sim_time, timer_count> deadlines_{};
  metadata_record metadata_;
  std::array<stage_info, component_count> stages_{};

  // boot and software
  bool software_ready_ = false;
  std::uint32_t boot_failures_ = 0;  ///< consecutive, for committed images

  // network work
  request_kind outstanding_ = request_kind::none;
  std::uint64_t sequence_ = 0;  ///< of the last request sent
  std::uint32_t failures_ = 0;  ///< consecutive, drives the backoff
  bool need_attestation_ = false;
  bool need_update_check_ = false;
  bool need_telemetry_upload_ = false;
  std::unique_ptr<session_state> session_;
  /// SHA-256 of the last tenant CA certificate (bytes and signature) the ROM
  /// root verified since power-on: renewals under the same CA skip that
  /// verify. A cache of a check already made, so mutable; RAM, so lost with power.
  mutable std::optional<crypto::digest> verified_ca_;
  std::unique_ptr<pending_attestation> attestation_;
  std::unique_ptr<boot_exchange> exchange_;
  std::unique_ptr<download_state> download_;
  /// The trusted key store taken (read from the secure element at boot);
  /// null while the ROM's keys are all the device trusts.
  std::unique_ptr<key_store> key_store_;
  std::uint32_t download_failures_ = 0;
  sim_time attestation_began_ = never;    ///< first challenge request since the last certificate (or power-on)
  std::vector<pending_report> reports_;  ///< oldest first, at most pending_reports_max
  std::uint64_t telemetry_reported_drops_ = 0;  ///< dropped count in the batch in flight
  std::uint64_t telemetry_batch_end_ = 0;       ///< number after the last event in flight
  telemetry_buffer telemetry_;

  // --- helpers (core.cpp) -------------------------------------------------
  void arm(timer t, sim_time at);
  void disarm(timer t);
  bool due(timer t, sim_time now) const;
  void note(record r);
  void note(record_kind k, component c = component::app, reject_reason why = reject_reason::none);
  void reject(reject_reason why);
  /// Checks a flash write; on power loss the device stops where it is.
  bool flash_ok(flash_status s);
  bool persist_metadata();
  std::int64_t wall(sim_time now) const;
  std::uint64_t random64();
  void clear_volatile();
  void lose_power(sim_time now);

  // --- boot.cpp -------------------------------------------------------------
  void boot(sim_time now);
  bool verify_stage(component c, slot s, stage_info& info);
  void start_software(sim_time now);
  void on_software_event(sim_time now, const software_event& e);
  void on_boot_watchdog(sim_time now);
  void on_health_check();
  void rollback_trial(sim_time now, const char* why);
  /// Parses the manifest in slot `s`'s header without checking it: only for
  /// facts about an image that was verified before (names, reports).
  bool read_manifest(component c, slot s, wire::Manifest& out) const;
  pending_report describe_slot(component c, slot s) const;
  /// Records what happened to an image (kind, component, version, digest, reason).
  void note_update(record_kind kind, const pending_report& r);
  void reboot(sim_time now);
  void software_failed(sim_time now);

  // --- session.cpp ---------------------------------------------------------
  void pump(sim_time now);
  bool session_valid(sim_time now) const;
  void send_request(sim_time now, request_kind kind, wire::Envelope& env, bool authenticated);
  void on_message(sim_time now, const std::string& bytes);
  void on_request_timeout(sim_time now);
  void request_failed(sim_time now, duration at_least = duration{0});
  void finish_request();
  void request_succeeded();
  duration jitter(duration max);
  void on_error_reply(sim_time now, const wire::Error& error);
  void send_challenge_request(sim_time now);
  void on_challenge(sim_time now, const wire::Challenge& c);
  void on_certificate(sim_time now, const wire::CertificateIssued& issued);
  void on_restricted_session(sim_time now, const wire::RestrictedSession& granted);
  /// The tenant CA certificate, vouched for by the ROM root and valid now: its key.
  reject_reason check_issuer(sim_time now, const wire::SignedCaCertificate& issuer, wire::CaCertificate& ca,
                             crypto::public_key& ca_key) const;
  reject_reason check_grant(sim_time now, const wire::RestrictedSession& granted, std::int64_t& not_after_us) const;
  /// After a certificate or grant checked out as `why`: the session key for
  /// the service's share, the key store it carries. Null when anything is
  /// wrong (refused, counted, the request failed).
  std::unique_ptr<session_state> open_session(sim_time now, reject_reason why, const std::string& service_share,
                                              std::uint64_t session_id, std::int64_t not_after_us,
                                              const wire::SignedKeyStore* key_store);
  /// Takes the session the service answered the evidence with (a certificate's or a grant's).
  void start_session(sim_time now, std::unique_ptr<session_state> session);
  /// The session key for the service's half and session ID, from the boot's share.
  reject_reason session_key_for(const crypto::public_key& service_share, std::uint64_t session_id,
                                crypto::seed& key);
  reject_reason check_certificate(sim_time now, const wire::CertificateIssued& issued,
                                  std::int64_t& not_after_us) const;
  /// Takes a newer trusted key store than the one held (from a certificate
  /// reply or an update offer); the same or an older one changes nothing.
  /// A store that does not verify is refused.
  reject_reason take_key_store(const wire::SignedKeyStore& signed_store);
  void load_key_store();

  // --- update_client.cpp -------------------------------------------------
  void send_update_check(sim_time now);
  void on_offer(sim_time now, const wire::UpdateOffer& offer);
  manifest_context manifest_context_at(sim_time now) const;
  void start_download(verified_manifest target, const wire::SignedManifest& signed_manifest);
  void resume_download(sim_time now);
  void send_chunk_request(sim_time now);
  void on_chunk(sim_time now, const wire::Chunk& chunk);
  void download_failed(sim_time now, reject_reason why);
  void finish_download(sim_time now);
  void maybe_install(sim_time now);
  void install(sim_time now);
  void flash_legacy();
  /// Gives up the download in progress; `detail` (static text) overrides the reason's name in the report.
  void abandon_download(wire::UpdateOutcome outcome, reject_reason why, const char* detail = nullptr);
  void queue_report(const pending_report& r);
  void report_delivered();
  void send_update_result(sim_time now);

  // --- telemetry.cpp -------------------------------------------------------
  void add_event(buffered_event e);
  void send_telemetry(sim_time now);
  void on_telemetry_ack(sim_time now, const wire::TelemetryAck& ack);
  void on_legacy_data(sim_time now, const legacy_data& d);
};

}  // namespace fleet::fw
