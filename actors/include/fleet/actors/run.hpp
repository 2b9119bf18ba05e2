#pragma once
// Running the engine's input (run_input.hpp): how, and what it reports. The
// report fields follow architecture.md's contract (the CLI writes them as
// JSON); the engine fills everything but the wall-clock and process figures.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleet/actors/sim_histogram.hpp"
#include "fleet/actors/traffic.hpp"
#include "fleet/crypto/crypto.hpp"
#include "fleet/actors/run_input.hpp"

namespace fleet::actors {

using sim_time = std::chrono::microseconds;
using duration = std::chrono::microseconds;

struct live_snapshot;

struct run_options {
  std::uint32_t threads = 1;  ///< CAF scheduler threads; the result does not depend on it
  /// 0: as fast as possible; X > 0: simulated time paced at X times wall time.
  double speed = 0;
  /// Timeline samples over the run (at least 2: start and end).
  /// 97: hourly over four days, enough for the HTML report's charts to show
  /// a fleet booting and each wave; a sample is a pass over the fleet.
  std::uint32_t timeline_points = 97;
  /// Called between stretches about every `observe_every` of wall time, and
  /// once at the end, with the run as it stands (live_snapshot.hpp): what the
  /// status block and the metrics show. Taking it costs a pass over the fleet,
  /// so they are spaced further apart when they cost more than
  /// `observe_share_max` of the wall time (a million devices: about every 1.5 s).
  std::function<void(const live_snapshot&)> observe;
  std::chrono::milliseconds observe_every{1000};
  double observe_share_max = 0.05;  ///< 0: no limit (every `observe_every`, whatever it costs)
  /// Set by another thread (Ctrl-C): the run stops at the end of the stretch under way (well under a second of wall time).
  const std::atomic<bool>* stop = nullptr;
};

/// What the fleet did, summed over every device and the cloud.
struct run_counters {
  std::uint64_t boots = 0;
  std::uint64_t attestations = 0;         ///< certificates the devices accepted
  std::uint64_t attestation_failures = 0;
  std::uint64_t certificates_issued = 0;  ///< by the cloud
  std::uint64_t updates_downloaded = 0;
  std::uint64_t updates_installed = 0;
  std::uint64_t updates_committed = 0;
  std::uint64_t updates_rolled_back = 0;
  std::uint64_t updates_rejected = 0;
  std::uint64_t updates_failed = 0;
  std::uint64_t bricked = 0;              ///< devices with no valid chain at the end
  std::uint64_t app_crashes = 0;
  std::uint64_t messages_sent = 0;        ///< both ways
  std::uint64_t messages_lost = 0;        ///< by the network model
  std::uint64_t messages_lost_to_faults = 0;  ///< dropped by partitions and degraded links, both ways
  std::uint64_t requests_dropped_by_outages = 0;  ///< at the cloud's endpoint
  std::uint64_t unsigned_code_started = 0;  ///< software started whose digest no scenario key signed
  std::uint64_t attacks_stopped = 0;      ///< attempts of every attack that a defence refused
  /// Fault events that acted: each device a device fault acted on (a power
  /// cut, a clock jump, a bit rot, a write torn: see faults_armed), each
  /// device a link fault hits, each outage that began.
  std::uint64_t faults_injected = 0;
  /// Telemetry events, as the devices account for them at the end: each was
  /// delivered (acknowledged), dropped from a full buffer, lost with the RAM
  /// at a power loss, or is still buffered.
  std::uint64_t telemetry_generated = 0;
  std::uint64_t telemetry_delivered = 0;
  std::uint64_t telemetry_dropped = 0;
  std::uint64_t telemetry_lost_to_power = 0;
  std::uint64_t telemetry_buffered = 0;
  /// Events the cloud took (stored, or refused for a full store and counted).
  std::uint64_t telemetry_received = 0;
  /// Legacy devices a guardian flashed with an image it verified (guardian products).
  std::uint64_t legacy_flashed = 0;
  /// Trusted key stores the devices verified and took (after an image-signing key was revoked).
  std::uint64_t key_stores_taken = 0;
  /// Restricted sessions the devices accepted: attestation refused on
  /// revoked software (revoked_measurement), repair traffic only.
  std::uint64_t restricted_sessions = 0;
  /// Torn writes armed (power_loss during flash_write): one per device hit,
  /// or per occurrence at a rate, whether or not a write came. An armed
  /// device that writes nothing before its power goes otherwise or the run
  /// ends is never torn: only writes_torn counts in faults_injected.
  std::uint64_t faults_armed = 0;
  std::uint64_t writes_torn = 0;  ///< of faults_armed, those that tore a flash write
};

/// Devices per running app version and per state at one simulated time.
struct timeline_point {
  sim_time at{0};
  std::map<std::string, std::uint64_t> app_versions;  ///< "1.1.0" -> devices running it
  std::map<std::string, std::uint64_t> states;        ///< "off", "running" (no certificate), "attested", "trial", "bricked"
};

/// One change of a deployment's state or wave, as its rollout controller recorded it.
struct deployment_transition {
  sim_time at{0};
  std::string state;   ///< after the change
  std::uint32_t wave = 0;  ///< the wave open after the change, counted from 1
  std::string reason;  ///< the controller's transition reason
};

/// A deployment's cloud-initiated rollback, in devices (cloud::rollback_progress).
struct rollback_figures {
  std::uint64_t took = 0;       ///< committed the deployment's image
  std::uint64_t offered = 0;    ///< of them, offered the rollback image at least once
  std::uint64_t committed = 0;  ///< reported the rollback image committed
  std::uint64_t failed = 0;     ///< last attempt at it failed or rolled back
  std::uint64_t rejected = 0;   ///< refused it
  std::optional<sim_time> requested_at;         ///< when the rollback policy fired
  std::optional<sim_time> last_committed_at;    ///< the latest rollback commit
};

struct deployment_outcome {
  std::string name;
  std::string state;  ///< the rollout controller's state at the end
  std::uint32_t devices = 0;
  std::uint32_t waves_opened = 0;  ///< 0 when it never started
  std::uint64_t notified = 0;      ///< devices offered the update at least once
  std::uint64_t succeeded = 0, failed = 0, rejected = 0, timed_out = 0;
  /// Oldest first; the controller keeps the last 256 (cloud::history_max).
  std::vector<deployment_transition> transitions;
  /// Devices that committed the image and then reported it crashing.
  std::uint64_t failed_after_commit{};
  rollback_figures rollback{};  ///< the cloud-initiated rollback; zero without one
  /// Update checks refused an offer because the in-flight cap was reached:
  /// zero when the cap never bound.
  std::uint64_t refused_in_flight_full{};
};

/// A deployment's cloud-initiated rollback at one simulated time.
struct rollback_census {
  std::uint64_t took = 0;       ///< devices that committed the deployment's image (the cloud's record)
  std::uint64_t running = 0;    ///< of them, running the rollback image (each device's own state)
  std::uint64_t committed = 0;  ///< rollback commits the cloud counted (the devices' reports)
};

/// Devices per app version in each scenario group, at one simulated time:
/// taken at the input's census_times (the times the scenario's checks look).
struct census {
  sim_time at{0};
  std::vector<std::map<std::string, std::uint64_t>> app_versions_by_group;  ///< by scenario group
  std::vector<std::uint64_t> attested_by_group;  ///< devices holding a valid certificate, by scenario group
  /// By scenario deployment (zero for one without a rollback image): its cloud-initiated rollback.
  std::vector<rollback_census> rollback_by_deployment{};
  /// Devices holding a valid certificate, by scenario group and what they
  /// run: "<component>@<version>" (fw::name_of) -> devices, every component.
  std::vector<std::map<std::string, std::uint64_t>> attested_running_by_group{};
};

/// What became of one revocation of trust in an image (scenario cloud.revoke),
/// as the devices lived it.
struct revocation_outcome {
  std::string image;  ///< "name@version"
  sim_time at{0};
  /// Devices running the image when it was revoked (a device off then: at
  /// its next boot), those an offline fault had switched off at that moment
  /// apart.
  std::uint64_t affected_online = 0;
  std::uint64_t affected_offline = 0;
  /// Healed: attested (a certificate accepted) running another image of the
  /// component, for the first time since they ran the revoked one.
  std::uint64_t healed_online = 0;
  std::uint64_t healed_offline = 0;
  /// Time from the revocation until 50 %, 99 % and 100 % of affected_online
  /// were healed; -1 when never reached.
  duration online_healed_50{-1}, online_healed_99{-1}, online_healed_100{-1};
  /// The same for the offline ones, from the revocation.
  duration offline_healed_100{-1};
  /// Certificates devices accepted after the revocation while running the
  /// image: never_trusted_after_revocation wants none.
  std::uint64_t certificates_on_revoked = 0;
  /// Requests reaching the cloud per minute: the mean and the peak over the
  /// day before the revocation, and the peak of the day from it (the minute it began).
  double requests_per_minute_before = 0;
  std::uint32_t requests_per_minute_peak_before = 0;
  std::uint32_t requests_per_minute_peak = 0;
  sim_time peak_minute_at{0};
};

/// What one fault did.
struct fault_outcome {
  std::string name;
  std::string kind;
  /// Devices it picks (cloud outages: 0); for power_loss during flash_write,
  /// the devices it arms, of which only those that tore a write were hit.
  std::uint64_t devices_hit = 0;
  sim_time at{0};
  duration length{0};  ///< 0 for an instant fault
  std::uint64_t spells = 0;  ///< begun, for a lasting fault at random (fault_spells.hpp)
  /// A cloud outage: the requests it dropped at the cloud's endpoint (a
  /// request two outages cover counts for the first in scenario order).
  std::uint64_t requests_dropped = 0;
  /// power_loss during flash_write (0 for other kinds): the torn writes it
  /// armed (run_counters::faults_armed), and of them those that tore one.
  std::uint64_t armed = 0;
  std::uint64_t writes_torn = 0;
  /// Of writes_torn, by the kind of write torn: "erase", "header", "chunk",
  /// "metadata" (which step of an update, or the update metadata, it reached).
  std::map<std::string, std::uint64_t> torn_by_write{};
  /// A device fault (power loss, offline, clock jump, bit rot): the states
  /// of the devices it acted on when it acted ("off", "running", "attested",
  /// "trial", "bricked"; a torn write: when it was armed); none met left out.
  std::map<std::string, std::uint64_t> device_states{};
  /// The same devices by the update step they were at: "none" (no update
  /// in progress), "downloading", "staged" (verified, waiting to be
  /// installed), "trial" (booted on trial, not committed); none met left out.
  std::map<std::string, std::uint64_t> update_steps{};
};

/// What one attack tried and how it went. An attempt is one identity tried
/// (spoof, clone, replay), one message altered (man in the middle), or one
/// offer or chunk a compromised mirror served (the mirror's kinds).
struct attack_outcome {
  std::string name;
  std::string kind;
  std::uint64_t tried = 0;
  std::uint64_t stopped = 0;       ///< refused by a defence
  std::uint64_t got_through = 0;   ///< got what it was after
  std::uint64_t certificates = 0;  ///< issued by the cloud to the attacker
  sim_time at{0};
  duration length{0};  ///< 0 for an attack that is one burst
  /// Attempts a device refused, by the firmware's reject reason
  /// ("chunk_digest_mismatch"): the check that stopped them.
  std::map<std::string, std::uint64_t> stopped_by{};
  /// For kinds that spare their victims (input::spares_its_victims):
  /// the victims, and those holding a valid certificate at the end.
  std::uint64_t victims = 0;
  std::uint64_t victims_attested = 0;
  std::uint64_t restricted_sessions = 0;  ///< restricted sessions granted to the attacker
};

/// One cell of the breakdown: a scenario group and a hardware revision of its product.
struct group_revision_outcome {
  std::string group;
  std::string revision;
  breakdown_counts counts;
};

/// One expectation's verdict, with what was seen.
struct expectation_result {
  std::string name;
  bool passed = false;
  std::string detail;
};

struct run_result {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint64_t devices = 0;
  std::uint32_t threads = 0;
  sim_time simulated{0};  ///< reached (less than the scenario's duration when stopped)
  bool complete = false;  ///< false: stopped before the end
  std::string trace_hash;  ///< hex BLAKE2b-256 over every entity's event log, in entity order
  crypto::op_counts crypto_ops;
  std::uint64_t events = 0;   ///< handled by devices and the cloud
  std::uint32_t partitions = 0;  ///< the fleet's (input::partition_count)
  std::uint64_t windows = 0;  ///< steps of the partitions' loops, summed
  /// Stretches of simulated time the partitions ran between two waits for
  /// all of them: control ticks, timeline points and censuses, progress.
  std::uint64_t barriers = 0;
  std::uint64_t control_ticks = 0;  ///< ticks at which the fleet-wide control decided
  run_counters counters;
  std::vector<deployment_outcome> deployments;
  std::vector<timeline_point> timeline;
  std::vector<census> censuses;                    ///< in time order
  std::vector<std::uint32_t> requests_per_minute;  ///< reaching the cloud, by simulated minute
  std::vector<fault_outcome> faults;               ///< in scenario order
  std::vector<attack_outcome> attacks;             ///< in scenario order
  std::vector<std::uint64_t> image_starts;         ///< software starts of each scenario image, in scenario order
  std::vector<revocation_outcome> revocations;     ///< in scenario order (cloud.revoke, by time)
  /// How long the devices' attestations took, by the simulated hour they completed in.
  std::vector<sim_histogram> attestation_time_by_hour;
  /// Attestations the devices gave up on (attestation_failed records), by the simulated hour.
  std::vector<std::uint64_t> attestation_failures_by_hour;
  /// Requests reaching the cloud by time bucket (traffic_bucket_width of
  /// the scenario's duration), kind and answer; the attackers' included.
  traffic_counts traffic;
  /// Per scenario group and hardware revision of its product: groups in
  /// scenario order, each with its product's revisions in order, every
  /// pair (devices or not). Requests are the devices' own (not attackers').
  std::vector<group_revision_outcome> by_group_and_revision;
  /// Filled by the caller from the scenario's checkers (checkers/expectations.hpp).
  std::vector<expectation_result> expectations;
};

/// Runs the input to its end (or until `stop`). Deterministic: the same
/// input and seed give the same result, trace_hash included, for any
/// `threads`.
run_result run(const input::run_input& s, const run_options& options);

}  // namespace fleet::actors
