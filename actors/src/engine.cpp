// fleet::actors::run: a scenario's fleet set up, run window by window, and
// what it did gathered into the run_result.
#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
#include <variant>

#include "fleet/actors/coordinator.hpp"
#include "fleet/actors/fleet_setup.hpp"
#include "fleet/actors/link_tamper.hpp"
#include "fleet/actors/nemesis.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::actors {
namespace {

/// Shards do not depend on the thread count (the result must not): enough to
/// spread a fleet over many threads, few enough that a window's fixed cost is small.
constexpr std::uint64_t shards_max = 64;

std::string state_name(const fw::core& firmware) {
  switch (firmware.state()) {
    case fw::device_state::powered_off: return "off";
    case fw::device_state::bricked: return "bricked";
    case fw::device_state::running: break;
  }
  if (firmware.trial_pending()) return "trial";
  return firmware.has_certificate() ? "attested" : "running";
}

timeline_point sample(sim_time at, std::vector<std::unique_ptr<device_shard>>& shards) {
  timeline_point p;
  p.at = at;
  for (auto& shard : shards) {
    for (const auto& device : shard->devices()) {
      const fw::core& firmware = device->device().firmware();
      ++p.app_versions[firmware.running_version(fw::component::app).to_string()];
      ++p.states[state_name(firmware)];
    }
  }
  return p;
}

census take_census(sim_time at, const scenario::scenario& s, const fleet_setup& setup,
                   std::vector<std::unique_ptr<device_shard>>& shards) {
  census c;
  c.at = at;
  c.app_versions_by_group.resize(s.fleet.groups.size());
  c.attested_by_group.resize(s.fleet.groups.size());
  for (auto& shard : shards) {
    for (const auto& device : shard->devices()) {
      const fw::core& firmware = device->device().firmware();
      const std::uint32_t group = setup.group_of(device->device().device_index());
      ++c.app_versions_by_group[group][firmware.running_version(fw::component::app).to_string()];
      if (state_name(firmware) == "attested") ++c.attested_by_group[group];
    }
  }
  return c;
}

/// The times the scenario's expectations look at the fleet, sorted.
std::vector<sim_time> census_times(const scenario::scenario& s) {
  std::vector<sim_time> out;
  for (const auto& e : s.expectations) {
    if (const auto* a = std::get_if<scenario::adoption>(&e.what)) out.push_back(a->by);
    if (const auto* a = std::get_if<scenario::devices_attested>(&e.what)) out.push_back(a->by);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

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
}

/// Collects what the run did once it is over.
void add(attack_outcome& into, const attempt_tally& t) {
  into.tried += t.tried;
  into.stopped += t.stopped;
  into.got_through += t.got_through;
}

void gather(run_result& r, const scenario::scenario& s, cloud_host& cloud, cloud::security_service& service,
            std::vector<std::unique_ptr<device_shard>>& shards) {
  // Entity order: the cloud, the devices, then the attackers.
  std::vector<std::uint64_t> digests(r.devices + 1);
  digests[cloud_entity] = cloud.trace_digest();
  r.attacks = cloud.attackers().outcomes(s.attacks);
  for (std::size_t a = 0; a < cloud.altered_requests().size(); ++a) add(r.attacks[a], cloud.altered_requests()[a]);
  for (auto& shard : shards) {
    add(r.counters, shard->tally().counters);
    for (std::size_t a = 0; a < shard->tally().altered.size(); ++a) add(r.attacks[a], shard->tally().altered[a]);
    for (const auto& device : shard->devices()) {
      digests[device->entity()] = device->trace_digest();
      if (device->device().firmware().state() == fw::device_state::bricked) ++r.counters.bricked;
    }
  }
  for (const std::uint64_t d : cloud.attackers().trace_digests()) digests.push_back(d);
  for (const attack_outcome& a : r.attacks) r.counters.attacks_stopped += a.stopped;
  r.trace_hash = combine_traces(digests);
  r.counters.certificates_issued = service.counters().certificates_issued;
  r.counters.messages_sent += cloud.messages_sent();
  r.counters.messages_lost += cloud.messages_lost();
  r.counters.messages_lost_to_faults += cloud.messages_lost_to_faults();
  r.counters.requests_dropped_by_outages = cloud.requests_dropped();
  r.requests_per_minute = cloud.requests_per_minute();
  // fleet_setup created the scenario's deployments in order: IDs 1, 2, ...
  for (std::size_t d = 0; d < s.deployments.size(); ++d) {
    const cloud::rollout_status st = service.deployment_status(static_cast<cloud::deployment_id>(d + 1)).value;
    const std::uint32_t opened = st.state == cloud::rollout_state::scheduled ? 0 : st.current_wave + 1;
    r.deployments.push_back({s.deployments[d].name, cloud::name_of(st.state), st.devices, opened,
                             st.attempts.notified, st.attempts.succeeded, st.attempts.failed, st.attempts.rejected,
                             st.attempts.timed_out});
  }
}

/// Each fault with the devices it acts on; outages that began count as injected.
std::vector<fault_outcome> fault_outcomes(const scenario::scenario& s, const nemesis& faults, sim_time reached,
                                          std::uint64_t devices, run_counters& counters) {
  std::vector<fault_outcome> out;
  for (std::size_t f = 0; f < s.faults.size(); ++f) {
    const scenario::fault& fault = s.faults[f];
    fault_outcome o{fault.name, scenario::kind_name(fault.kind), 0};
    if (std::holds_alternative<scenario::cloud_outage>(fault.kind)) {
      if (fault.at < reached) ++counters.faults_injected;
    } else {
      for (std::uint64_t i = 0; i < devices; ++i) o.devices_hit += faults.hits(f, i) ? 1 : 0;
      const bool link_fault = std::holds_alternative<scenario::partition>(fault.kind) ||
                              std::holds_alternative<scenario::degraded_network>(fault.kind);
      if (link_fault && fault.at < reached) counters.faults_injected += o.devices_hit;
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace

run_result run(const scenario::scenario& s, const run_options& o) {
  const crypto::op_counts crypto_before = crypto::counted_ops();
  run_result r;
  r.scenario = s.name;
  r.seed = s.seed;
  r.devices = s.device_count();
  r.threads = o.threads;

  const network_model net(s.fleet.net);
  const nemesis links(net, s.faults, s.seed);
  const link_tamper tamper(s.attacks, s.seed);
  fleet_setup setup(s);
  const fleet_setup::signed_images signed_images = setup.signed_image_digests();
  const device_surroundings around{links, tamper, signed_images.digests};
  const std::uint64_t shard_count = std::max<std::uint64_t>(1, std::min(shards_max, r.devices));
  std::vector<std::unique_ptr<device_shard>> shards;
  for (std::uint64_t k = 0; k < shard_count; ++k) {
    shards.push_back(std::make_unique<device_shard>(around, static_cast<std::uint32_t>(shard_count)));
  }
  const auto spread = static_cast<std::uint64_t>(std::max<std::int64_t>(1, o.power_on_spread.count()));
  for (std::uint64_t i = 0; i < r.devices; ++i) {
    crypto::random_stream power(s.seed, device_entity(i), "power-on");
    shards[i % shard_count]->add(
        setup.make_device(i, sim_time{static_cast<std::int64_t>(power.below(spread))}, links.actions_for(i)));
  }
  setup.create_deployments();
  cloud_host cloud(setup.service(), links, tamper, s.attacks, s.seed, r.devices, s.length);

  caf::actor_system_config cfg;
  cfg.add_message_type<sim_message>("fleet.sim_message");
  cfg.add_message_type<window_result>("fleet.window_result");
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(std::max<std::uint32_t>(1, o.threads)));
  caf::actor_system system{cfg};
  coordinator coord(system, cloud, shards, net.lookahead(), o.threads > 1, o.parallel_events_min);

  const sim_time end = s.length;
  const std::vector<sim_time> census_at = census_times(s);
  std::size_t next_census = 0;
  const std::uint32_t points = std::max<std::uint32_t>(2, o.timeline_points);
  std::uint32_t next_point = 0;
  auto point_at = [&](std::uint32_t k) { return end * k / (points - 1); };
  const auto wall_start = std::chrono::steady_clock::now();
  auto last_progress = wall_start;
  sim_time reached{0};
  for (;;) {
    if (o.stop != nullptr && o.stop->load()) break;
    const sim_time next = std::min(coord.next_time(), end);
    // Timeline points up to the next event: nothing changes in between.
    while (next_point < points - 1 && point_at(next_point) <= next) {
      r.timeline.push_back(sample(point_at(next_point), shards));
      ++next_point;
    }
    while (next_census < census_at.size() && census_at[next_census] < end && census_at[next_census] <= next) {
      r.censuses.push_back(take_census(census_at[next_census++], s, setup, shards));
    }
    if (next >= end) {
      reached = end;
      r.complete = true;
      break;
    }
    if (o.speed > 0) {
      const auto due = wall_start + std::chrono::duration<double, std::micro>(static_cast<double>(next.count()) / o.speed);
      std::this_thread::sleep_until(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
    }
    reached = coord.run_window(end);
    const auto now = std::chrono::steady_clock::now();
    if (o.progress && now - last_progress >= std::chrono::seconds(1)) {
      o.progress(reached, end);
      last_progress = now;
    }
  }
  r.timeline.push_back(sample(reached, shards));
  // Censuses at the end (or past where a stopped run got to) see the last state.
  while (r.complete && next_census < census_at.size()) {
    r.censuses.push_back(take_census(census_at[next_census++], s, setup, shards));
  }
  r.simulated = reached;
  r.events = coord.events();
  r.windows = coord.windows();
  r.parallel_windows = coord.parallel_windows();
  gather(r, s, cloud, setup.service(), shards);
  r.image_starts.assign(s.images.size(), 0);
  for (auto& shard : shards) {
    const auto& starts = shard->tally().starts;
    for (std::size_t i = 0; i < starts.size(); ++i) r.image_starts[signed_images.scenario_image[i]] += starts[i];
  }
  r.faults = fault_outcomes(s, links, reached, r.devices, r.counters);
  r.crypto_ops = crypto::counted_ops() - crypto_before;
  return r;
}

}  // namespace fleet::actors
