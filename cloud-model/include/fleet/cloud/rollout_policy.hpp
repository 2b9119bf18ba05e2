#pragma once
// How a deployment rolls out: every control of the rollout controller, with
// named limits. A policy is checked once, up front, by validate(); the
// controller then takes it as given.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleet/cloud/maintenance_window.hpp"
#include "fleet/cloud/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::cloud {

using namespace std::chrono_literals;

// Limits: every list and count in a policy is bounded.
inline constexpr std::size_t waves_max = 32;                    ///< including the last wave
inline constexpr std::uint32_t retries_max = 100;               ///< re-offers per failure type
inline constexpr std::size_t maintenance_windows_max = 24;
inline constexpr double offers_per_minute_max = 1e9;            ///< ramp rates above are refused
inline constexpr std::uint32_t in_flight_limit_max = 100'000'000;
inline constexpr std::uint32_t devices_max = 1u << 30;          ///< targeted devices per deployment
inline constexpr duration device_timeout_max = 30 * 24h;
inline constexpr std::size_t history_max = 256;                 ///< transitions kept; older ones are dropped and counted
/// Offers of the rollback image a device gets at most (the first and the
/// re-offers after a failed or rolled-back attempt).
inline constexpr std::uint32_t rollback_attempts_max = 3;

/// Waves split the target group. Membership follows a hash of (deployment
/// seed, device index), so it never depends on check-in order.
struct wave_plan {
  enum class kind : std::uint8_t { percent, count };
  kind by = kind::percent;
  /// By percent: cumulative share of the group reached by the end of each
  /// wave; strictly increasing, in (0, 100], the last is 100.
  std::vector<double> cumulative_percent{100.0};
  /// By count: devices in each leading wave (each > 0); a last wave holds the rest.
  std::vector<std::uint32_t> sizes;

  static wave_plan by_percent(std::vector<double> cumulative);
  static wave_plan by_count(std::vector<std::uint32_t> sizes);
  /// Number of waves the plan makes, including the last.
  std::size_t wave_count() const;
};

/// Devices reached by the end of each wave but the last, of a group of
/// `devices` targeted at creation: by percent the ceiling of the share, by
/// count the sum so far, at most the group. The last wave ends at `devices`.
std::vector<std::uint64_t> wave_ends(const wave_plan& plan, std::uint32_t devices);

/// Which devices advance the ramp.
enum class ramp_basis : std::uint8_t { notified, succeeded };

/// Exponential ramp: offers start at `base_per_minute`; every `step_devices`
/// devices notified (first offer) or succeeded, the rate is multiplied by
/// `increment_factor`, up to `max_per_minute`. A token bucket holding at most
/// one minute of the current rate (and at least one offer) spends it.
struct ramp_policy {
  double base_per_minute = 10;
  double increment_factor = 2;  ///< > 1
  ramp_basis basis = ramp_basis::notified;
  std::uint32_t step_devices = 100;  ///< > 0
  double max_per_minute = 10'000;
};

enum class gate_action : std::uint8_t {
  next_wave,  ///< open the next wave at once
  pause,      ///< hold until the operator resumes
};

/// Success gate at the end of each wave but the last. The gate passes when the
/// wave's succeeded devices reach `success_threshold` of its devices and either
/// every device of the wave is done or `min_wave_duration` has passed since the
/// wave opened. A wave done below the threshold pauses the rollout.
struct wave_gate {
  double success_threshold = 0.9;  ///< in [0, 1]
  duration min_wave_duration = 1h;
  gate_action on_pass = gate_action::next_wave;
};

/// Abort when failures of a type reach `threshold` of finished attempts, once
/// at least `min_sample` attempts have finished.
struct abort_rule {
  double threshold = 0.1;  ///< in [0, 1]
  std::uint32_t min_sample = 100;
};

/// Failure types the controller tells apart. A retried failure still counts:
/// abort rates are over attempts, so retries cannot hide a bad build.
struct abort_policy {
  std::optional<abort_rule> failed;     ///< FAILED and ROLLED_BACK reports
  std::optional<abort_rule> rejected;   ///< REJECTED reports
  std::optional<abort_rule> timed_out;  ///< no final report within the device timeout
  std::optional<abort_rule> any;        ///< the three together
};

/// How many times a device may be offered the image again after its last
/// attempt failed with each type (0: never). One count of retries per device:
/// a device is re-offered while its retries so far are below the limit of the
/// type of its last failure.
struct retry_policy {
  std::uint32_t failed = 0;
  std::uint32_t rejected = 0;  ///< a rejection is usually final: the device refused the manifest
  std::uint32_t timed_out = 2;
};

/// Cloud-initiated rollback: when the devices whose current outcome is failed
/// (a failed or rolled-back attempt, or a failure after commit) reach a share
/// of the targeted devices or a count, the controller stops offering the
/// image and requests a rollback. The image to roll back to is the
/// deployment's (`deployment_spec::rollback_image`): the controller then
/// offers it to the devices that committed this one (decide_rollback).
struct rollback_policy {
  std::optional<double> failed_share;            ///< in (0, 1]
  std::optional<std::uint32_t> failed_devices;   ///< > 0
};

struct rollout_policy {
  sim_time start_at{0};  ///< scheduled until then
  wave_plan waves;
  std::optional<ramp_policy> ramp;  ///< none: no rate limit on offers
  std::uint32_t in_flight_limit = 1000;  ///< offered, not yet finished
  wave_gate gate;
  abort_policy abort;
  /// An offered device with no final report after this counts as timed out.
  /// Progress reports do not extend it: it must cover download, an OS deferral
  /// (24 h at most) and the health window.
  duration device_timeout = 48h;
  retry_policy retries;
  std::vector<maintenance_window> windows;  ///< empty: offers at any time
  rollback_policy rollback;
};

/// One thing wrong with a policy: which field, and what is wrong with it.
struct policy_error {
  std::string field;    ///< e.g. "waves.cumulative_percent[2]"
  std::string problem;  ///< e.g. "must be greater than the previous wave (40)"
};

/// Everything wrong with `policy`; empty when it is valid.
std::vector<policy_error> validate(const rollout_policy& policy);

/// What the rollback-target rule reads of an image.
struct rollback_image_facts {
  std::string ref;  ///< "name@version", for messages
  std::string product;
  wire::version version;
  std::uint32_t security_version = 0;
  std::vector<std::string> hardware_revisions;  ///< empty: every revision of the product
};

/// Why `target` cannot roll back the devices that committed `failed` (an
/// image of the same component), in one sentence; empty when it can. The
/// devices' own checks decide this: a device refuses an image of another
/// product or revision, one not newer than what it runs (not_newer), and
/// one below its anti-rollback counter, which committing `failed` raised to
/// `failed`'s security version (rollback). So a rollback is a roll-forward
/// to the old content: a higher version, a security version at least the
/// failed one's.
std::string rollback_target_problem(const rollback_image_facts& failed, const rollback_image_facts& target);

}  // namespace fleet::cloud
