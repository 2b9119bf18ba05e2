// A partition's status and final account (partition_account.hpp), built in
// its own actor from its devices, cloud share and attackers.
#include <algorithm>

#include "engine/partition.hpp"
#include "fleet/check.hpp"

namespace fleet::actors {

// Versions are kept as numbers (the control names them once): a string per
// device would cost more than the pass itself.
partition_status partition::status_at(fw::sim_time at) {
  partition_status st;
  st.events = events_;
  st.steps = steps_;
  const device_tally& tally = devices_->tally();
  st.device_counters = tally.counters;
  st.message_latency = tally.message_latency;
  st.attestation_time = tally.attestation_time;
  st.tears = tally.tears;
  st.fault_states = tally.fault_states;
  st.fault_steps = tally.fault_steps;
  st.states_by_group.assign(census_plan_.groups, {});
  st.versions_by_group.resize(census_plan_.groups);
  for (const auto& device : devices_->devices()) {
    const std::uint32_t group = setup_.group_of(device->device().device_index());
    ++st.states_by_group[group][state_index(device->device(), at)];
    const wire::version v = device->device().firmware().running_version(fw::component::app);
    if (v == wire::version{}) continue;  // no app running: off, bricked, or still booting
    count_version(st.versions_by_group[group], v);
  }
  const cloud::security_service& service = setup_.service();
  for (std::size_t d = 0; d < service.deployments(); ++d) {
    st.deployments.push_back(service.deployment_status(static_cast<cloud::deployment_id>(d + 1)).value);
  }
  st.service = service.counters();
  st.messages_sent = cloud_->messages_sent();
  st.messages_lost = cloud_->messages_lost();
  st.messages_lost_to_faults = cloud_->messages_lost_to_faults();
  st.requests_dropped = cloud_->requests_dropped();
  st.attacks = attacks_.outcomes();
  return st;
}

partition_account partition::account_at(fw::sim_time at) {
  partition_account a;
  a.cloud_digest = cloud_->trace_digest();
  const device_tally& tally = devices_->tally();
  a.by_cell.resize(cells_);
  for (std::size_t c = 0; c < tally.by_cell.size(); ++c) a.by_cell[c] += tally.by_cell[c];
  const auto& requests = cloud_->requests_by_cell();
  for (std::size_t c = 0; c < requests.size(); ++c) {
    for (std::size_t r = 0; r < request_answer_count; ++r) a.by_cell[c].requests[r] += requests[c][r];
  }
  std::vector<bool> attested;  // by slot
  for (const auto& device : devices_->devices()) {
    a.device_digests.push_back({device->device().device_index(), device->trace_digest()});
    const fw::core& firmware = device->device().firmware();
    a.telemetry.generated += firmware.stats().telemetry_generated;
    a.telemetry.delivered += firmware.stats().telemetry_uploaded;
    a.telemetry.dropped += firmware.stats().telemetry_dropped;
    a.telemetry.lost_to_power += firmware.stats().telemetry_lost_to_power;
    a.telemetry.buffered += firmware.telemetry_buffered();
    attested.push_back(state_index(device->device(), at) == attested_state);
    ++a.by_cell[device->cell()].devices;
  }
  const cloud::telemetry_counters taken = setup_.service().telemetry_totals();
  a.telemetry.received = taken.stored + taken.dropped_store_full;
  a.attacker_digests = cloud_->attackers().trace_digests();
  for (std::size_t k = 0; k < attacks_.outcomes().size(); ++k) {
    attack_victims v;
    for (const std::uint64_t victim : cloud_->attackers().victims_of(k)) {
      FLEET_CHECK(plan_.holds(victim), "a partition's attackers are on its own devices");
      ++v.victims;
      v.attested += attested[plan_.slot_of(victim)] ? 1 : 0;
    }
    a.victims.push_back(v);
  }
  a.revocations = tally.revocations;
  a.image_starts.assign(images_, 0);
  for (std::size_t i = 0; i < tally.starts.size(); ++i) a.image_starts[signed_images_.scenario_image[i]] += tally.starts[i];
  a.traffic = cloud_->traffic();
  a.attestation_time_by_hour = tally.attestation_time_by_hour;
  a.attestation_failures_by_hour = tally.attestation_failures_by_hour;
  a.requests_per_minute = cloud_->requests_per_minute();
  a.requests_dropped_by_fault = cloud_->requests_dropped_by_fault();
  return a;
}

}  // namespace fleet::actors
