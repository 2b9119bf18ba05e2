#pragma once
// Vocabulary of the cloud model: simulated time and device indices.

#include <chrono>
#include <cstdint>

namespace fleet::cloud {

/// Simulated time: microseconds since the start of the run. The cloud model
/// never reads a clock; every entry point is handed `now`.
using sim_time = std::chrono::microseconds;
using duration = std::chrono::microseconds;

inline constexpr sim_time never = sim_time::max();

/// Dense index of a device within one deployment's target group, assigned by
/// the registry (which maps device IDs to indices). Dense so that per-device
/// state is a flat array, never a map keyed per device.
using device_index = std::uint32_t;

}  // namespace fleet::cloud
