#pragma once
// Helpers for the rollout controller tests: a plain policy each test bends
// to the control it exercises, and shorthands for check-ins and reports.

#include <chrono>
#include <cstdint>
#include <vector>

#include "fleet/cloud/rollout_controller.hpp"

namespace fleet::cloud::testing {

using namespace std::chrono_literals;

inline constexpr sim_time t0{0};

/// One wave, no ramp, no cap to speak of, no abort, no retries, no windows.
inline rollout_policy plain_policy() {
  rollout_policy p;
  p.waves = wave_plan::by_percent({100});
  p.in_flight_limit = 1'000'000;
  p.gate.success_threshold = 0.9;
  p.gate.min_wave_duration = 1h;
  p.device_timeout = 1h;
  p.retries = {0, 0, 0};
  return p;
}

inline rollout_controller make(const rollout_policy& p, std::uint32_t devices, std::uint64_t seed = 7,
                               sim_time now = t0) {
  return rollout_controller(p, deployment_params{seed, devices, {}}, now);
}

/// Devices of `wave`, in index order.
inline std::vector<device_index> members(const rollout_controller& c, std::uint32_t wave) {
  std::vector<device_index> out;
  for (device_index d = 0; d < c.devices(); ++d) {
    if (c.wave_of(d) == wave) out.push_back(d);
  }
  return out;
}

/// Every device of `ds` checks in; returns how many got a new offer.
inline std::uint32_t check_in(rollout_controller& c, sim_time now, const std::vector<device_index>& ds) {
  std::uint32_t offered = 0;
  for (device_index d : ds) {
    const offer_decision o = c.decide(now, d);
    offered += o.offer && !o.repeat;
  }
  return offered;
}

inline void report_each(rollout_controller& c, sim_time now, const std::vector<device_index>& ds,
                        wire::UpdateOutcome outcome) {
  for (device_index d : ds) c.report(now, d, outcome);
}

inline std::uint32_t count(const rollout_status& s, std::uint32_t wave, device_outcome o) {
  return s.waves.at(wave).outcomes.of(o);
}

}  // namespace fleet::cloud::testing
