#include "fleet/scenario/rescale.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::scenario {

rescale_result rescale(const scenario& s, std::uint64_t total_devices) {
  rescale_result r{s, {}};
  std::vector<group>& groups = r.value.fleet.groups;
  const std::uint64_t current = s.device_count();
  if (total_devices < groups.size()) {
    r.error = "--devices " + format_count(total_devices) + " is fewer than the scenario's " +
              std::to_string(groups.size()) + " groups (each keeps at least one device)";
    return r;
  }
  if (total_devices > fleet_devices_max) {
    r.error = "--devices " + format_count(total_devices) + " is more than " + format_count(fleet_devices_max);
    return r;
  }
  if (current == 0) return r;  // a loaded scenario never has an empty fleet
  // Exact shares: total * devices fits in 64 bits (both at most 4e6).
  std::vector<std::uint64_t> remainder(groups.size());
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::uint64_t exact = total_devices * s.fleet.groups[i].devices;
    groups[i].devices = static_cast<std::uint32_t>(exact / current);
    remainder[i] = exact % current;
    given += groups[i].devices;
  }
  std::vector<std::size_t> order(groups.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < total_devices; ++k, ++given) ++groups[order[k]].devices;
  // Every group keeps a device, taken from the largest (the first of equals).
  for (group& g : groups) {
    if (g.devices > 0) continue;
    const auto largest = std::max_element(groups.begin(), groups.end(),
                                          [](const group& a, const group& b) { return a.devices < b.devices; });
    --largest->devices;
    g.devices = 1;
  }
  return r;
}

}  // namespace fleet::scenario
