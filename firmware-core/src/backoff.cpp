#include "backoff.hpp"

#include <algorithm>

namespace fleet::fw {

duration backoff_delay(duration base, duration cap, std::uint32_t failures, std::uint64_t random64) {
  // Doubling stops once past the cap, so large failure counts cannot overflow.
  std::int64_t window = base.count();
  for (std::uint32_t i = 0; i < failures && window < cap.count(); ++i) window *= 2;
  window = std::min(window, cap.count());
  if (window <= 0) return duration{0};
  return duration{static_cast<std::int64_t>(random64 % (static_cast<std::uint64_t>(window) + 1))};
}

}  // namespace fleet::fw
