#pragma once
// A scenario as the loader makes it: the engine's input (run_input.hpp,
// what to run) and the expectations the checkers judge the run by. Only the
// loader makes one (loader.hpp); whatever it returns satisfies every rule
// docs/scenarios.md lists.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "fleet/actors/run_input.hpp"

namespace fleet::scenario {

using namespace std::chrono_literals;

// What the engine runs, under the names scenario files use.
using actors::input::duration;
using actors::input::run_epoch;
using actors::input::device_timing;
using actors::input::update_policy_of;
using actors::input::hardware_revision;
using actors::input::guardian;
using actors::input::product;
using actors::input::group;
using actors::input::network;
using actors::input::image;
using actors::input::fleet_spec;
using actors::input::deployment;
using actors::input::cloud_part;
using actors::input::power_loss_moment;
using actors::input::cloud_outage;
using actors::input::partition;
using actors::input::degraded_network;
using actors::input::power_loss;
using actors::input::offline;
using actors::input::clock_jump;
using actors::input::bit_rot;
using actors::input::slow_link;
using actors::input::fault_kind;
using actors::input::kind_name;
using actors::input::fault;
using actors::input::spoofed_identity;
using actors::input::cloned_identity;
using actors::input::replayed_evidence;
using actors::input::man_in_the_middle;
using actors::input::request_flood;
using actors::input::forged_certificate;
using actors::input::expired_certificate;
using actors::input::stolen_certificate;
using actors::input::victim_lockout;
using actors::input::nonce_burning;
using actors::input::rogue_image;
using actors::input::tampered_image;
using actors::input::rollback_image;
using actors::input::mix_and_match;
using actors::input::freeze;
using actors::input::endless_data;
using actors::input::leaked_signing_key;
using actors::input::attack_kind;
using actors::input::in_the_mirror;
using actors::input::spares_its_victims;
using actors::input::attack;
using actors::input::cloud_settings;
using actors::input::partitions_for;

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
/// Ended paused by a failed gate (not aborted, not halted), at `wave` when given.
struct rollout_held_at_gate {
  std::size_t deployment = 0;
  std::optional<std::uint32_t> wave;  ///< 1-based, as in the file
};
/// Of the devices that committed the deployment's image, at least `at_least`
/// (or `percent` of them) run its rollback image at `by`.
struct rolled_back_by_cloud {
  std::size_t deployment = 0;  ///< one with a rollback image
  std::optional<std::uint32_t> at_least;
  std::optional<double> percent;  ///< (0, 100]; exactly one of the two is set
  duration by{0};                 ///< the run's length when absent in the file
};
/// The bound is one of three: `max_per_second` (absolute), or a relative
/// one, the others 0: `max_per_device_per_second` times the run's devices,
/// or `max_times_calm_peak` times the peak over [calm_from, calm_to).
struct peak_request_rate {
  double max_per_second = 0;
  duration from{0};
  duration to{0};  ///< the run's length when absent in the file
  double max_per_device_per_second = 0;
  double max_times_calm_peak = 0;
  duration calm_from{0};
  duration calm_to{0};
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
/// What must have stopped an attack (every_attack_stopped's `stopped_by`).
struct stopped_by_rule {
  std::string attack;  ///< an attack's name; empty when `kind` names them
  std::string kind;    ///< an attack kind's schema name; empty when `attack` names one
  std::vector<std::size_t> attacks;  ///< indices into run_input::attacks it covers, at least one
  std::vector<std::string> checks;   ///< the run's stopped_by names, each once
};
struct every_attack_stopped {
  /// Every stop of each attack covered by one of the rule's checks, each check at least one.
  std::vector<stopped_by_rule> stopped_by;
};
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
                           no_restricted_session_to_attackers, rollout_held_at_gate>;

/// The check's schema name: "no_bricked_devices", "adoption", ...
const char* check_name(const check& c);

struct expectation {
  std::string name;  ///< the file's, or the check's schema name
  check what;
};

/// The times the expectations look at the fleet by group (adoption,
/// devices_attested, rolled_back_by_cloud, healed), sorted, each once: the
/// censuses the engine takes (run_input::census_times).
std::vector<duration> census_times_of(const std::vector<expectation>& expectations);

/// What `fleetsim explore` draws a run on top of the file's own faults and
/// attacks (the file's `explore` section, every default filled in).
struct explore_plan {
  /// Kinds drawn, by schema name, each once, in the file's order; by
  /// default the kinds of the file's own faults and attacks.
  std::vector<std::string> fault_kinds;
  std::vector<std::string> attack_kinds;
  std::uint32_t events_min = 1;  ///< faults and attacks drawn a run, together
  std::uint32_t events_max = 3;
  duration from{0};  ///< events start in [from, to)
  duration to{0};    ///< the run's length by default
  double fraction_min = 0.01;  ///< share of the devices a fault, a man in the middle or a mirror hits
  double fraction_max = 0.2;
  duration duration_min = 1min;  ///< how long a lasting kind lasts
  duration duration_max = 2h;  ///< the loader's default: a quarter of the run, in [duration_min, 1d]
  std::uint32_t count_max = 5;   ///< identities of an identity attack, in [1, count_max]
  std::uint32_t write_max = 12;  ///< power loss during a flash write: the write torn, in [1, write_max]
  std::uint32_t chunk_max = 3;   ///< a tampered image: the chunk altered, in [0, chunk_max]
};

struct scenario : actors::input::run_input {
  /// The smallest fleet the file keeps its meaning at (its `min_devices`):
  /// rescale() refuses fewer. None: only the automatic floors apply.
  std::optional<std::uint64_t> min_devices;
  std::vector<expectation> expectations;
  explore_plan explore;  ///< what `fleetsim explore` draws; the run ignores it
};

}  // namespace fleet::scenario
