#pragma once
// What the engine runs: the fleet, its images and deployments, the faults
// and attacks, and the cloud's settings, checked, typed, every reference
// resolved to an index. The engine's own input type: the scenario loader
// builds it (scenarios/ sits on top of actors/, never the other way), and a
// test or a benchmark can build one by hand.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/update_eligibility.hpp"
#include "fleet/device/behaviour.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::actors::input {

using namespace std::chrono_literals;

/// Simulated time, as everywhere: microseconds.
using duration = std::chrono::microseconds;

/// UTC at simulated time zero: 2026-01-01T00:00:00Z, a midnight. Scenarios
/// have no date of their own yet; certificates and maintenance windows need one.
inline constexpr duration run_epoch{1'767'225'600'000'000};

struct hardware_revision {
  std::string name;
  double share = 0;  ///< of the product's devices; a product's shares sum to 1
};

/// A guardian product: each device fronts a legacy device (device::legacy_device).
struct guardian {
  duration reading_interval = 15min;  ///< the legacy device's readings, from one interval after power on
};

/// When a product's devices power on, and the firmware timers that decide
/// when they come to the cloud (docs/scenarios.md, "Device timing"). The
/// timers' defaults are the firmware's own (fw::timing).
struct device_timing {
  duration power_on_spread = 10min;  ///< each device powers on at a point of [0, spread) from its own stream
  duration update_check_interval = fw::timing{}.update_check_interval;  ///< plus fw::timing's jitter
  duration renewal_min = fw::timing{}.attestation_renew_min;  ///< after issue; a uniform point of [min, max]
  duration renewal_max = fw::timing{}.attestation_renew_max;
};

struct product {
  std::string name;
  std::vector<hardware_revision> revisions;
  std::optional<guardian> guards;  ///< present: its devices are guardians
  device_timing timing;
};

struct group {
  std::string name;         ///< the cloud group of the product with this name
  std::size_t product = 0;  ///< index into fleet_spec::products
  std::uint32_t devices = 0;
};

/// The cloud update policy of group `g`: a default group's own (the cloud
/// registry's: Development takes no app updates), update_all for a group the
/// input adds (the engine creates it so).
cloud::group_update_policy update_policy_of(const group& g);

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
  /// Indices into run_input::images: per product, one image for each component
  /// of the boot chain, which its devices start with, and for a guardian
  /// product the LEGACY_FIRMWARE image its legacy devices start with.
  std::vector<std::size_t> firmware;
  network net;
};

struct deployment {
  std::string name;
  std::vector<std::size_t> images;  ///< indices into run_input::images, one product
  std::size_t group = 0;            ///< index into fleet_spec::groups
  /// Checked by cloud::validate(); `rollout.start_at` is the deployment's start.
  cloud::rollout_policy rollout;
  /// rollout.rollback.image: index into run_input::images, of a component
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
  /// flash_write: the write torn, counted from the fault's time (1: the first).
  std::uint32_t write = 1;
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
// Certificates presented instead of a session (src/adversary/attack_host.hpp).
struct forged_certificate {};
struct expired_certificate {};
struct stolen_certificate {};
// Against the way in (src/adversary/attack_host.hpp).
struct victim_lockout {
  double requests_per_second = 0;  ///< per victim
};
struct nonce_burning {};
// The mirror's kinds: a compromised distribution point serving a share of
// the devices (src/adversary/distribution_mirror.hpp).
struct rogue_image {};
struct tampered_image {
  /// Only the chunk of this index is altered; none: every chunk.
  std::optional<std::uint32_t> chunk;
};
struct rollback_image {
  std::size_t image = 0;  ///< index into run_input::images: the older build offered
};
struct mix_and_match {
  std::size_t image = 0;  ///< index into run_input::images: made for other devices
};
struct freeze {
  std::size_t image = 0;  ///< index into run_input::images: expired by the attack's start
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

// ------------------------------------------------------------------ cloud

/// What the run sets of the security service.
struct cloud_settings {
  duration ca_lifetime = 730 * 24h;
  duration ca_rollover_lead = 90 * 24h;
  /// When a new image-signing key revokes every earlier one, in time order.
  std::vector<duration> image_key_rotations;
  /// Trust in an image withdrawn by the operator, in time order.
  struct revocation {
    std::size_t image = 0;  ///< index into run_input::images
    duration at{0};
  };
  std::vector<revocation> revocations;
  /// How often the fleet-wide control decides (docs/engine.md).
  duration control_interval = std::chrono::seconds(2);
  /// Partitions of the fleet; none: partitions_for(device_count()).
  std::optional<std::uint32_t> partitions;
};

/// The partitions a fleet of `devices` is cut into when the input does
/// not say: one per 1,000 devices, rounded down to a power of two, in [1, 16].
std::uint32_t partitions_for(std::uint64_t devices);

// -------------------------------------------------------------------- run

struct run_input {
  std::string name;
  std::uint64_t seed = 1;
  duration length{0};  ///< simulated time the run lasts
  fleet_spec fleet;
  std::vector<image> images;
  std::vector<deployment> deployments;
  std::vector<fault> faults;
  std::vector<attack> attacks;
  cloud_settings cloud;
  /// When to count the fleet by group (run_result::censuses), sorted, each
  /// once: the times the caller's checks look at.
  std::vector<duration> census_times;

  /// Devices of the whole fleet.
  std::uint64_t device_count() const;
  /// The partitions the engine cuts the fleet into: cloud.partitions, or
  /// partitions_for() the fleet, and never more than the devices.
  std::uint32_t partition_count() const;
};

}  // namespace fleet::actors::input
