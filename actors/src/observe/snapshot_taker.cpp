#include "observe/snapshot_taker.hpp"

#include "adversary/attack_ledger.hpp"
#include "fleet/actors/service_snapshot.hpp"

#include <algorithm>
#include <variant>

#include "engine/fleet_counts.hpp"
#include "fleet/check.hpp"
#include "fleet/fw/core.hpp"

namespace fleet::actors {

void add(run_counters& into, const run_counters& c) {
  into.boots += c.boots;
  into.attestations += c.attestations;
  into.attestation_failures += c.attestation_failures;
  into.updates_downloaded += c.updates_downloaded;
  into.updates_installed += c.updates_installed;
  into.updates_committed += c.updates_committed;
  into.updates_rolled_back += c.updates_rolled_back;
  into.updates_rejected += c.updates_rejected;
  into.updates_failed += c.updates_failed;
  into.app_crashes += c.app_crashes;
  into.messages_sent += c.messages_sent;
  into.messages_lost += c.messages_lost;
  into.messages_lost_to_faults += c.messages_lost_to_faults;
  into.unsigned_code_started += c.unsigned_code_started;
  into.faults_injected += c.faults_injected;
  into.legacy_flashed += c.legacy_flashed;
  into.key_stores_taken += c.key_stores_taken;
  into.restricted_sessions += c.restricted_sessions;
  into.faults_armed += c.faults_armed;
  into.writes_torn += c.writes_torn;
}

snapshot_taker::snapshot_taker(const input::run_input& s, const nemesis& links)
    : input_(s), links_(links), fault_hits_(s.faults.size(), 0) {
  for (std::size_t f = 0; f < s.faults.size(); ++f) {
    if (std::holds_alternative<input::cloud_outage>(s.faults[f].kind)) continue;
    for (std::uint64_t i = 0; i < s.device_count(); ++i) fault_hits_[f] += links.hits(f, i) ? 1 : 0;
  }
}

live_snapshot snapshot_taker::take(const engine_view& e, const std::vector<partition_report>& reports, sim_time reached,
                                   bool complete) const {
  live_snapshot out;
  out.reached = reached;
  out.end = input_.length;
  out.complete = complete;
  out.devices = input_.device_count();
  count_devices(reports, out);
  add_cloud(e, reports, out);
  add_faults(reports, reached, out);
  for (const partition_report& r : reports) {
    out.events += r.status.events;
    out.windows += r.status.steps;
  }
  out.barriers = e.barriers;
  out.control_ticks = e.control.ticks();
  out.partitions = static_cast<std::uint32_t>(reports.size());
  return out;
}

// Versions come as numbers and are named once at the end: a string per
// device would cost more than the pass itself.
void snapshot_taker::count_devices(const std::vector<partition_report>& reports, live_snapshot& out) const {
  const std::size_t groups = input_.fleet.groups.size();
  for (const auto& g : input_.fleet.groups) out.groups.push_back(g.name);
  out.states_by_group.assign(groups, {});
  std::vector<std::vector<std::pair<wire::version, std::uint64_t>>> versions(groups);
  for (const partition_report& r : reports) {
    const partition_status& st = r.status;
    add(out.counters, st.device_counters);
    out.message_latency += st.message_latency;
    out.attestation_time += st.attestation_time;
    FLEET_CHECK(st.states_by_group.size() == groups && st.versions_by_group.size() == groups,
                "a status has every group of the run");
    for (std::size_t g = 0; g < groups; ++g) {
      for (std::size_t k = 0; k < device_state_names.size(); ++k) out.states_by_group[g][k] += st.states_by_group[g][k];
      auto& counts = versions[g];
      for (const auto& [v, n] : st.versions_by_group[g]) {
        const auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == v; });
        if (it != counts.end()) {
          it->second += n;
        } else {
          counts.emplace_back(v, n);
        }
      }
    }
  }
  out.versions_by_group.resize(groups);
  for (std::size_t g = 0; g < groups; ++g) {
    std::sort(versions[g].begin(), versions[g].end());
    for (const auto& [v, n] : versions[g]) out.versions_by_group[g].emplace_back(v.to_string(), n);
  }
}

void snapshot_taker::add_cloud(const engine_view& e, const std::vector<partition_report>& reports,
                               live_snapshot& out) const {
  for (std::size_t d = 0; d < input_.deployments.size(); ++d) out.deployments.push_back(e.control.snapshot_of(d, reports));
  attack_ledger attacks(input_.attacks);
  for (const partition_report& r : reports) {
    const partition_status& st = r.status;
    add_requests(st.service, st.requests_dropped, out);
    out.counters.messages_sent += st.messages_sent;
    out.counters.messages_lost += st.messages_lost;
    out.counters.messages_lost_to_faults += st.messages_lost_to_faults;
    out.counters.requests_dropped_by_outages += st.requests_dropped;
    attacks.add(st.attacks);
  }
  out.attacks = attacks.outcomes();
  for (const attack_outcome& a : out.attacks) out.counters.attacks_stopped += a.stopped;
}

void snapshot_taker::add_faults(const std::vector<partition_report>& reports, sim_time reached, live_snapshot& out) const {
  std::vector<tear_tally> tears(input_.faults.size());
  std::vector<std::array<std::uint64_t, device_state_names.size()>> states(input_.faults.size());
  std::vector<std::array<std::uint64_t, fw::update_step_count>> steps(input_.faults.size());
  for (const partition_report& r : reports) {
    add_each(states, r.status.fault_states);
    add_each(steps, r.status.fault_steps);
    const std::vector<tear_tally>& shard = r.status.tears;
    for (std::size_t f = 0; f < shard.size(); ++f) {
      tears[f].armed += shard[f].armed;
      tears[f].torn += shard[f].torn;
      for (std::size_t k = 0; k < device::write_kind_count; ++k) tears[f].torn_by_kind[k] += shard[f].torn_by_kind[k];
    }
  }
  for (std::size_t f = 0; f < input_.faults.size(); ++f) {
    const input::fault& fault = input_.faults[f];
    fault_snapshot fs;
    fs.kind = input::kind_name(fault.kind);
    fs.started = fault.at <= reached;
    fs.active = links_.in_effect(f, reached);
    const bool outage = std::holds_alternative<input::cloud_outage>(fault.kind);
    if (fs.started) fs.injected = outage ? links_.outages_begun(f, reached) : fault_hits_[f];
    // A torn write acts when it tears, not when it is armed.
    if (nemesis::arms_a_tear(fault.kind)) fs.injected = tears[f].torn;
    fs.armed = tears[f].armed;
    for (std::size_t st = 0; st < device_state_names.size(); ++st) {
      if (states[f][st] > 0) fs.device_states[device_state_names[st]] = states[f][st];
    }
    for (std::size_t st = 0; st < fw::update_step_count; ++st) {
      if (steps[f][st] > 0) fs.update_steps[fw::name_of(static_cast<fw::update_step>(st))] = steps[f][st];
    }
    for (std::size_t k = 0; k < device::write_kind_count; ++k) {
      if (tears[f].torn_by_kind[k] > 0) {
        fs.torn_by_write[device::name_of(static_cast<device::write_kind>(k))] = tears[f].torn_by_kind[k];
      }
    }
    out.faults.push_back(std::move(fs));
  }
}

}  // namespace fleet::actors
