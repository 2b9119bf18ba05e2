// fleet::actors::run: a scenario's fleet cut into partitions, run stretch by
// stretch between the control's ticks, and what it did gathered into the
// run_result.
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "adversary/link_tamper.hpp"
#include "engine/control_messages.hpp"
#include "engine/fleet_counts.hpp"
#include "engine/fleet_control.hpp"
#include "engine/gathering.hpp"
#include "engine/partition.hpp"
#include "engine/partition_crew.hpp"
#include "fleet/actors/run.hpp"
#include "network/nemesis.hpp"
#include "observe/snapshot_taker.hpp"

namespace fleet::actors {
namespace {

/// A paced run waits for its next event at most this long at a time: how
/// soon a stop acts and the status moves in a quiet stretch, at any speed.
constexpr std::chrono::milliseconds pacing_slice{100};
/// An unpaced stretch past the next tick aims at about this many events (a
/// fraction of a second of wall time): how soon a stop acts and the status
/// moves. Counted in events, not wall time, so that where stretches end, and
/// the engine's figures with them, are the same in every run (where they
/// end changes nothing in the run itself).
constexpr std::uint64_t stretch_events_target = 20'000;
// Slices of a stretch (partition_crew.hpp). A model of two threads taking
// 16 partitions off one queue, fed the CPU time of every job of scale-1m at
// 100,000 devices (39,008 stretches), has the threads idle 4.7 % of the
// stretches' work with one slice a partition, 2.6 % with two, 1.6 % with
// four (bench/README.md, "Slices"). A slice costs a message each way, a
// few microseconds; slice_events_min events are about half a millisecond
// of crypto, so fewer would cost more than they even out.
constexpr std::uint64_t slices_max = 4;
constexpr std::uint64_t slice_events_min = 16;

/// `t + d`, or fw::never past it (t may be fw::never).
sim_time later_by(sim_time t, duration d) { return t >= fw::never - d ? fw::never : t + d; }

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
  // The partitions are built by their own actors; from here on the control
  // reads nothing of a partition but its reports.
  partition_crew crew(system, s, r.partitions, r.devices, links, tamper);
  const snapshot_taker snapshots(s, links);
  snapshot_taker::engine_view view{control, 0};

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
  // A live snapshot at `at` (at or after `reached`, before any event): every
  // partition reports its status in a round trip that runs nothing. Not
  // counted as a barrier: snapshots follow the wall clock, and the run's
  // figures are the same in every run (their cost is in taking_seconds).
  const auto observe_at = [&](sim_time at) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<partition_orders> asked(r.partitions);
    for (partition_orders& a : asked) {
      a.until_us = reached.count();
      a.status = true;
      a.states_at_us = at.count();
    }
    live_snapshot snapshot = snapshots.take(view, crew.run(std::move(asked)), at, false);
    snapshot.taking_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
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
  // A stretch's slices (partition_crew.hpp): as many as the last stretch's
  // events give each partition slice_events_min a slice, up to slices_max,
  // cut evenly from the next event on. They follow the run alone, never the
  // thread count, so the engine's figures (steps among them) are the same
  // in every run.
  const auto slice_ends_of = [&](sim_time until) {
    std::vector<std::int64_t> ends;
    const std::uint64_t slices =
        std::min<std::uint64_t>(slices_max, stretch_events / (std::uint64_t{r.partitions} * slice_events_min));
    const sim_time from = std::max(reached, next_event);
    if (slices < 2 || until <= from) return ends;
    for (std::uint64_t j = 1; j < slices; ++j) {
      const sim_time cut = from + (until - from) * static_cast<std::int64_t>(j) / static_cast<std::int64_t>(slices);
      if (cut > from && (ends.empty() || cut.count() > ends.back())) ends.push_back(cut.count());
    }
    return ends;
  };
  const auto stretch = [&](sim_time until, bool tick) {
    std::vector<partition_orders> asked(r.partitions);
    for (std::uint32_t p = 0; p < r.partitions; ++p) {
      asked[p].until_us = until.count();
      asked[p].report = tick;
      asked[p].deployments = std::move(orders[p]);
      orders[p].clear();
    }
    const std::vector<partition_report> reports = crew.run(std::move(asked), slice_ends_of(until));
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
  // The last one also asks for each partition's status and final account.
  const auto count_at = [&](const std::vector<sim_time>& samples, const std::vector<sim_time>& censuses,
                            bool last = false) {
    std::vector<partition_orders> asked(r.partitions);
    for (partition_orders& a : asked) {
      a.until_us = reached.count();
      for (const sim_time t : samples) a.samples_us.push_back(t.count());
      for (const sim_time t : censuses) a.censuses_us.push_back(t.count());
      a.status = last;
      a.account = last;
      a.states_at_us = reached.count();
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
    return reports;
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
  const auto taking_last = std::chrono::steady_clock::now();
  const std::vector<partition_report> final_reports = count_at({reached}, censuses_left, true);
  r.simulated = reached;
  for (const partition_report& rep : final_reports) {
    r.events += rep.status.events;
    r.windows += rep.status.steps;
  }
  r.barriers = view.barriers;
  r.control_ticks = control.ticks();
  live_snapshot last = snapshots.take(view, final_reports, reached, r.complete);
  last.taking_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - taking_last).count();
  gather(r, s, links, snapshots.fault_hits(), last, final_reports);
  r.crypto_ops = crypto::counted_ops() - crypto_before;
  if (o.observe) o.observe(last);
  return r;
}

}  // namespace fleet::actors
