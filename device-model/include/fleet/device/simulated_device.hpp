#pragma once
// One simulated device: the real firmware core on simulated hardware. The
// host (a shard or an actor) feeds inputs, asks for the next deadline and
// calls advance() when it passes. Non-movable: the core holds pointers to the
// hardware parts.

#include <array>
#include <cstdint>
#include <memory>

#include "fleet/device/behaviour.hpp"
#include "fleet/device/chunk_store.hpp"
#include "fleet/device/legacy_device.hpp"
#include "fleet/device/sim_clock.hpp"
#include "fleet/device/sim_flash.hpp"
#include "fleet/device/sim_runtime.hpp"
#include "fleet/device/sim_secure_element.hpp"
#include "fleet/fw/core.hpp"

namespace fleet::device {

/// Inputs advance() delivers in one call at most; more means a livelock.
inline constexpr std::size_t advance_steps_max = 100000;

struct device_spec {
  std::uint64_t run_seed = 0;
  std::uint64_t device_index = 0;
  const fw::config* config = nullptr;       ///< shared, outlives the device
  const behaviour_model* behaviour = nullptr;  ///< shared, outlives the device
  std::int64_t clock_offset_us = 0;
  double clock_drift_ppm = 0;
  bool guardian = false;  ///< with a legacy device behind it (config->guardian too)
  legacy_spec legacy{};
};

class simulated_device {
 public:
  /// Power stays off until the host hands the core fw::power_on.
  simulated_device(const device_spec& spec, chunk_store& store);
  ~simulated_device();
  simulated_device(const simulated_device&) = delete;
  simulated_device& operator=(const simulated_device&) = delete;
  simulated_device(simulated_device&&) = delete;
  simulated_device& operator=(simulated_device&&) = delete;

  /// Forwards one input to the core, appending its outputs to `out`, and
  /// notes the timers it arms and whether the power went.
  void handle(fw::sim_time now, const fw::input& in, fw::outputs& out);
  /// Earliest of: the core's deadline, the next software event, the power
  /// coming back, the next legacy reading. fw::never when nothing is pending.
  fw::sim_time next_deadline() const;
  /// Delivers everything due at or before `now`, in time order; at equal
  /// times: power on, software events, timers (enum order), legacy readings.
  /// Each input is handed to the core at the time it fell due.
  void advance(fw::sim_time now, fw::outputs& out);

  /// Power goes now (the core gets power_off) and comes back after
  /// power_restore_after().
  void cut_power(fw::sim_time now, fw::outputs& out);
  /// The `writes`-th flash write from now is torn; power comes back
  /// power_restore_after() after the core reports it powered off.
  void arm_power_cut(std::uint32_t writes) { flash_.arm_power_cut(writes); }
  void set_power_restore_after(fw::duration d) { power_restore_after_ = d; }
  fw::duration power_restore_after() const { return power_restore_after_; }
  bool powered() const { return powered_; }

  sim_flash& flash() { return flash_; }
  const sim_flash& flash() const { return flash_; }
  sim_secure_element& secure_element() { return secure_element_; }
  sim_clock& clock() { return clock_; }
  const sim_clock& clock() const { return clock_; }
  sim_runtime& runtime() { return runtime_; }
  legacy_device* legacy() { return legacy_.get(); }
  /// Read-only: every input goes through handle() so timers stay tracked.
  const fw::core& firmware() const { return core_; }
  std::uint64_t device_index() const { return device_index_; }

 private:
  void note_outputs(fw::sim_time now, const fw::outputs& out, std::size_t from,
                    bool host_power_off);
  void power_went(fw::sim_time now, bool comes_back);
  void deliver(fw::sim_time at, const fw::input& in, fw::outputs& out);

  sim_flash flash_;
  sim_secure_element secure_element_;
  sim_clock clock_;
  sim_runtime runtime_;
  std::unique_ptr<legacy_device> legacy_;
  fw::core core_;
  std::array<fw::sim_time, fw::timer_count> timers_;
  std::uint64_t device_index_;
  fw::sim_time power_restore_at_ = fw::never;
  fw::sim_time last_input_at_{0};
  fw::duration power_restore_after_ = std::chrono::seconds(30);
  bool powered_ = false;
};

}  // namespace fleet::device
