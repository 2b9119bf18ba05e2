#include "engine/fleet_counts.hpp"

#include <algorithm>

#include "fleet/device/simulated_device.hpp"

namespace fleet::actors {
namespace {

using count_map = std::map<std::string, std::uint64_t>;

void add_maps(count_map& into, const count_map& from) {
  for (const auto& [key, n] : from) into[key] += n;
}

void add_by_group(std::vector<count_map>& into, const std::vector<count_map>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (std::size_t g = 0; g < from.size(); ++g) add_maps(into[g], from[g]);
}

}  // namespace

std::size_t state_index(const device::simulated_device& d, sim_time at) {
  const fw::core& firmware = d.firmware();
  switch (firmware.state()) {
    case fw::device_state::powered_off: return 0;
    case fw::device_state::bricked: return 4;
    case fw::device_state::running: break;
  }
  if (firmware.trial_pending()) return 3;
  const bool valid = firmware.has_certificate() && firmware.certificate_not_after_us() > d.clock().wall_time_us(at);
  return valid ? attested_state : 1;
}

void count_version(version_counts& counts, const wire::version& v) {
  const auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == v; });
  if (it != counts.end()) {
    ++it->second;
  } else {
    counts.emplace_back(v, 1);
  }
}

census_plan census_plan_of(const input::run_input& s) {
  census_plan plan;
  plan.groups = s.fleet.groups.size();
  for (const input::deployment& d : s.deployments) {
    if (!d.rollback_image) {
      plan.rollbacks.emplace_back();
      continue;
    }
    const input::image& back = s.images[*d.rollback_image];
    plan.rollbacks.push_back(census_plan::rollback_image{back.component, back.version});
  }
  plan.attested_running = !s.cloud.revocations.empty();
  return plan;
}

void add_counts(timeline_point& fleet, const timeline_point& share) {
  add_maps(fleet.app_versions, share.app_versions);
  add_maps(fleet.states, share.states);
}

void add_counts(census& fleet, const census& share) {
  add_by_group(fleet.app_versions_by_group, share.app_versions_by_group);
  add_by_group(fleet.attested_running_by_group, share.attested_running_by_group);
  add_each(fleet.attested_by_group, share.attested_by_group);
  if (fleet.rollback_by_deployment.size() < share.rollback_by_deployment.size()) {
    fleet.rollback_by_deployment.resize(share.rollback_by_deployment.size());
  }
  for (std::size_t d = 0; d < share.rollback_by_deployment.size(); ++d) {
    rollback_census& into = fleet.rollback_by_deployment[d];
    const rollback_census& from = share.rollback_by_deployment[d];
    into.took += from.took;
    into.running += from.running;
    into.committed += from.committed;
  }
}

}  // namespace fleet::actors
