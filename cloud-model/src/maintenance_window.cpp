#include "fleet/cloud/maintenance_window.hpp"

namespace fleet::cloud {

bool in_window(const std::vector<maintenance_window>& windows, wall_time wall) {
  if (windows.empty()) return true;
  // Floor modulo: wall times before the epoch still map into [0, 24h).
  const std::int64_t day_us = day.count();
  const std::int64_t time_of_day = ((wall.count() % day_us) + day_us) % day_us;
  for (const maintenance_window& w : windows) {
    // Distance since the window last opened, wrapping past midnight.
    const std::int64_t since_open = ((time_of_day - w.start_of_day.count()) % day_us + day_us) % day_us;
    if (since_open < w.length.count()) return true;
  }
  return false;
}

}  // namespace fleet::cloud
