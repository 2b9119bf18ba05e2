#pragma once
// What the rollout controller reports: its state, why it changed, per-wave
// outcome counts, and the answers it gives to devices and operators.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

enum class rollout_state : std::uint8_t {
  scheduled,           ///< before the policy's start time
  running,
  paused,              ///< by the operator or at a wave gate
  halted,              ///< by the operator; final
  aborted,             ///< a failure rate reached its abort threshold; final
  completed,           ///< every targeted device is done (a late joiner reopens it)
  /// The rollback policy fired: the image is offered no more; final. When
  /// the deployment names a rollback image, the cloud now offers it to the
  /// devices that took this one (rollback_progress).
  rollback_requested,
};

/// Why the rollout is paused.
enum class pause_cause : std::uint8_t {
  none,
  operator_request,
  gate_hold,    ///< the wave passed its gate and the policy says wait for the operator
  gate_failed,  ///< every device of the wave is done and too few succeeded
};

/// Where one device stands in this deployment. `failed_after_commit`: it
/// committed the image, then reported it failing (an app crash of the
/// image's version in its telemetry); it runs the image still, so only the
/// cloud can take it back. The rollback policy counts it with `failed`.
enum class device_outcome : std::uint8_t { pending, in_flight, succeeded, failed, rejected, timed_out, failed_after_commit };
inline constexpr std::size_t device_outcome_count = 7;

enum class transition_reason : std::uint8_t {
  started,              ///< start time reached
  wave_opened,          ///< a gate passed and the next wave opened
  wave_empty,           ///< a wave without devices was skipped
  gate_hold,
  gate_failed,
  operator_pause,
  operator_resume,
  operator_halt,
  abort_failed,         ///< failed rate reached the threshold
  abort_rejected,
  abort_timed_out,
  abort_any,
  rollback_failed_share,
  rollback_failed_devices,
  all_done,
  late_joiner,          ///< a device joined a completed rollout
};

/// One state change (or wave change), kept in a bounded history.
struct transition {
  sim_time at{0};
  rollout_state from = rollout_state::scheduled;
  rollout_state to = rollout_state::scheduled;
  std::uint32_t wave = 0;  ///< current wave after the change
  transition_reason why = transition_reason::started;
};

/// What the host must do when the rollback policy fires.
struct rollback_request {
  sim_time at{0};
  transition_reason why = transition_reason::rollback_failed_share;
  std::uint32_t failed_devices = 0;
  std::uint32_t targeted_devices = 0;
};

struct outcome_counts {
  std::array<std::uint32_t, device_outcome_count> by_outcome{};
  std::uint32_t of(device_outcome o) const { return by_outcome[static_cast<std::size_t>(o)]; }
};

struct wave_status {
  std::uint32_t devices = 0;  ///< including late joiners
  std::uint32_t done = 0;     ///< succeeded, or failed with no retry left
  outcome_counts outcomes;    ///< current outcome of each device of the wave
  sim_time opened_at = never;
};

/// Finished attempts, cumulative: a failed attempt stays counted after a retry.
struct attempt_counts {
  std::uint64_t offers = 0;    ///< attempts started (first offers and retries)
  std::uint64_t notified = 0;  ///< devices offered at least once
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t finished() const { return succeeded + failed + rejected + timed_out; }
};

/// Why a device checking in is not offered the image now.
enum class offer_refusal : std::uint8_t {
  none,
  unknown_device,     ///< index not in the target group
  not_started,        ///< scheduled
  paused,
  stopped,            ///< halted, aborted or rollback requested
  already_updated,    ///< succeeded before
  retries_exhausted,  ///< last attempt failed and no retry of that type is left
  wave_not_open,
  outside_window,     ///< outside every maintenance window
  in_flight_full,     ///< the cap on updates in flight is reached
  rate_limited,       ///< the ramp's current rate is spent
  count_
};
inline constexpr std::size_t offer_refusal_count = static_cast<std::size_t>(offer_refusal::count_);

/// The answer to a device's update check.
struct offer_decision {
  bool offer = false;
  bool repeat = false;  ///< already in flight: offered again, nothing new counted
  offer_refusal refusal = offer_refusal::none;
};

/// What the controller made of an outcome report.
enum class report_result : std::uint8_t {
  counted,         ///< a final outcome of the attempt in flight
  progress,        ///< downloaded, installed or deferred: still in flight
  late,            ///< a final outcome after the device timed out: its outcome is updated
  unknown_device,
  not_offered,     ///< the device has no attempt in flight
  already_final,   ///< a duplicate: the attempt already finished
  unspecified,     ///< UPDATE_OUTCOME_UNSPECIFIED or an unknown value
  count_
};
inline constexpr std::size_t report_result_count = static_cast<std::size_t>(report_result::count_);

/// Why a device is not offered the rollback image now.
enum class rollback_refusal : std::uint8_t {
  none,
  unknown_device,
  not_requested,        ///< the rollback policy has not fired
  did_not_take,         ///< the device never committed the failed image: nothing to roll back
  already_rolled_back,  ///< it committed the rollback image
  rejected,             ///< it refused the rollback image (final, like a rejected update)
  failed_its_trial,     ///< it installed the rollback image and rolled it back: final, the device will not take it again
  attempts_exhausted,   ///< rollback_attempts_max attempts failed
  count_
};
inline constexpr std::size_t rollback_refusal_count = static_cast<std::size_t>(rollback_refusal::count_);

/// The answer to a device's update check about the rollback image.
struct rollback_decision {
  bool offer = false;
  bool repeat = false;  ///< already in flight: offered again, nothing new counted
  rollback_refusal refusal = rollback_refusal::none;
};

/// The cloud-initiated rollback, once the policy fired: the devices that
/// took the failed image (committed it: outcome succeeded or
/// failed_after_commit) are offered the rollback image. Device counts.
struct rollback_progress {
  std::uint32_t took = 0;       ///< devices that committed the failed image
  std::uint32_t offered = 0;    ///< offered the rollback image at least once
  std::uint32_t in_flight = 0;  ///< offered, no final report yet
  std::uint32_t committed = 0;  ///< reported the rollback image committed
  /// Last attempt failed (FAILED: offered again up to rollback_attempts_max)
  /// or rolled back (its trial failed: final, as the firmware never installs
  /// an image that failed its trial again).
  std::uint32_t failed = 0;
  std::uint32_t rejected = 0;   ///< refused it
  std::uint64_t offers = 0;     ///< attempts started (repeats to a device in flight not counted)
  sim_time last_committed_at = never;  ///< the latest commit of the rollback image
  std::array<std::uint64_t, rollback_refusal_count> refused{};  ///< by reason
};

/// The answer to an operator command.
enum class command_result : std::uint8_t {
  done,
  not_allowed,  ///< not in this state (resume when not paused, anything when final)
};

struct rollout_status {
  rollout_state state = rollout_state::scheduled;
  pause_cause paused_by = pause_cause::none;
  std::uint32_t current_wave = 0;
  std::vector<wave_status> waves;
  std::uint32_t devices = 0;
  std::uint32_t in_flight = 0;
  attempt_counts attempts;
  std::optional<double> offers_per_minute;  ///< none: no ramp
  std::optional<rollback_request> rollback;
  rollback_progress rolled_back;  ///< zero until the policy fired and a device was offered the rollback image
  std::array<std::uint64_t, offer_refusal_count> refused{};  ///< by reason
  std::array<std::uint64_t, report_result_count> reports{};  ///< by result
  std::uint64_t transitions = 0;          ///< ever recorded
  std::uint64_t transitions_dropped = 0;  ///< fell out of the bounded history
};

/// Sums of counts, for a rollout cut into shares (rollout_governor, and the
/// engine's view of its partitions): each adds `more` into `sum`.
void add(attempt_counts& sum, const attempt_counts& more);
/// The rollback's counts, and the later of the two last commits.
void add(rollback_progress& sum, const rollback_progress& more);
/// Devices, done and outcomes; `sum`'s opened_at stays as it is.
void add(wave_status& sum, const wave_status& more);
/// Every count of `more` (waves, devices, in flight, attempts, rollback,
/// refusals, reports) into `sum`, whose phase (state, waves' opening,
/// rollback request, transitions) stays as it is. Same wave count.
void add_counts(rollout_status& sum, const rollout_status& more);

const char* name_of(rollout_state s);
const char* name_of(pause_cause c);
const char* name_of(device_outcome o);
const char* name_of(transition_reason r);
const char* name_of(offer_refusal r);
const char* name_of(report_result r);
const char* name_of(rollback_refusal r);

}  // namespace fleet::cloud
