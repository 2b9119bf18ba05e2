#pragma once
// A scenario as the engine consumes it: checked, typed, every reference
// resolved to an index. Only the loader makes one (loader.hpp); whatever it
// returns satisfies every rule docs/scenarios.md lists.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/device/behaviour.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::scenario {

using namespace std::chrono_literals;

/// Simulated time, as everywhere: microseconds.
using duration = std::chrono::microseconds;

struct hardware_revision {
  std::string name;
  double share = 0;  ///< of the product's devices; a product's shares sum to 1
};

/// A guardian product: each device fronts a legacy device (device::legacy_device).
struct guardian {
  duration reading_interval = 15min;  ///< the legacy device's readings, from one interval after power on
};

struct product {
  std::string name;
  std::vector<hardware_revision> revisions;
  std::optional<guardian> guards;  ///< present: its devices are guardians
};

struct group {
  std::string name;         ///< the cloud group of the product with this name
  std::size_t product = 0;  ///< index into fleet_spec::products
  std::uint32_t devices = 0;
};

struct network {
  duration latency_median = 50ms;  ///< one way
  duration latency_p99 = 250ms;
  double loss = 0;  ///< share of messages lost, each way
  std::uint64_t download_bytes_per_second = 1 << 20;
};

struct image {
  std::string name;
  wire::version version;
  fw::component component = fw::component::app;
  std::size_t product = 0;  ///< index into fleet_spec::products
  std::uint32_t security_version = 1;
  std::uint64_t size_bytes = 0;
  std::vector<std::string> hardware_revisions;  ///< empty: every revision of the product
  duration expires = 3650 * 24h;  ///< when the signed manifest expires, since the start of the run
  device::version_behaviour behaviour;

  /// "name@version", as files refer to it.
  std::string ref() const { return name + "@" + version.to_string(); }
};

struct fleet_spec {
  std::vector<product> products;
  std::vector<group> groups;
  /// Indices into scenario::images: per product, one image for each component
  /// of the boot chain, which its devices start with, and for a guardian
  /// product the LEGACY_FIRMWARE image its legacy devices start with.
  std::vector<std::size_t> firmware;
  network net;
};

struct deployment {
  std::string name;
  std::vector<std::size_t> images;  ///< indices into scenario::images, one product
  std::size_t group = 0;            ///< index into fleet_spec::groups
  /// Checked by cloud::validate(); `rollout.start_at` is the deployment's start.
  cloud::rollout_policy rollout;
  /// rollout.rollback.image: index into scenario::images, of a component
  /// among `images`, passing cloud::rollback_target_problem() against it.
  std::optional<std::size_t> rollback_image;
  /// The file names a rollback image, whether or not it was taken: checks
  /// referring to it say nothing more about one that was refused.
  bool rollback_image_named = false;
  /// A repair of revoked software (cloud::deployment_spec::repair).
  bool repair = false;
};

// ------------------------------------------------------------------ faults

enum class cloud_part : std::uint8_t { whole_service, attestation, updates };
enum class power_loss_moment : std::uint8_t { any_time, flash_write };

struct cloud_outage {
  cloud_part part = cloud_part::whole_service;
};
struct partition {};
struct degraded_network {
  double loss = 0;  ///< added to the network's own, each way
  duration extra_latency{0};
  duration jitter{0};  ///< a further delay drawn uniformly in [0, jitter) per message
};
struct power_loss {
  power_loss_moment during = power_loss_moment::any_time;
  duration restore_after = 30s;
};
struct offline {};
struct clock_jump {
  duration by{0};  ///< negative: behind
  std::optional<duration> corrected_after;  ///< set right again this long after the jump
};
struct bit_rot {};
struct slow_link {
  std::uint64_t bytes_per_second = 0;  ///< both ways, every message
};
using fault_kind =
    std::variant<cloud_outage, partition, degraded_network, power_loss, offline, clock_jump, bit_rot, slow_link>;

/// The kind's schema name: "cloud_outage", "partition", ...
const char* kind_name(const fault_kind& k);

struct fault {
  std::string name;  ///< the file's, or "<kind>[index]"
  duration at{0};
  duration length{0};    ///< 0 for instant kinds, unless they come at a rate (then the window)
  double fraction = 1;   ///< of the devices; cloud outages hit the cloud
  /// At random: per device hit (an outage: the cloud), per day, from `at`
  /// for `length` (the window).
  std::optional<double> rate_per_day;
  /// A lasting kind at random: how long each spell lasts (0 otherwise).
  duration spell{0};
  fault_kind kind;

  bool active_at(duration t) const { return t >= at && t < at + length; }
};

// ----------------------------------------------------------------- attacks

struct spoofed_identity {};
struct cloned_identity {};
struct replayed_evidence {};
struct man_in_the_middle {};
struct request_flood {
  double requests_per_second = 0;  ///< per identity
};
// Certificates presented instead of a session (actors/attack_host.hpp).
struct forged_certificate {};
struct expired_certificate {};
struct stolen_certificate {};
// Against the way in (actors/attack_host.hpp).
struct victim_lockout {
  double requests_per_second = 0;  ///< per victim
};
struct nonce_burning {};
// The mirror's kinds: a compromised distribution point serving a share of
// the devices (actors/distribution_mirror.hpp).
struct rogue_image {};
struct tampered_image {};
struct rollback_image {
  std::size_t image = 0;  ///< index into scenario::images: the older build offered
};
struct mix_and_match {
  std::size_t image = 0;  ///< index into scenario::images: made for other devices
};
struct freeze {
  std::size_t image = 0;  ///< index into scenario::images: expired by the attack's start
};
struct endless_data {};
/// With the fleet's image-signing key (key 1) in hand.
struct leaked_signing_key {};
using attack_kind = std::variant<spoofed_identity, cloned_identity, replayed_evidence, man_in_the_middle,
                                 request_flood, rogue_image, tampered_image, rollback_image, mix_and_match, freeze,
                                 endless_data, forged_certificate, expired_certificate, leaked_signing_key,
                                 stolen_certificate, victim_lockout, nonce_burning>;

/// The kind's schema name: "spoofed_identity", ...
const char* kind_name(const attack_kind& k);
/// Whether the attack sits in the update delivery (a compromised mirror).
bool in_the_mirror(const attack_kind& k);
/// Whether the attack names victims whose keys stay safe, who must stay
/// attested through it: not a clone (its victims are blocked), not a flood
/// (its identities are compromised), none on links or in the mirror.
bool spares_its_victims(const attack_kind& k);

struct attack {
  std::string name;  ///< the file's, or "<kind>[index]"
  duration at{0};
  duration length{0};      ///< man_in_the_middle, request_flood, victim_lockout and the mirror's kinds
  std::uint32_t count = 1;  ///< identities attacked
  double fraction = 1;      ///< man_in_the_middle: share of the links; the mirror's kinds: of the devices
  attack_kind kind;

  bool active_at(duration t) const { return t >= at && t < at + length; }
};

// ------------------------------------------------------------ expectations

struct no_bricked_devices {};
struct no_unsigned_code_ran {};
struct adoption {
  std::size_t image = 0;                ///< index into scenario::images, an app image
  double percent = 0;
  duration by{0};                       ///< the run's length when absent in the file
  std::optional<std::size_t> group;     ///< none: the whole fleet
};
struct rollout_halted {
  std::size_t deployment = 0;
  std::optional<std::uint32_t> before_wave;  ///< 1-based, as in the file
  std::optional<double> max_percent;
};
struct rollout_completed {
  std::size_t deployment = 0;
};
/// Of the devices that committed the deployment's image, at least `at_least`
/// (or `percent` of them) run its rollback image at `by`.
struct rolled_back_by_cloud {
  std::size_t deployment = 0;  ///< one with a rollback image
  std::optional<std::uint32_t> at_least;
  std::optional<double> percent;  ///< (0, 100]; exactly one of the two is set
  duration by{0};                 ///< the run's length when absent in the file
};
struct peak_request_rate {
  double max_per_second = 0;
  duration from{0};
  duration to{0};  ///< the run's length when absent in the file
};
struct devices_attested {
  double percent = 0;
  duration by{0};                    ///< the run's length when absent in the file
  std::optional<std::size_t> group;  ///< none: the whole fleet
};
struct image_never_ran {
  std::size_t image = 0;  ///< index into scenario::images
};
struct attestation_latency {
  double quantile = 0.99;
  duration max{0};
  duration from{0};
  duration to{0};  ///< the run's length when absent in the file
};
struct telemetry_accounted {};
struct every_attack_stopped {};
struct no_certificate_to_attackers {};
struct victims_attested {
  double percent = 100;
};
struct healed {
  std::size_t image = 0;  ///< index into scenario::images: the repair
  double percent = 100;
  duration by{0};                    ///< the run's length when absent in the file
  std::optional<std::size_t> group;  ///< none: every group of the image's product
};
struct never_trusted_after_revocation {
  std::size_t image = 0;  ///< index into scenario::images, one cloud_settings::revocations names
};
struct no_restricted_session_to_attackers {};
using check = std::variant<no_bricked_devices, no_unsigned_code_ran, adoption, rollout_halted, rollout_completed,
                           peak_request_rate, every_attack_stopped, no_certificate_to_attackers, devices_attested,
                           image_never_ran, attestation_latency, telemetry_accounted, victims_attested,
                           rolled_back_by_cloud, healed, never_trusted_after_revocation,
                           no_restricted_session_to_attackers>;

/// The check's schema name: "no_bricked_devices", "adoption", ...
const char* check_name(const check& c);

struct expectation {
  std::string name;  ///< the file's, or the check's schema name
  check what;
};

/// What a scenario sets of the security service.
struct cloud_settings {
  duration ca_lifetime = 730 * 24h;
  duration ca_rollover_lead = 90 * 24h;
  /// When a new image-signing key revokes every earlier one, in time order.
  std::vector<duration> image_key_rotations;
  /// Trust in an image withdrawn by the operator, in time order.
  struct revocation {
    std::size_t image = 0;  ///< index into scenario::images
    duration at{0};
  };
  std::vector<revocation> revocations;
  /// How often the fleet-wide control decides (docs/engine.md).
  duration control_interval = std::chrono::seconds(2);
  /// Partitions of the fleet; none: partitions_for(device_count()).
  std::optional<std::uint32_t> partitions;
};

/// The partitions a fleet of `devices` is cut into when the scenario does
/// not say: one per 1,000 devices, rounded down to a power of two, in [1, 16].
std::uint32_t partitions_for(std::uint64_t devices);

struct scenario {
  std::string name;
  std::uint64_t seed = 1;
  duration length{0};  ///< simulated time the run lasts (the file's `duration`)
  /// The smallest fleet the file keeps its meaning at (its `min_devices`):
  /// rescale() refuses fewer. None: only the automatic floors apply.
  std::optional<std::uint64_t> min_devices;
  fleet_spec fleet;
  std::vector<image> images;
  std::vector<deployment> deployments;
  std::vector<fault> faults;
  std::vector<attack> attacks;
  std::vector<expectation> expectations;
  cloud_settings cloud;

  /// Devices of the whole fleet.
  std::uint64_t device_count() const;
  /// The partitions the engine cuts the fleet into: cloud.partitions, or
  /// partitions_for() the fleet, and never more than the devices.
  std::uint32_t partition_count() const;
};

}  // namespace fleet::scenario
