#include "engine/gathering.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

#include "engine/entity_trace.hpp"
#include "engine/fleet_counts.hpp"
#include "engine/fleet_setup.hpp"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

using reports_t = std::vector<partition_report>;

/// What the devices made of each revocation, and the requests around it.
std::vector<revocation_outcome> revocation_outcomes(const input::run_input& s, const reports_t& reports,
                                                    const std::vector<std::uint32_t>& per_minute) {
  std::vector<revocation_outcome> out;
  for (std::size_t k = 0; k < s.cloud.revocations.size(); ++k) {
    const auto& r = s.cloud.revocations[k];
    revocation_outcome o;
    o.image = s.images[r.image].ref();
    o.at = r.at;
    std::vector<std::uint32_t> online;
    std::vector<std::uint32_t> offline;
    for (const partition_report& rep : reports) {
      const std::vector<revocation_tally>& tallies = rep.account.revocations;
      if (k >= tallies.size()) continue;
      const revocation_tally& t = tallies[k];
      o.affected_online += t.affected_online;
      o.affected_offline += t.affected_offline;
      o.certificates_on_revoked += t.certificates_on_revoked;
      online.insert(online.end(), t.healed_online_after_s.begin(), t.healed_online_after_s.end());
      offline.insert(offline.end(), t.healed_offline_after_s.begin(), t.healed_offline_after_s.end());
    }
    std::sort(online.begin(), online.end());
    std::sort(offline.begin(), offline.end());
    o.healed_online = online.size();
    o.healed_offline = offline.size();
    // The time by which `share` of the affected devices had healed.
    auto reached = [](const std::vector<std::uint32_t>& heals, std::uint64_t of, double share) {
      const auto needed = static_cast<std::uint64_t>(std::ceil(share * static_cast<double>(of)));
      if (of == 0 || needed == 0 || heals.size() < needed) return duration{-1};
      return duration{std::chrono::seconds(heals[needed - 1])};
    };
    o.online_healed_50 = reached(online, o.affected_online, 0.50);
    o.online_healed_99 = reached(online, o.affected_online, 0.99);
    o.online_healed_100 = reached(online, o.affected_online, 1.0);
    o.offline_healed_100 = reached(offline, o.affected_offline, 1.0);
    constexpr std::int64_t minute_us = 60'000'000;
    constexpr std::size_t day_minutes = 24 * 60;
    const auto at_minute = static_cast<std::size_t>(r.at.count() / minute_us);
    const std::size_t from = at_minute > day_minutes ? at_minute - day_minutes : 0;
    std::uint64_t before = 0;
    for (std::size_t m = from; m < std::min(at_minute, per_minute.size()); ++m) {
      before += per_minute[m];
      o.requests_per_minute_peak_before = std::max(o.requests_per_minute_peak_before, per_minute[m]);
    }
    o.requests_per_minute_before = at_minute > from ? static_cast<double>(before) / static_cast<double>(at_minute - from) : 0;
    for (std::size_t m = at_minute; m < std::min(at_minute + day_minutes, per_minute.size()); ++m) {
      if (per_minute[m] > o.requests_per_minute_peak) {
        o.requests_per_minute_peak = per_minute[m];
        o.peak_minute_at = sim_time{static_cast<std::int64_t>(m) * minute_us};
      }
    }
    out.push_back(std::move(o));
  }
  return out;
}

/// The counters, trace and victims, from the last snapshot and the accounts.
void gather_counts(run_result& r, const live_snapshot& last, const reports_t& reports) {
  r.counters = last.counters;
  // Entity order: the cloud's share of each partition, the devices, then
  // each partition's attackers.
  std::vector<std::uint64_t> digests;
  for (const partition_report& rep : reports) digests.push_back(rep.account.cloud_digest);
  digests.resize(reports.size() + r.devices);
  r.requests_per_minute.clear();
  std::uint64_t received = 0;
  for (const partition_report& rep : reports) {
    const partition_account& a = rep.account;
    for (const device_digest& d : a.device_digests) digests[reports.size() + d.device] = d.digest;
    r.counters.telemetry_generated += a.telemetry.generated;
    r.counters.telemetry_delivered += a.telemetry.delivered;
    r.counters.telemetry_dropped += a.telemetry.dropped;
    r.counters.telemetry_lost_to_power += a.telemetry.lost_to_power;
    r.counters.telemetry_buffered += a.telemetry.buffered;
    received += a.telemetry.received;
    add_each(r.requests_per_minute, a.requests_per_minute);
  }
  for (const partition_report& rep : reports) {
    digests.insert(digests.end(), rep.account.attacker_digests.begin(), rep.account.attacker_digests.end());
  }
  r.trace_hash = combine_traces(digests);
  r.counters.telemetry_received = received;
  for (const auto& states : last.states_by_group) r.counters.bricked += states[4];
  r.attacks = last.attacks;
  // The victims of each attack that spares them, and those attested at the end.
  for (std::size_t a = 0; a < r.attacks.size(); ++a) {
    for (const partition_report& rep : reports) {
      r.attacks[a].victims += rep.account.victims[a].victims;
      r.attacks[a].victims_attested += rep.account.victims[a].attested;
    }
  }
  for (const deployment_snapshot& d : last.deployments) {
    r.deployments.push_back({d.name, d.state, d.devices, d.wave, d.notified, d.succeeded, d.failed, d.rejected,
                             d.timed_out, d.transitions,
                             d.by_outcome[static_cast<std::size_t>(cloud::device_outcome::failed_after_commit)],
                             d.rollback, d.refused_in_flight_full});
  }
}

/// The report's breakdowns, summed over the partitions in their order:
/// requests by time bucket, kind and answer; attestations and their
/// failures by hour; each (group, hardware revision) cell.
void gather_breakdowns(run_result& r, const input::run_input& s, const reports_t& reports) {
  r.traffic = traffic_counts(traffic_bucket_width(s.length));
  const std::vector<std::uint32_t> first_cells = breakdown_cells(s);
  std::vector<breakdown_counts> cells(first_cells.back());
  for (const partition_report& rep : reports) {
    const partition_account& a = rep.account;
    r.traffic += a.traffic;
    add_each(r.attestation_time_by_hour, a.attestation_time_by_hour);
    add_each(r.attestation_failures_by_hour, a.attestation_failures_by_hour);
    FLEET_CHECK(a.by_cell.size() == cells.size(), "an account has every cell of the run");
    for (std::size_t c = 0; c < cells.size(); ++c) cells[c] += a.by_cell[c];
  }
  for (std::size_t g = 0; g < s.fleet.groups.size(); ++g) {
    const input::product& product = s.fleet.products[s.fleet.groups[g].product];
    for (std::size_t rev = 0; rev < product.revisions.size(); ++rev) {
      r.by_group_and_revision.push_back(
          {s.fleet.groups[g].name, product.revisions[rev].name, std::move(cells[first_cells[g] + rev])});
    }
  }
}

/// Each fault with the devices it acts on. Injected: each outage that began,
/// the devices a link fault hits once it started (device faults count their
/// actions as they happen, a torn write when it tears). `seen`: the last
/// snapshot's faults, with the torn writes armed and fired.
std::vector<fault_outcome> fault_outcomes(const input::run_input& s, const nemesis& links, std::uint64_t devices,
                                          const std::vector<std::uint64_t>& hits,
                                          const std::vector<fault_snapshot>& seen, sim_time reached,
                                          const reports_t& reports, run_counters& counters) {
  std::vector<fault_outcome> out;
  for (std::size_t f = 0; f < s.faults.size(); ++f) {
    const input::fault& fault = s.faults[f];
    fault_outcome o{fault.name, input::kind_name(fault.kind), hits[f], fault.at, fault.length,
                    links.spells_begun(f, devices, reached)};
    if (nemesis::arms_a_tear(fault.kind)) {
      o.armed = seen[f].armed;
      o.writes_torn = seen[f].injected;
      o.torn_by_write = seen[f].torn_by_write;
    }
    o.device_states = seen[f].device_states;
    o.update_steps = seen[f].update_steps;
    if (std::holds_alternative<input::cloud_outage>(fault.kind)) {
      counters.faults_injected += links.outages_begun(f, reached);
      for (const partition_report& rep : reports) o.requests_dropped += rep.account.requests_dropped_by_fault[f];
    } else if (nemesis::on_links(fault.kind) && fault.at < reached) {
      counters.faults_injected += o.devices_hit;
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

void gather(run_result& r, const input::run_input& s, const nemesis& links, const std::vector<std::uint64_t>& fault_hits,
            const live_snapshot& last, const std::vector<partition_report>& reports) {
  gather_counts(r, last, reports);
  r.image_starts.assign(s.images.size(), 0);
  for (const partition_report& rep : reports) add_each(r.image_starts, rep.account.image_starts);
  gather_breakdowns(r, s, reports);
  r.revocations = revocation_outcomes(s, reports, r.requests_per_minute);
  r.faults = fault_outcomes(s, links, r.devices, fault_hits, last.faults, last.reached, reports, r.counters);
}

}  // namespace fleet::actors
