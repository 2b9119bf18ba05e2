#pragma once
// The security service: the units of cloud-model put together behind the
// device protocol (proto/device.proto) and the operator API (C++ methods,
// the future gRPC surface).
//
// Pure like the units: every entry point takes `now` (simulated time);
// randomness comes only from streams derived from the seed given at
// construction; no clock, no IO, no threads. next_deadline()/advance() drive
// the CA rollover, rollout timeouts and nonce expiry.
//
// Sharding: per-device state (sessions, nonces, quarantine, telemetry) lives
// in `shard_count` device shards, a device's shard chosen by a hash of its
// ID. Randomness a device's requests consume comes from a stream derived from
// (seed, device index, draw number), never from a shard's stream, so the same
// requests give the same reply bytes whatever the shard count. Registry, CA,
// images, deployments and the global rate budget are shared service state.
//
// Time: the CA and the firmware speak wall-clock microseconds in
// certificates (the device checks validity on its wall clock), so the service
// hands the CA `wall_clock_at_zero + now`.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/attestation_verifier.hpp"
#include "fleet/cloud/certificate_authority.hpp"
#include "fleet/cloud/distribution_tamper.hpp"
#include "fleet/cloud/image_service.hpp"
#include "fleet/cloud/rate_limiter.hpp"
#include "fleet/cloud/registry.hpp"
#include "fleet/cloud/rollout_controller.hpp"
#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/session_table.hpp"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/telemetry_store.hpp"
#include "fleet/cloud/update_eligibility.hpp"
#include "fleet/crypto/crypto.hpp"

namespace fleet::cloud {

inline constexpr std::size_t shards_max = 256;
inline constexpr std::size_t deployments_max = 10'000;
inline constexpr std::size_t deployment_images_max = wire::offer_manifests_max;

struct service_settings {
  std::uint64_t seed = 1;
  std::uint32_t shard_count = 1;  ///< in [1, shards_max]
  /// UTC microseconds at simulated time zero (certificates carry wall time).
  std::chrono::microseconds wall_clock_at_zero{0};
  ca_settings ca;
  /// How long a restricted session (repair traffic only) lasts; at most the
  /// certificate lifetime. The device attests again at its end.
  duration restricted_session_lifetime = std::chrono::hours(24);
  registry_limits registry;
  image_service_limits images;
  rate_limits rates;
  session_limits sessions;
  attestation_limits attestation;
  telemetry_limits telemetry;
  /// The service may hold one partition of a larger fleet (the engine's,
  /// docs/engine.md): its registry index i is then the fleet's device
  /// i * partitions + partition. A device's randomness is drawn by its
  /// fleet index, so devices of different partitions never share a stream.
  std::uint32_t partition = 0;
  std::uint32_t partitions = 1;  ///< >= 1; partition < partitions
  /// The service is one partition of a partitioned engine: deployments
  /// created from now on get governed controllers (rollout_controller.hpp),
  /// run by a rollout_governor's orders through follow_deployment().
  bool governed_rollouts = false;
};

/// The service root key a service run with `seed` holds (device ROMs hold
/// its public half). A simulator's keys derive from its seed.
crypto::signing_key_pair service_root_of(std::uint64_t seed);

// ------------------------------------------------------------ operator API

/// How an operator call was refused, mapped later onto gRPC statuses.
enum class op_status : std::uint8_t {
  ok,
  invalid_argument,     ///< the request itself is wrong (name, size, policy)
  not_found,            ///< a tenant, product, group, device, image or deployment that does not exist
  failed_precondition,  ///< valid, but not in the current state (already final, other tenant)
  resource_exhausted,   ///< a limit is reached (too many IDs, store full)
};
const char* name_of(op_status s);

/// An operator answer: a value, or a status with what is wrong.
template <class T>
struct op_result {
  op_status status = op_status::ok;
  std::string message;
  T value{};
  bool ok() const { return status == op_status::ok; }
};

using deployment_id = std::uint32_t;

struct deployment_spec {
  group_id group = 0;
  std::vector<crypto::digest> images;  ///< at most deployment_images_max, one per component
  rollout_policy policy;
  std::string name;
  /// The image to roll back to when the policy's rollback fires: offered to
  /// the devices that committed the deployment's image of its component. It
  /// must pass rollback_target_problem() against that image (a higher
  /// version, a security version at least the failed one's), and the policy
  /// must have a rollback trigger. None: the rollback only stops the rollout.
  std::optional<crypto::digest> rollback_image;
  /// A repair of revoked software: devices in a restricted session (their
  /// only fault is an image no longer trusted) are offered its images even
  /// when it is not the group's newest of the component.
  bool repair = false;
};

struct deployment_created {
  deployment_id id = 0;
  std::uint32_t devices = 0;  ///< targeted at creation
  std::vector<policy_error> errors;  ///< when refused as invalid_argument: every problem found
};

/// What `show_device` says about one device.
struct device_view {
  device_index index = 0;
  device_record record;
  device_telemetry telemetry;
  bool quarantined = false;
  bool blocked = false;  ///< flagged as cloned: refused until the operator unblocks it
  bool session_live = false;
  std::uint32_t shard = 0;
};

// -------------------------------------------------------------- counters

struct service_counters {
  std::uint64_t requests = 0;
  std::uint64_t ignored = 0;         ///< oversized or unparseable: no reply
  std::uint64_t invalid = 0;         ///< answered ERROR_INVALID
  std::uint64_t rate_limited = 0;    ///< answered ERROR_RATE_LIMITED (rate limiter or nonce table)
  std::uint64_t unauthenticated = 0;
  std::uint64_t attestation_failed = 0;
  std::uint64_t not_found = 0;
  std::uint64_t certificates_issued = 0;
  std::uint64_t certificate_checks_refused = 0;  ///< presented certificates refused (any check, the proof included)
  std::uint64_t clones_flagged = 0;
  std::uint64_t revocations = 0;
  std::uint64_t blocked_refused = 0;  ///< requests of a blocked identity
  std::uint64_t update_checks = 0;
  std::uint64_t offers = 0;           ///< update offers with at least one manifest
  std::uint64_t chunks_served = 0;
  std::uint64_t update_results = 0;
  std::uint64_t telemetry_batches = 0;
  /// App crashes in telemetry that turned a device's commit of a deployed image into a failure after commit.
  std::uint64_t failures_after_commit = 0;
  std::uint64_t rollback_offers = 0;  ///< update offers carrying a rollback image (repeats included)
  std::uint64_t images_revoked = 0;       ///< operator revocations of trust in an image
  std::uint64_t restricted_sessions = 0;  ///< restricted sessions granted (evidence whose only fault is revoked software)
  /// Requests a restricted session may not make, by restricted_refusal.
  std::array<std::uint64_t, 3> restricted_refused{};
};

/// Why a request in a restricted session was refused (ERROR_ATTESTATION_FAILED
/// "restricted_session: <name>"): it may check for updates, fetch chunks of
/// a repair and report update results, nothing else.
enum class restricted_refusal : std::uint8_t {
  none,
  not_repair_traffic,  ///< telemetry, or anything but the three
  not_a_repair,        ///< a chunk of an image that repairs nothing it runs revoked (or is itself revoked)
};
const char* name_of(restricted_refusal r);

/// A reply as the service made it: its bytes, and what it is, so that a
/// host routing it need not parse what the service just serialized.
struct served_reply {
  std::string bytes;
  wire::Envelope::BodyCase body = wire::Envelope::BODY_NOT_SET;
  wire::ErrorCode error = wire::ERROR_CODE_UNSPECIFIED;  ///< when `body` is an error
  /// When `body` is an error: the check that refused the request, as the
  /// error's detail names it (`bad_mac`, `bad_signature`, ...; check_named),
  /// so that whoever altered it on the wire learns which check it met.
  /// Empty when served.
  std::string refused_by;
  /// The distribution tamper's tag when it altered the reply; 0: untouched.
  std::uint32_t tampered_by = 0;
};

/// The check an error reply names, as a name: its detail when that is one
/// (`bad_signature`), a rate limit's budget ("rate limited: source" is
/// `source_budget`), a certificate's check ("certificate expired" is
/// `expired`), the name after another prefix, else the error code's own
/// (`invalid` for "device_id must be 64 bytes").
std::string check_named(wire::ErrorCode code, std::string_view detail);

class device_shard;

class security_service {
 public:
  /// `service_root` vouches for the tenant CAs (device ROMs hold its public key).
  security_service(const crypto::signing_key_pair& service_root, service_settings settings = {});
  ~security_service();
  security_service(const security_service&) = delete;
  security_service& operator=(const security_service&) = delete;

  // ---- device API
  /// One serialized request Envelope from `source` (a network location);
  /// returns the reply with what it is, or none for unreadable input.
  std::optional<served_reply> serve(sim_time now, std::string_view request_bytes, source_id source);
  /// serve(), as bytes only: one reply, or none.
  std::vector<std::string> handle(sim_time now, std::string_view request_bytes, source_id source);

  // ---- operator API
  op_result<tenant_id> create_tenant(std::string_view name);
  /// Creates the product and its five default groups.
  op_result<product_id> create_product(tenant_id tenant, std::string_view name);
  op_result<group_id> default_group_of(product_id product, default_group which) const;
  op_result<group_id> create_group(product_id product, std::string_view name, group_update_policy policy,
                                   os_feed feed);
  op_result<group_id> set_group_policy(group_id group, group_update_policy policy);
  /// Claims up to claim_ids_max devices (hex IDs); one result per ID.
  op_result<std::vector<claim_result>> claim_devices(tenant_id tenant, const std::vector<std::string>& hex_ids);
  op_result<device_index> move_device(std::string_view hex_id, group_id group);
  /// The manufacturer's record of a device key. Takes effect in the registry
  /// when the device is claimed (now or later).
  op_result<crypto::device_id> register_device_key(const crypto::public_key& key);
  op_result<device_page> list_devices(tenant_id tenant, std::uint32_t from, std::size_t limit) const;
  op_result<device_view> show_device(std::string_view hex_id) const;
  /// Lets a device flagged as cloned attest again (after the operator dealt with it).
  op_result<bool> unblock_device(std::string_view hex_id);
  /// Uploads, signs and stores an image; its measurement becomes known good
  /// for its product. Its Retail release time is `now`.
  op_result<crypto::digest> upload_image(sim_time now, const wire::image_spec& spec, const std::string& content);
  /// Refuses images that have expired. When the new deployment starts (now,
  /// or at its policy's start time), an older live one of the same group and
  /// a component of this one is halted: the new one supersedes it.
  op_result<deployment_created> create_deployment(sim_time now, const deployment_spec& spec);
  /// Governed service (governed_rollouts): the local share's status, with the phase of the last orders.
  op_result<rollout_status> deployment_status(deployment_id id) const;
  /// A governed deployment's report for the control's tick (rollout_controller::share_report()).
  /// failed_precondition for an ungoverned one.
  op_result<rollout_share_report> deployment_share_report(deployment_id id);
  /// Takes the control's orders for a governed deployment; invalid_argument
  /// for orders of another wave count, failed_precondition for an ungoverned
  /// deployment. A deployment that starts by them takes over the older ones
  /// it replaces at `now`, as an ungoverned one does at its start.
  op_result<bool> follow_deployment(sim_time now, deployment_id id, const rollout_orders& orders);
  /// The outcome of a device (registry index) in a deployment; not_found when
  /// the deployment or the device is not known, none when it is not targeted.
  op_result<std::optional<device_outcome>> deployment_outcome_of(deployment_id id, device_index device) const;
  /// The deployment's last state and wave changes, oldest first (at most history_max).
  op_result<std::vector<transition>> deployment_history(deployment_id id) const;
  op_result<rollout_state> pause(sim_time now, deployment_id id);
  op_result<rollout_state> resume(sim_time now, deployment_id id);
  op_result<rollout_state> halt(sim_time now, deployment_id id);
  /// Error reports and telemetry of a tenant (or one of its devices) as CSV.
  op_result<std::string> export_error_reports(sim_time now, tenant_id tenant,
                                              std::optional<std::string> hex_id = std::nullopt) const;
  /// A new image-signing key becomes current (its id is the result).
  /// revoke_previous, the answer to a leaked key: every earlier key is
  /// revoked, the stored images are signed again with the new one (their
  /// new manifests as good as the old for attestation), and each certificate
  /// and update offer from now on carries a new trusted key store saying so.
  op_result<std::uint32_t> rotate_image_signing_key(sim_time now,
                                                    key_rotation how = key_rotation::keep_previous);
  /// Revokes trust in an image (a vulnerability was found): from now on a
  /// device running it fails attestation (revoked_measurement) and gets only
  /// a restricted session, in which it is offered the images that repair it.
  /// The image is no longer offered nor deployable. Its measurements under
  /// every signing key are revoked, including those of later rotations.
  op_result<bool> revoke_image(sim_time now, const crypto::digest& image_id);
  /// Whether the operator revoked trust in the image.
  bool image_revoked(const crypto::digest& image_id) const;

  // ---- simulation
  /// Every update offer and chunk the service sends passes through `tamper`
  /// before it is sealed (a compromised mirror); null: none. Outlives the service's use.
  void set_distribution_tamper(distribution_tamper* tamper) { tamper_ = tamper; }

  // ---- snapshot (service_state.cpp)
  /// The whole state as a sequence of parts (service_state.proto), each
  /// handed to `write` in order and free to drop after: core, registry, CA,
  /// image service, each image, rate limiter, per shard its sessions,
  /// verifier, certificate requests and telemetry, then each deployment.
  void save(const std::function<void(const state::ServicePart&)>& write) const;
  /// Takes a saved state into a service fresh from construction with the
  /// same settings and root key, pulling the parts from `next` (false: no
  /// more). The result answers every later call as the saved service would
  /// have. Refused when the parts do not fit (the problem names what);
  /// the service is then to be dropped.
  restore_status restore(const std::function<bool(state::ServicePart&)>& next);

  // ---- time
  sim_time next_deadline() const;
  void advance(sim_time now);

  // ---- inspection
  const service_counters& counters() const { return counters_; }
  /// The telemetry stores' counters, summed over the shards.
  telemetry_counters telemetry_totals() const;
  const registry& devices() const { return registry_; }
  certificate_authority& ca() { return ca_; }
  const image_service& images() const { return images_; }
  const rate_limiter& rates() const { return rates_; }
  std::vector<trusted_image_key> trusted_image_keys() const { return images_.trusted_keys(); }
  /// The trusted key store certificates carry; version 0 (and not sent) before a revocation.
  const wire::SignedKeyStore& key_store() const { return key_store_; }
  std::uint32_t shard_count() const { return static_cast<std::uint32_t>(shards_.size()); }
  /// The shard of a device ID (hash of the ID).
  std::uint32_t shard_of(const crypto::device_id& id) const;
  /// Summed over the shards.
  attestation_counters attestation_totals() const;
  session_counters session_totals() const;
  /// The session table of the shard that holds this device ID's session.
  const session_table& sessions_of(const crypto::device_id& id) const;
  std::size_t deployments() const { return deployments_.size(); }
  sim_time wall(sim_time now) const { return now + settings_.wall_clock_at_zero; }

 private:
  struct deployment {
    std::string name;
    group_id group = 0;
    std::vector<crypto::digest> images;
    std::optional<crypto::digest> rollback_image;
    std::unique_ptr<rollout_controller> controller;
    std::unordered_map<device_index, device_index> members;  ///< registry index -> rollout index
    bool took_over = false;  ///< it started, and halted the older deployments it replaces
    bool repair = false;     ///< deployment_spec::repair
  };
  struct image_meta {
    sim_time released_at{0};
    bool revoked = false;  ///< revoke_image
  };
  /// The request being answered: the reply is sealed when `sealed`.
  struct context {
    sim_time now{0};
    source_id source = 0;
    const wire::Envelope* request = nullptr;
    wire::Envelope* reply = nullptr;
    device_shard* shard = nullptr;
    crypto::device_id id{};
    std::optional<device_index> device;
    bool sealed = false;
    bool restricted = false;  ///< authenticated in a restricted session
  };

  // service_device_api.cpp
  void dispatch(context& c);
  void on_challenge(context& c);
  void on_evidence(context& c);
  /// Evidence whose only fault is revoked software: a restricted session and its signed grant.
  void grant_restricted(context& c, const attestation_facts& facts);
  /// What opening an attested device's session found: its record and tenant, the session.
  struct attested_session {
    const device_record* record = nullptr;
    const tenant_info* tenant = nullptr;
    opened_session session;
    std::string service_share;  ///< the service's X25519 share, as sent
  };
  /// The session an attestation opens, full or restricted, until `expires`;
  /// none, after answering why, for a blocked identity or a session refused.
  std::optional<attested_session> open_attested_session(context& c, const attestation_facts& facts, sim_time expires,
                                                        bool restricted);
  /// The request a restricted session makes, if it may.
  bool restricted_allows(context& c);
  bool authenticate(context& c);
  bool authenticate_certificate(context& c);
  /// Answers RATE_LIMITED when `d` refused.
  bool admitted(context& c, const rate_decision& d);
  void on_update_check(context& c);
  void on_chunk_request(context& c);
  void on_update_result(context& c);
  void on_telemetry(context& c);
  void error(context& c, wire::ErrorCode code, std::string detail, duration retry_after = duration{0});
  void handle_clones(sim_time now, device_shard& shard);
  crypto::random_stream device_stream(device_index device);
  bool blocked(device_index device) const;
  // service_updates.cpp
  bool applies(const stored_image& image, const wire::UpdateCheck& check) const;
  /// Past the manifest's expiry on the wall clock: every device would refuse it.
  bool expired(const stored_image& image, sim_time now) const;
  /// Once deployment `index` has started, halts the older live ones it replaces.
  void take_over(sim_time now, std::size_t index);
  std::optional<deployment*> deployment_of(device_index device, const crypto::digest& image);
  std::optional<device_index> member(deployment& d, sim_time now, device_index device);
  /// The rollback image for this device when `d`'s rollback is under way and
  /// its controller offers it now; null otherwise.
  const stored_image* rollback_offer(deployment& d, sim_time now, device_index device, const wire::UpdateCheck& check);
  /// App crashes in a telemetry batch: a device that committed a deployed
  /// app image of the crashed version failed after its commit.
  void note_app_crashes(sim_time now, device_index device, const wire::TelemetryBatch& batch);
  /// Why spec.rollback_image cannot serve as the rollback; empty when it can.
  std::string rollback_image_problem(const deployment_spec& spec) const;
  /// Whether `image` of deployment `d` repairs a device of d's group: it is
  /// trusted, and `d` is a repair or the image is the group's newest trusted
  /// one of its component among the live deployments.
  bool repairs(const deployment& d, const crypto::digest& image_id, const stored_image& image) const;

  /// The image's manifest as attestation measures it is good, in every shard.
  void mark_known_good(const stored_image& image);
  /// Signs a new trusted key store: the keys trusted now and the revoked ones.
  void publish_key_store();
  // service_state.cpp
  restore_status restore_core(const state::ServiceCore& core);
  restore_status restore_deployment(const state::DeploymentState& in);

  std::optional<registered_device> lookup(const crypto::device_id& id) const;
  device_shard& shard_for(const crypto::device_id& id);
  std::optional<device_index> find_hex(std::string_view hex_id) const;

  service_settings settings_;
  crypto::signing_key_pair root_;  ///< signs the trusted key store
  registry registry_;
  certificate_authority ca_;
  image_service images_;
  rate_limiter rates_;
  std::vector<std::unique_ptr<device_shard>> shards_;
  std::map<crypto::digest, image_meta> image_meta_;
  std::map<crypto::device_id, crypto::public_key> manufacturer_keys_;
  std::vector<std::uint64_t> draws_;      ///< random draws per device index
  std::vector<std::uint8_t> blocked_;     ///< by device index: flagged as cloned
  std::vector<deployment> deployments_;   ///< by id - 1
  service_counters counters_;
  distribution_tamper* tamper_ = nullptr;
  wire::SignedKeyStore key_store_;
  std::uint32_t key_store_version_ = 0;
};

}  // namespace fleet::cloud
