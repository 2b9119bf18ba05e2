#pragma once
// The rollout controller of one deployment: a pure state machine. Devices
// pull: on each update check the host asks decide() whether to offer the
// image now, and passes on each outcome report. Time comes in as `now`;
// next_deadline() says when advance() must be called again (device timeouts,
// the start time, a wave's minimum duration). No clock, no OS randomness, no
// IO, no threads: the same inputs give the same decisions.
//
// Governed (deployment_params::governed): the controller runs one
// partition's share of a deployment whose fleet-wide decisions (start,
// gates, abort, rollback, completion, the ramp and the in-flight cap) a
// rollout_governor takes at control ticks. It then never changes its own
// phase: share_report() tells the control what its devices did, follow()
// takes the control's orders. Per-device work (offers, timeouts, retries,
// windows, the rollback image's offers) stays here.
//
// Memory: 3 bytes per targeted device plus one 16-byte timeout entry per
// attempt started within the last device timeout; once a rollback image is
// offered, 1 byte more per targeted device.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/rollout_share.hpp"
#include "fleet/cloud/rollout_status.hpp"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

struct deployment_params {
  std::uint64_t seed = 0;      ///< wave membership derives from it
  std::uint32_t devices = 0;   ///< targeted at creation: indices 0 .. devices-1
  /// UTC microseconds since the Unix epoch at simulated time zero: maps `now`
  /// onto the wall clock that maintenance windows are written in.
  std::chrono::microseconds wall_clock_at_zero{0};
  /// A partition's share of a deployment, run by a rollout_governor's orders (see above).
  bool governed = false;
};

class wave_membership;
class offer_rate;
class rollout_phase;

class rollout_controller {
 public:
  /// `policy` must be valid (validate(policy) empty) and `params.devices` at
  /// most devices_max: the caller rejects bad input before it gets here.
  rollout_controller(const rollout_policy& policy, const deployment_params& params, sim_time now);
  ~rollout_controller();
  rollout_controller(rollout_controller&&) noexcept;
  rollout_controller& operator=(rollout_controller&&) noexcept;

  /// A device checks for updates: offer it the image now? An offer is
  /// recorded (the device is in flight until it reports or times out).
  offer_decision decide(sim_time now, device_index device);
  /// A device reports an outcome of its attempt.
  report_result report(sim_time now, device_index device, wire::UpdateOutcome outcome);
  /// A device that committed the image reports it failing afterwards (the
  /// host saw an app crash of the image's version in its telemetry). Its
  /// outcome goes from succeeded to failed_after_commit, which the rollback
  /// policy counts. False (nothing changed) for a device in any other outcome.
  bool report_failure_after_commit(sim_time now, device_index device);

  /// Once the rollback policy fired (state rollback_requested): offer the
  /// rollback image to this device now? Only devices that committed the
  /// failed image (succeeded or failed_after_commit) are offered it: one
  /// that failed its trial rolled back on its own, one that never installed
  /// it has nothing to undo. No waves, ramp, windows or in-flight cap: the
  /// devices run a build known to fail. A FAILED attempt is offered again,
  /// rollback_attempts_max attempts in all; a rejection or a rolled-back
  /// trial is final.
  rollback_decision decide_rollback(sim_time now, device_index device);
  /// A device reports an outcome of its attempt at the rollback image.
  report_result report_rollback(sim_time now, device_index device, wire::UpdateOutcome outcome);

  /// A device joins the target group mid-rollout; its wave follows the same
  /// hash rule. Returns its index, or none past devices_max.
  std::optional<device_index> add_device(sim_time now);

  /// Governed: not_allowed (the governor pauses and resumes fleet-wide).
  command_result pause(sim_time now);
  /// Resumes an operator pause, or passes a held or failed gate to the next
  /// wave. Governed: not_allowed.
  command_result resume(sim_time now);
  /// Governed: halts this share at once (a newer deployment took over, or
  /// an operator) and asks the governor, through the next share_report(), to
  /// halt the deployment fleet-wide. The share stays halted until orders
  /// bring a final state.
  command_result halt(sim_time now);

  /// Governed only: takes the control's orders (state, wave, opening times,
  /// rollback request, the in-flight limit and offer allowance); nothing
  /// else changes. Before its first orders a share is scheduled and offers nothing.
  void follow(const rollout_orders& orders);
  /// Governed only: what this share did, for the control's tick. It closes
  /// the current orders: no new offer until the next follow() (the in-flight
  /// limit drops to the share's in-flight, the allowance left is reported as
  /// offers_unused and given back), so the fleet-wide cap and ramp hold while
  /// the reports and orders are on their way. Clears halt_requested.
  rollout_share_report share_report();
  bool governed() const { return params_.governed; }

  /// Handles what is due at `now`: start, device timeouts, wave gates.
  /// Every other entry point does this first.
  void advance(sim_time now);
  /// When advance() has something to do; `never` when nothing is armed. It may
  /// be early (a device reported since): advancing then is harmless.
  sim_time next_deadline() const;

  rollout_state state() const;
  std::uint32_t current_wave() const;
  std::uint32_t wave_count() const;
  /// Governed: this share's devices, with the phase of the last orders.
  rollout_status status() const;
  /// The most recent transitions, oldest first, at most history_max.
  /// Governed: the fleet-wide ones the orders brought, and a local halt.
  const std::deque<transition>& history() const;

  std::uint32_t devices() const { return static_cast<std::uint32_t>(devices_.size()); }
  std::uint32_t wave_of(device_index device) const;
  device_outcome outcome_of(device_index device) const;
  /// Offers the device has had (first offer and retries).
  std::uint32_t offers_to(device_index device) const;

  /// Its whole state, policy included, for a snapshot (rollout_controller_state.cpp).
  void save(state::RolloutState& out) const;
  /// A controller rebuilt from a saved state into `out`; refused (and `out`
  /// untouched) when the state does not fit: a bad policy, indices past limits.
  static restore_status restore(const state::RolloutState& in, std::unique_ptr<rollout_controller>& out);

 private:
  /// Per device: 3 bytes.
  struct device_slot {
    std::uint8_t outcome;  ///< device_outcome
    std::uint8_t wave;
    std::uint8_t offers;   ///< attempts started; at most retries_max + 1
  };
  /// An attempt's deadline. Stale once the device reported or was offered again.
  struct pending_timeout {
    sim_time deadline;
    device_index device;
    std::uint8_t offers;  ///< the attempt it times
  };

  /// Counts the result of an outcome report and returns it.
  report_result answer(report_result r);
  void set_outcome(device_index d, device_outcome o);
  bool is_done(const device_slot& s) const;
  bool may_retry(const device_slot& s) const;
  void finish_attempt(sim_time now, device_index d, device_outcome o);
  void start(sim_time now);
  /// Runs the phase's rules on this controller's devices; governed: nothing (the governor decides).
  void evaluate(sim_time now);
  /// A device counted toward the ramp's steps on `basis` (notified or succeeded).
  void count_for_ramp(sim_time now, ramp_basis basis);
  /// Spends one offer of the ramp: the local bucket, or governed, the orders' allowance.
  bool take_offer(sim_time now);
  std::uint32_t in_flight_limit() const;
  /// The rollback's progress, `took` counted from the outcomes.
  rollback_progress rollback_progress_now() const;
  /// Takes the saved fields into a controller built from the saved policy and parameters.
  restore_status take(const state::RolloutState& in);

  rollout_policy policy_;
  deployment_params params_;
  std::vector<device_slot> devices_;
  rollout_tally tally_;  ///< what the phase reads of the devices, kept up to date in place
  std::deque<pending_timeout> timeouts_;
  std::unique_ptr<wave_membership> membership_;
  std::unique_ptr<offer_rate> rate_;
  std::unique_ptr<rollout_phase> phase_;
  std::uint32_t in_flight_ = 0;
  sim_time last_now_{0};
  /// Per device once a rollback image was first offered (empty before): the
  /// rollback attempt's state in the low nibble, attempts in the high one.
  std::vector<std::uint8_t> rollback_slots_;
  rollback_progress rolled_back_;
  std::array<std::uint64_t, offer_refusal_count> refused_{};
  std::array<std::uint64_t, report_result_count> reports_{};
  // Governed only: the last orders' limits, and what the next report says.
  std::uint32_t orders_in_flight_limit_ = 0;
  std::optional<std::uint32_t> orders_offers_ = 0;  ///< allowance left; none: no ramp
  std::uint64_t ramp_counted_ = 0;
  bool halt_requested_ = false;
};

}  // namespace fleet::cloud
