#pragma once
// The application and OS above the boot chain, as the behaviour table says
// they behave. start() draws the outcome from the device's "runtime" stream
// and schedules the events the host later feeds to the core as
// fw::software_event: ready / unhealthy / boot_failed at start + boot
// duration, then (after ready) a crash. Nothing restarts by itself: after a
// crash the firmware calls start() again.
//
// Every start() makes exactly four draws, whatever the probabilities, so
// editing one probability in a scenario does not shift later draws.

#include <cstdint>
#include <optional>
#include <string_view>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/device/behaviour.hpp"
#include "fleet/fw/hal.hpp"
#include "fleet/fw/io.hpp"

namespace fleet::device {

class sim_runtime final : public fw::runtime_hal {
 public:
  /// `model` and the bytes of `hardware_revision` must outlive the runtime.
  sim_runtime(const behaviour_model& model, std::string_view hardware_revision,
              std::uint64_t run_seed, std::uint64_t device_index);

  /// Combines the behaviour of every running stage (app skipped when absent):
  /// boot and health failures are independent per stage, crash rates add up,
  /// the earliest leak wins, the boot takes as long as the slowest stage; the
  /// deferral is the application's.
  void start(fw::sim_time now, const fw::running_software& software) override;
  /// Cancels every pending event.
  void stop(fw::sim_time now) override;
  /// While the application runs, what is left of its os_update_deferral
  /// after `deferred`: the behaviour's value is the total it puts an OS
  /// update off (the firmware caps it). Zero when it does not run.
  fw::duration os_update_deferral(fw::sim_time now, fw::duration deferred) override;

  /// When the next event is due; fw::never when none is pending.
  fw::sim_time next_event_time() const;
  /// The next event due at or before `now`, removed from the schedule.
  std::optional<fw::software_event> take_due_event(fw::sim_time now);

  bool running() const { return running_; }
  std::uint32_t starts() const { return starts_; }

 private:
  const behaviour_model* model_;
  std::string_view revision_;
  crypto::random_stream rng_;
  fw::sim_time outcome_at_ = fw::never;  ///< ready / unhealthy / boot_failed
  fw::sim_time crash_at_ = fw::never;
  fw::duration deferral_{0};
  std::int32_t crash_exit_status_ = 0;
  std::int32_t crash_signal_ = 0;
  std::uint32_t starts_ = 0;
  fw::software_event::kind outcome_ = fw::software_event::kind::ready;
  bool running_ = false;
};

}  // namespace fleet::device
