#pragma once
// Daily maintenance windows in UTC wall-clock time: offers are made only
// inside one. Callers with a local time zone shift `start_of_day` themselves.

#include <chrono>
#include <vector>

#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

using namespace std::chrono_literals;

inline constexpr duration day = 24h;

struct maintenance_window {
  duration start_of_day{0};  ///< UTC time of day the window opens, in [0, 24h)
  duration length{0};        ///< in (0, 24h]; a window may run past midnight
};

/// Wall-clock time: UTC microseconds since the Unix epoch.
using wall_time = std::chrono::microseconds;

/// True when `wall` lies inside one of `windows`; no windows means always open.
bool in_window(const std::vector<maintenance_window>& windows, wall_time wall);

}  // namespace fleet::cloud
