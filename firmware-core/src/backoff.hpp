#pragma once
// Capped exponential backoff with full jitter: after an outage the fleet's
// retries spread over the whole window instead of arriving together.

#include <cstdint>

#include "fleet/fw/types.hpp"

namespace fleet::fw {

/// Delay before attempt `failures` + 1: uniform in [0, min(cap, base * 2^failures)],
/// drawn from `random64` (a uniform 64-bit value).
duration backoff_delay(duration base, duration cap, std::uint32_t failures, std::uint64_t random64);

}  // namespace fleet::fw
