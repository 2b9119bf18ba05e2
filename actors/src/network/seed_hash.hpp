#pragma once
// Which devices a fault or an attack hits: a hash of (run seed, salt,
// device), so the choice depends on nothing else (not spawn order, not
// threads, not the other faults).

#include <cstdint>

namespace fleet::actors {

/// splitmix64's finaliser.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Salts: faults are 1 + their index, attacks start here, and the spells of
/// faults at random (fault_spells.hpp) here.
inline constexpr std::uint64_t salt_attack = 1ull << 32;
inline constexpr std::uint64_t salt_spells = 2ull << 32;

/// Whether `device` is among the `fraction` of the fleet that `salt` picks.
inline bool chosen(std::uint64_t run_seed, std::uint64_t salt, std::uint64_t device, double fraction) {
  if (fraction >= 1) return true;
  const std::uint64_t h = mix(mix(mix(run_seed) ^ salt) ^ device);
  return static_cast<double>(h >> 11) * 0x1.0p-53 < fraction;
}

}  // namespace fleet::actors
