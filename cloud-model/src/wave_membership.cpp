#include "wave_membership.hpp"

#include <algorithm>

#include "fleet/check.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::cloud {

using crypto::mix64;

std::uint64_t membership_key(std::uint64_t seed, device_index device) {
  // mix64(seed) picks a permutation; xor with the index keeps it one-to-one.
  return mix64(mix64(seed) ^ device);
}

wave_membership::wave_membership(const wave_plan& plan, std::uint64_t seed, std::uint32_t devices)
    : seed_(seed) {
  const std::vector<std::uint64_t> ends = wave_ends(plan, devices);
  FLEET_CHECK(ends.size() + 1 <= waves_max, "wave plan was validated");
  std::vector<std::uint64_t> keys(devices);
  for (std::uint32_t d = 0; d < devices; ++d) keys[d] = membership_key(seed, d);
  // Successive selections: each one only looks at the keys past the previous cut.
  std::uint64_t begin = 0;
  for (std::uint64_t end : ends) {
    if (end == 0 || end <= begin) {
      cuts_.emplace_back(std::nullopt);  // the wave got no device of the initial group
      continue;
    }
    auto nth = keys.begin() + static_cast<std::ptrdiff_t>(end - 1);
    std::nth_element(keys.begin() + static_cast<std::ptrdiff_t>(begin), nth, keys.end());
    cuts_.emplace_back(*nth);
    begin = end;
  }
}

std::uint32_t wave_membership::wave_of(device_index device) const {
  const std::uint64_t key = membership_key(seed_, device);
  for (std::size_t w = 0; w < cuts_.size(); ++w) {
    if (cuts_[w] && key <= *cuts_[w]) return static_cast<std::uint32_t>(w);
  }
  return static_cast<std::uint32_t>(cuts_.size());
}

}  // namespace fleet::cloud
