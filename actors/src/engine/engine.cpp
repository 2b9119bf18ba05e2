// fleet::actors::run: a scenario's fleet cut into partitions, run stretch by
// stretch between the control's ticks, and what it did gathered into the
// run_result.
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>
#include <variant>

#include "adversary/link_tamper.hpp"
#include "engine/control_messages.hpp"
#include "engine/fleet_counts.hpp"
#include "engine/fleet_control.hpp"
#include "engine/partition.hpp"
#include "engine/partition_crew.hpp"
#include "fleet/actors/run.hpp"
#include "network/nemesis.hpp"
#include "observe/snapshot_taker.hpp"

namespace fleet::actors {
namespace {

using partitions_t = std::vector<std::unique_ptr<partition>>;

/// A paced run waits for its next event at most this long at a time: how
/// soon a stop acts and the status moves in a quiet stretch, at any speed.
constexpr std::chrono::milliseconds pacing_slice{100};
/// An unpaced stretch past the next tick aims at about this many events (a
/// fraction of a second of wall time): how soon a stop acts and the status
/// moves. Counted in events, not wall time, so that where stretches end, and
/// the engine's figures with them, are the same in every run (where they
/// end changes nothing in the run itself).
constexpr std::uint64_t stretch_events_target = 20'000;

/// `t + d`, or fw::never past it (t may be fw::never).
sim_time later_by(sim_time t, duration d) { return t >= fw::never - d ? fw::never : t + d; }

/// What the devices made of each revocation, and the requests around it.
std::vector<revocation_outcome> revocation_outcomes(const input::run_input& s,
                                                    partitions_t& parts,
                                                    const std::vector<std::uint32_t>& per_minute) {
  std::vector<revocation_outcome> out;
  for (std::size_t k = 0; k < s.cloud.revocations.size(); ++k) {
    const auto& r = s.cloud.revocations[k];
    revocation_outcome o;
    o.image = s.images[r.image].ref();
    o.at = r.at;
    std::vector<std::uint32_t> online;
    std::vector<std::uint32_t> offline;
    for (auto& part : parts) {
      const device_tally& tally = part->devices().tally();
      if (k >= tally.revocations.size()) continue;
      const revocation_tally& t = tally.revocations[k];
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

/// The victims of each attack that spares them, and those attested at `at`.
void attested_victims(run_result& r, sim_time at, partitions_t& parts) {
  std::vector<bool> attested(r.devices, false);
  for (auto& part : parts) {
    for (const auto& device : part->devices().devices()) {
      attested[device->device().device_index()] = state_index(device->device(), at) == attested_state;
    }
  }
  for (std::size_t a = 0; a < r.attacks.size(); ++a) {
    for (auto& part : parts) {
      for (const std::uint64_t v : part->cloud().attackers().victims_of(a)) {
        ++r.attacks[a].victims;
        if (v < attested.size() && attested[v]) ++r.attacks[a].victims_attested;
      }
    }
  }
}

/// What the run did, from its last snapshot and the entities' traces.
void gather(run_result& r, const live_snapshot& last, partitions_t& parts) {
  r.counters = last.counters;
  // Entity order: the cloud's share of each partition, the devices, then
  // each partition's attackers.
  std::vector<std::uint64_t> digests;
  for (auto& part : parts) digests.push_back(part->cloud().trace_digest());
  digests.resize(parts.size() + r.devices);
  cloud::telemetry_counters taken;
  r.requests_per_minute.clear();
  for (auto& part : parts) {
    for (const auto& device : part->devices().devices()) {
      digests[parts.size() + device_index_of(device->entity())] = device->trace_digest();
      const fw::core& firmware = device->device().firmware();
      r.counters.telemetry_generated += firmware.stats().telemetry_generated;
      r.counters.telemetry_delivered += firmware.stats().telemetry_uploaded;
      r.counters.telemetry_dropped += firmware.stats().telemetry_dropped;
      r.counters.telemetry_lost_to_power += firmware.stats().telemetry_lost_to_power;
      r.counters.telemetry_buffered += firmware.telemetry_buffered();
    }
    const cloud::telemetry_counters t = part->service().telemetry_totals();
    taken.stored += t.stored;
    taken.dropped_store_full += t.dropped_store_full;
    add_each(r.requests_per_minute, part->cloud().requests_per_minute());
  }
  for (auto& part : parts) {
    for (const std::uint64_t d : part->cloud().attackers().trace_digests()) digests.push_back(d);
  }
  r.trace_hash = combine_traces(digests);
  r.counters.telemetry_received = taken.stored + taken.dropped_store_full;
  for (const auto& states : last.states_by_group) r.counters.bricked += states[4];
  r.attacks = last.attacks;
  attested_victims(r, last.reached, parts);
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
void gather_breakdowns(run_result& r, const input::run_input& s, partitions_t& parts) {
  r.traffic = traffic_counts(traffic_bucket_width(s.length));
  const std::vector<std::uint32_t> first_cells = breakdown_cells(s);
  std::vector<breakdown_counts> cells(first_cells.back());
  for (auto& part : parts) {
    r.traffic += part->cloud().traffic();
    const device_tally& tally = part->devices().tally();
    add_each(r.attestation_time_by_hour, tally.attestation_time_by_hour);
    add_each(r.attestation_failures_by_hour, tally.attestation_failures_by_hour);
    for (std::size_t c = 0; c < tally.by_cell.size(); ++c) cells[c] += tally.by_cell[c];
    const auto& requests = part->cloud().requests_by_cell();
    for (std::size_t c = 0; c < requests.size(); ++c) {
      for (std::size_t a = 0; a < request_answer_count; ++a) cells[c].requests[a] += requests[c][a];
    }
    for (const auto& device : part->devices().devices()) ++cells[device->cell()].devices;
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
                                          const partitions_t& parts, run_counters& counters) {
  std::vector<fault_outcome> out;
  for (std::size_t f = 0; f < s.faults.size(); ++f) {
    const input::fault& fault = s.faults[f];
    fault_outcome o{fault.name, input::kind_name(fault.kind), hits[f], fault.at, fault.length,
                    links.spells_begun(f, devices, reached)};
    if (nemesis::arms_a_tear(fault.kind)) {
      o.armed = seen[f].armed;
      o.writes_torn = seen[f].injected;
    }
    if (std::holds_alternative<input::cloud_outage>(fault.kind)) {
      counters.faults_injected += links.outages_begun(f, reached);
      for (const auto& part : parts) o.requests_dropped += part->cloud().requests_dropped_by_fault()[f];
    } else if (nemesis::on_links(fault.kind) && fault.at < reached) {
      counters.faults_injected += o.devices_hit;
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

run_result run(const input::run_input& s, const run_options& o) {
  const crypto::op_counts crypto_before = crypto::counted_ops();
  run_result r;
  r.scenario = s.name;
  r.seed = s.seed;
  r.devices = s.device_count();
  r.threads = o.threads;
  r.partitions = s.partition_count();

  const network_model net(s.fleet.net);
  const nemesis links(net, s.faults, s.seed);
  const link_tamper tamper(s.attacks, s.seed);
  partitions_t parts;
  for (std::uint32_t p = 0; p < r.partitions; ++p) {
    parts.push_back(std::make_unique<partition>(s, partition_plan{p, r.partitions, r.devices}, links, tamper));
  }
  fleet_control control(s, r.partitions);

  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(std::max<std::uint32_t>(1, o.threads)));
  // A run is a chain of barriers: every partition gets a message, the
  // control waits for every report. Work sharing (one queue, workers woken
  // on a condition variable) turned them around faster than work stealing's
  // polling and sleeping here (bench/README.md).
  cfg.set("scheduler.policy", caf::atom("sharing"));
  add_control_message_types(cfg);
  caf::actor_system system{cfg};
  partition_crew crew(system, parts);
  const snapshot_taker snapshots(s, links);
  snapshot_taker::engine_view view{parts, control, 0};

  const sim_time end = s.length;
  std::vector<sim_time> census_at = s.census_times;  // as asked, made sorted and unique here
  std::sort(census_at.begin(), census_at.end());
  census_at.erase(std::unique(census_at.begin(), census_at.end()), census_at.end());
  std::size_t next_census = 0;
  const std::uint32_t points = std::max<std::uint32_t>(2, o.timeline_points);
  std::uint32_t next_point = 0;
  auto point_at = [&](std::uint32_t k) { return end * k / (points - 1); };
  const auto wall_start = std::chrono::steady_clock::now();
  auto next_observation = wall_start + o.observe_every;
  sim_time reached{0};
  const auto observe_at = [&](sim_time at) {
    const live_snapshot snapshot = snapshots.take(view, at, false);
    o.observe(snapshot);
    // A snapshot is a pass over the fleet (about 70 ms at a million
    // devices): spaced so that taking them costs at most a share of the run.
    const double spacing = o.observe_share_max > 0 ? snapshot.taking_seconds / o.observe_share_max : 0;
    const auto by_cost =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(spacing));
    next_observation =
        std::chrono::steady_clock::now() + std::max<std::chrono::steady_clock::duration>(o.observe_every, by_cost);
  };
  const auto stopped = [&] { return o.stop != nullptr && o.stop->load(); };

  // Runs every partition up to `until` with `orders` (none: the last ones
  // hold); at a tick, the control decides from their reports.
  std::vector<std::vector<cloud::rollout_orders>> orders(r.partitions);
  sim_time next_event{0};
  std::uint64_t stretch_events = 0;
  const auto stretch = [&](sim_time until, bool tick) {
    std::vector<partition_orders> asked(r.partitions);
    for (std::uint32_t p = 0; p < r.partitions; ++p) {
      asked[p].until_us = until.count();
      asked[p].report = tick;
      asked[p].deployments = std::move(orders[p]);
      orders[p].clear();
    }
    const std::vector<partition_report> reports = crew.run(std::move(asked));
    ++view.barriers;
    next_event = fw::never;
    stretch_events = 0;
    for (const partition_report& rep : reports) {
      next_event = std::min(next_event, sim_time{rep.next_us});
      stretch_events += rep.events;
    }
    if (tick) orders = control.decide(until, reports);
  };
  // Each partition counts its devices at `samples` and `censuses` (times at
  // or after `reached`, before any event): a round trip that runs nothing.
  const auto count_at = [&](const std::vector<sim_time>& samples, const std::vector<sim_time>& censuses) {
    std::vector<partition_orders> asked(r.partitions);
    for (partition_orders& a : asked) {
      a.until_us = reached.count();
      for (const sim_time t : samples) a.samples_us.push_back(t.count());
      for (const sim_time t : censuses) a.censuses_us.push_back(t.count());
    }
    const std::vector<partition_report> reports = crew.run(std::move(asked));
    ++view.barriers;
    for (std::size_t k = 0; k < samples.size(); ++k) {
      timeline_point fleet;
      fleet.at = samples[k];
      for (const partition_report& rep : reports) add_counts(fleet, rep.samples[k]);
      r.timeline.push_back(std::move(fleet));
    }
    for (std::size_t k = 0; k < censuses.size(); ++k) {
      census fleet;
      fleet.at = censuses[k];
      for (const partition_report& rep : reports) add_counts(fleet, rep.censuses[k]);
      r.censuses.push_back(std::move(fleet));
    }
  };
  stretch(sim_time{0}, true);  // the control's first orders, before any event

  // Where an unpaced stretch ends beyond the next event: grown or shrunk so
  // that a stretch holds about stretch_events_target events.
  duration span = std::chrono::minutes(1);
  for (;;) {
    if (stopped()) break;
    // Timeline points and censuses up to the next event: nothing changes in between.
    std::vector<sim_time> samples_due, censuses_due;
    while (next_point < points - 1 && point_at(next_point) <= std::min(next_event, end)) {
      samples_due.push_back(point_at(next_point++));
    }
    while (next_census < census_at.size() && census_at[next_census] < end &&
           census_at[next_census] <= std::min(next_event, end)) {
      censuses_due.push_back(census_at[next_census++]);
    }
    if (!samples_due.empty() || !censuses_due.empty()) count_at(samples_due, censuses_due);
    if (reached >= end) {
      r.complete = true;
      break;
    }
    const sim_time tick = control.next_tick(reached, next_event);
    const sim_time by_span = later_by(std::max(reached, next_event), span);
    sim_time until = std::min({end, tick, by_span});
    if (next_point < points - 1) until = std::min(until, point_at(next_point));
    if (next_census < census_at.size()) until = std::min(until, census_at[next_census]);
    until = std::max(until, reached + duration{1});
    if (o.speed > 0) {
      // Paced: stretches of at most pacing_slice of wall time, each run when
      // its end is due, so that a stop acts and the status moves at any speed.
      const auto slice = std::chrono::duration_cast<duration>(pacing_slice * o.speed);
      until = std::min(until, later_by(std::max(reached, next_event), slice));
      const auto due = std::chrono::time_point_cast<std::chrono::steady_clock::duration>(
          wall_start + std::chrono::duration<double, std::micro>(static_cast<double>(until.count()) / o.speed));
      for (auto now = std::chrono::steady_clock::now(); now < due && !stopped(); now = std::chrono::steady_clock::now()) {
        std::this_thread::sleep_until(std::min(due, now + pacing_slice));
        if (o.observe && std::chrono::steady_clock::now() >= next_observation) {
          // Nothing happens before the stretch runs: the fleet as it stands, at the paced time.
          const auto paced = std::chrono::duration_cast<sim_time>(
              std::chrono::duration<double, std::micro>((std::chrono::steady_clock::now() - wall_start) * o.speed));
          observe_at(std::max(reached, std::min(paced, until)));
        }
      }
      if (stopped()) break;
    }
    stretch(until, until == tick);
    reached = until;
    // Only a stretch the span ended says whether the span is too short.
    if (until == by_span && stretch_events < stretch_events_target / 2 && span < std::chrono::hours(24)) span *= 2;
    if (stretch_events > stretch_events_target * 2 && span > duration{2}) span /= 2;
    if (o.observe && std::chrono::steady_clock::now() >= next_observation) observe_at(reached);
  }
  // Censuses at the end (or past where a stopped run got to) see the last state.
  std::vector<sim_time> censuses_left;
  while (r.complete && next_census < census_at.size()) censuses_left.push_back(census_at[next_census++]);
  count_at({reached}, censuses_left);
  r.simulated = reached;
  for (const auto& part : parts) {
    r.events += part->events();
    r.windows += part->steps();
  }
  r.barriers = view.barriers;
  r.control_ticks = control.ticks();
  const live_snapshot last = snapshots.take(view, reached, r.complete);
  gather(r, last, parts);
  r.image_starts.assign(s.images.size(), 0);
  for (auto& part : parts) {
    const auto& starts = part->devices().tally().starts;
    const auto& scenario_image = part->signed_images().scenario_image;
    for (std::size_t i = 0; i < starts.size(); ++i) r.image_starts[scenario_image[i]] += starts[i];
  }
  gather_breakdowns(r, s, parts);
  r.revocations = revocation_outcomes(s, parts, r.requests_per_minute);
  r.faults = fault_outcomes(s, links, r.devices, snapshots.fault_hits(), last.faults, reached, parts, r.counters);
  r.crypto_ops = crypto::counted_ops() - crypto_before;
  if (o.observe) o.observe(last);
  return r;
}

}  // namespace fleet::actors
