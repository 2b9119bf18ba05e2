#pragma once
// Which wave a device belongs to. Every device gets a 64-bit key, a bijective
// mix of (deployment seed, device index); waves take the devices in key order.
// The cut between waves is the key of the last device of each wave among the
// devices targeted at creation, so those waves have exactly their planned
// sizes, and a late joiner falls into the first wave whose cut is not below
// its key: the same rule, independent of check-in or join order.

#include <cstdint>
#include <optional>
#include <vector>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

/// The device's key: distinct for distinct indices under one seed.
std::uint64_t membership_key(std::uint64_t seed, device_index device);

class wave_membership {
 public:
  /// Cuts the `devices` targeted at creation into the waves of `plan` (valid).
  wave_membership(const wave_plan& plan, std::uint64_t seed, std::uint32_t devices);

  std::uint32_t wave_of(device_index device) const;
  std::uint32_t wave_count() const { return static_cast<std::uint32_t>(cuts_.size()) + 1; }

 private:
  std::uint64_t seed_;
  /// Largest key of each wave but the last; none for a wave that got no device.
  std::vector<std::optional<std::uint64_t>> cuts_;
};

}  // namespace fleet::cloud
