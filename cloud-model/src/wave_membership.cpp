#include "wave_membership.hpp"

#include <algorithm>
#include <cmath>

#include "fleet/check.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::cloud {
namespace {

using crypto::mix64;

/// Cumulative device counts at the end of each wave but the last.
std::vector<std::uint64_t> cumulative_counts(const wave_plan& plan, std::uint32_t devices) {
  std::vector<std::uint64_t> ends;
  if (plan.by == wave_plan::kind::percent) {
    for (std::size_t i = 0; i + 1 < plan.cumulative_percent.size(); ++i) {
      // Percent to parts per million first, then integer ceiling: no float fuzz
      // in the count (1 % of 1,000,000 is exactly 10,000).
      const auto ppm = static_cast<std::uint64_t>(std::llround(plan.cumulative_percent[i] * 1e4));
      ends.push_back((std::uint64_t{devices} * ppm + 999'999) / 1'000'000);
    }
  } else {
    std::uint64_t total = 0;
    for (std::uint32_t size : plan.sizes) {
      total += size;
      ends.push_back(std::min<std::uint64_t>(total, devices));
    }
  }
  return ends;
}

}  // namespace

std::uint64_t membership_key(std::uint64_t seed, device_index device) {
  // mix64(seed) picks a permutation; xor with the index keeps it one-to-one.
  return mix64(mix64(seed) ^ device);
}

wave_membership::wave_membership(const wave_plan& plan, std::uint64_t seed, std::uint32_t devices)
    : seed_(seed) {
  const std::vector<std::uint64_t> ends = cumulative_counts(plan, devices);
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
