#pragma once
// Which devices a partition holds (docs/engine.md): device i of the fleet
// belongs to partition i mod P, at slot i / P. Round robin, so that every
// group, wave and fault spreads over all partitions and they share the work
// evenly.

#include <cstdint>

namespace fleet::actors {

struct partition_plan {
  std::uint32_t index = 0;  ///< this partition, in [0, count)
  std::uint32_t count = 1;  ///< P, from the scenario (input::partition_count)
  std::uint64_t fleet_devices = 0;

  bool holds(std::uint64_t device) const { return device % count == index; }
  /// The device's place among its partition's devices (and its index in the partition's cloud registry).
  std::uint64_t slot_of(std::uint64_t device) const { return device / count; }
  /// The fleet device at a slot of this partition.
  std::uint64_t device_at(std::uint64_t slot) const { return slot * count + index; }
  /// Devices this partition holds.
  std::uint64_t devices() const { return fleet_devices / count + (index < fleet_devices % count ? 1 : 0); }
};

}  // namespace fleet::actors
