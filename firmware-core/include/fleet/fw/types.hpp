#pragma once
// Vocabulary of the firmware core: time, components, slots.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "device.pb.h"

namespace fleet::fw {

/// Simulated time: microseconds since the start of the run. The core never
/// reads a clock; every entry point is handed `now`.
using sim_time = std::chrono::microseconds;
using duration = std::chrono::microseconds;

inline constexpr sim_time never = sim_time::max();

/// Software components, in boot order; legacy_firmware exists in guardian mode.
enum class component : std::uint8_t { bootloader, security_monitor, os, app, legacy_firmware };
inline constexpr std::size_t component_count = 5;
/// The secure boot chain: every stage but legacy_firmware.
inline constexpr std::size_t boot_chain_length = 4;

enum class slot : std::uint8_t { a, b };

inline slot other(slot s) { return s == slot::a ? slot::b : slot::a; }
inline std::size_t index_of(component c) { return static_cast<std::size_t>(c); }

wire::Component to_wire(component c);
std::optional<component> from_wire(wire::Component c);
const char* name_of(component c);

}  // namespace fleet::fw
