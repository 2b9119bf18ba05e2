#pragma once
// The test counterpart of the firmware: a small but real cloud side of the
// device protocol (proto/device.proto). It attests devices against a nonce,
// their signature and a known-good measurement chain, issues certificates
// from a tenant CA, authenticates later requests by session MAC and sequence,
// offers published images, serves their chunks and stores what devices report.
// Replies to authenticated requests carry the session ID and a session MAC
// (the firmware refuses unMAC'd session replies other than
// UNAUTHENTICATED / RATE_LIMITED / UNAVAILABLE errors).
//
// Pure like the firmware core: every call takes `now`, randomness comes from
// one seeded stream, nothing reads a clock. Replies are serialized envelopes.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "device.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/testing/cloud_endpoint.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::testing {

/// Why an evidence was refused (answered with ERROR_ATTESTATION_FAILED).
enum class attestation_failure : std::uint8_t {
  malformed_evidence,     ///< does not parse, or a field has the wrong size
  device_id_mismatch,     ///< envelope device ID is not derived from the evidence key
  unknown_device,         ///< key not registered
  unknown_nonce,          ///< never issued (or forgotten after expiry)
  nonce_wrong_device,     ///< issued to another device
  nonce_reused,           ///< already consumed
  nonce_expired,          ///< older than the nonce lifetime
  bad_signature,          ///< evidence not signed by the device key
  measurement_mismatch,   ///< register is not the chain of the reported boot list
  incomplete_boot_chain,  ///< boot list is not bootloader, security monitor, OS, app
  unknown_measurement,    ///< a manifest digest that is not known good
  wrong_product,          ///< evidence or measured image of another product
  bad_session_key,        ///< the device's X25519 value is unusable
};
inline constexpr std::size_t attestation_failure_count = 13;
const char* name_of(attestation_failure reason);

/// Why a session request was refused (answered with ERROR_UNAUTHENTICATED).
enum class auth_failure : std::uint8_t {
  no_session,       ///< session_id 0: the device never attested
  unknown_session,  ///< never issued, or replaced by a newer attestation
  wrong_device,     ///< the session belongs to another device ID
  session_expired,  ///< past the certificate lifetime
  bad_mac,
  replay,  ///< sequence not above the last accepted one
};
inline constexpr std::size_t auth_failure_count = 6;
const char* name_of(auth_failure reason);

struct cloud_counters {
  std::uint64_t requests = 0;         ///< envelopes received while online
  std::uint64_t ignored = 0;          ///< unreadable: no reply at all
  std::uint64_t offline_ignored = 0;  ///< received while `offline`
  std::uint64_t invalid = 0;          ///< answered ERROR_INVALID
  std::uint64_t rate_limited = 0;     ///< challenge refused: too many nonces outstanding
  std::uint64_t challenges_issued = 0;
  std::uint64_t attestations_ok = 0;
  std::uint64_t certificates_issued = 0;
  std::array<std::uint64_t, attestation_failure_count> attestation_rejected{};
  std::array<std::uint64_t, auth_failure_count> unauthenticated{};
  std::uint64_t update_checks = 0;
  std::uint64_t offers_made = 0;  ///< update checks answered with at least one manifest
  std::uint64_t chunks_served = 0;
  std::uint64_t chunks_not_found = 0;
  std::uint64_t update_results = 0;
  std::uint64_t telemetry_batches = 0;
  std::uint64_t telemetry_events = 0;  ///< new events stored (retransmissions not counted)
  std::uint64_t events_discarded = 0;  ///< past device_record::events_max
  std::uint64_t replies_dropped = 0;  ///< built but swallowed by `drop_replies`

  std::uint64_t rejected(attestation_failure r) const {
    return attestation_rejected[static_cast<std::size_t>(r)];
  }
  std::uint64_t refused(auth_failure r) const {
    return unauthenticated[static_cast<std::size_t>(r)];
  }
  std::uint64_t attestations_rejected() const;
  std::uint64_t mac_failures() const { return refused(auth_failure::bad_mac); }
  std::uint64_t replays() const { return refused(auth_failure::replay); }
};

struct update_report {
  fw::sim_time received_at{};
  std::string image_digest;
  wire::Component component = wire::COMPONENT_UNSPECIFIED;
  std::string version;
  wire::UpdateOutcome outcome = wire::UPDATE_OUTCOME_UNSPECIFIED;
  std::string reason;
};

struct stored_event {
  std::uint64_t number = 0;  ///< device-wide event number
  fw::sim_time received_at{};
  wire::DeviceEvent event;
};

/// What the cloud knows about one registered device.
struct device_record {
  static constexpr std::size_t events_max = 1u << 16;  ///< stored telemetry events

  crypto::public_key public_key{};
  std::string product;
  std::optional<wire::Evidence> last_evidence;  ///< of the last successful attestation
  std::uint64_t certificates_issued = 0;
  std::uint64_t last_certificate_serial = 0;
  std::uint32_t last_issuer_ca_id = 0;
  std::vector<update_report> updates;       ///< update results, in arrival order
  std::vector<stored_event> events;         ///< telemetry, each event number once
  std::uint64_t acked_through = 0;          ///< highest acked_through sent
  std::uint64_t dropped_events = 0;         ///< sum of what the device said it dropped
  std::uint64_t event_gaps = 0;             ///< events numbered below a batch that never arrived
};

struct cloud_options {
  std::int64_t epoch_us = default_epoch_us;  ///< wall-clock time at sim_time zero
  std::uint64_t seed = 1;                    ///< random_stream(seed, 0, "test-cloud")
  std::string tenant = "contoso";
  fw::duration certificate_lifetime = std::chrono::hours(24);
  fw::duration nonce_lifetime = std::chrono::minutes(5);
  std::uint32_t active_ca = 1;
};

class test_cloud : public cloud_endpoint {
 public:
  static constexpr std::size_t nonces_max = 4096;  ///< unanswered challenges, all devices

  explicit test_cloud(const test_keys& keys, cloud_options options = {});
  test_cloud(const test_keys& keys, std::int64_t epoch_us);

  /// Lets the device with this key attest (claims it into the tenant).
  void register_device(const crypto::public_key& device_key,
                       const std::string& product = default_product);
  /// Makes the image's manifest digest a known-good measurement (factory images).
  void add_known_good(const wire::built_image& image);
  /// Offers the image to devices running an older version; also known good.
  void publish(const wire::built_image& image);
  /// Stops offering and serving the image; its measurement stays known good.
  void unpublish(const crypto::digest& image_digest);
  /// Tenant CA (1 or 2) that signs certificates from now on.
  void set_active_ca(std::uint32_t ca_id);
  void set_certificate_lifetime(fw::duration lifetime);
  /// Validity written into CA `ca_id`'s certificate (default: epoch - 1 day to epoch + 2 years).
  void set_ca_validity(std::uint32_t ca_id, std::int64_t not_before_us, std::int64_t not_after_us);

  /// Handles one serialized request envelope; returns the serialized replies
  /// (one, or none when offline, unreadable or dropped).
  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override;

  /// Attack hook, a compromised or buggy service: edits every reply before
  /// it is MAC'd, so the device must catch it with signatures and checks.
  std::function<void(wire::Envelope& reply)> tamper_reply;
  /// Attack hook, an attacker on the link: edits the serialized reply after the MAC.
  std::function<void(std::string& reply_bytes)> tamper_bytes;
  bool drop_replies = false;  ///< process requests, send nothing back
  bool offline = false;       ///< process nothing, send nothing back

  const cloud_counters& counters() const { return counters_; }
  /// Null when no device with this ID is registered.
  const device_record* device(const crypto::device_id& id) const;
  std::int64_t wall_time_us(fw::sim_time now) const { return options_.epoch_us + now.count(); }
  const test_keys& keys() const { return keys_; }
  std::uint32_t active_ca() const { return options_.active_ca; }

 private:
  struct session {
    std::uint64_t id = 0;
    crypto::seed key{};
    fw::sim_time expires_at{};
    std::uint64_t last_sequence = 0;
  };
  struct device_entry {
    device_record record;
    session current;  ///< id 0: none
  };
  struct nonce_entry {
    std::string device_id;
    fw::sim_time issued_at{};
    bool used = false;
  };
  struct ca_validity {
    std::int64_t not_before_us = 0;
    std::int64_t not_after_us = 0;
  };

  /// Fills `reply`; `mac_key` is set when the request was authenticated.
  void dispatch(fw::sim_time now, const wire::Envelope& request, wire::Envelope& reply,
                std::optional<crypto::seed>& mac_key);
  void on_challenge_request(fw::sim_time now, const wire::Envelope& request, wire::Envelope& reply);
  void on_evidence(fw::sim_time now, const wire::Envelope& request, wire::Envelope& reply);
  device_entry* authenticate(fw::sim_time now, const wire::Envelope& request,
                             wire::Envelope& reply);
  void on_update_check(const wire::UpdateCheck& check, wire::Envelope& reply);
  void on_chunk_request(const wire::ChunkRequest& request, wire::Envelope& reply);
  void on_telemetry(fw::sim_time now, device_entry& dev, const wire::TelemetryBatch& batch,
                    wire::Envelope& reply);
  void reject(attestation_failure reason, wire::Envelope& reply);
  void invalid(const std::string& detail, wire::Envelope& reply);
  std::vector<std::string> emit(wire::Envelope& reply, const std::optional<crypto::seed>& mac_key);
  void forget_expired_nonces(fw::sim_time now);
  void forget_used_nonces();

  test_keys keys_;
  cloud_options options_;
  crypto::random_stream random_;
  cloud_counters counters_;
  std::map<std::string, device_entry> devices_;         ///< by device ID bytes
  std::map<std::uint64_t, std::string> sessions_;       ///< session ID -> device ID bytes
  std::map<std::string, nonce_entry> nonces_;           ///< by nonce bytes
  std::map<std::string, wire::Manifest> known_good_;    ///< by manifest digest bytes
  std::map<std::string, wire::built_image> published_;  ///< by image digest bytes
  std::array<ca_validity, key_slots> ca_validity_{};
  std::uint64_t next_serial_ = 1;
};

/// One step of the measurement chain: SHA-256(register || manifest_digest).
crypto::digest extend_measurement(const crypto::digest& register_value,
                                  const crypto::digest& manifest_digest);
/// The register after measuring `manifest_digests` in order from 32 zero bytes.
crypto::digest measurement_chain(const std::vector<crypto::digest>& manifest_digests);

}  // namespace fleet::testing
