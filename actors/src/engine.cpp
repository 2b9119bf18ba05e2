// fleet::actors::run: a scenario's fleet set up, run window by window, and
// what it did gathered into the run_result.
#include <caf/all.hpp>

#include <chrono>
#include <thread>

#include "fleet/actors/coordinator.hpp"
#include "fleet/actors/fleet_setup.hpp"
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
}

/// Collects what the run did once it is over.
void gather(run_result& r, const scenario::scenario& s, cloud_host& cloud, cloud::security_service& service,
            std::vector<std::unique_ptr<device_shard>>& shards) {
  std::vector<std::uint64_t> digests(r.devices + 1);
  digests[cloud_entity] = cloud.trace_digest();
  for (auto& shard : shards) {
    add(r.counters, shard->tally().counters);
    for (const auto& device : shard->devices()) {
      digests[device->entity()] = device->trace_digest();
      if (device->device().firmware().state() == fw::device_state::bricked) ++r.counters.bricked;
    }
  }
  r.trace_hash = combine_traces(digests);
  r.counters.certificates_issued = service.counters().certificates_issued;
  r.counters.messages_sent += cloud.messages_sent();
  r.counters.messages_lost += cloud.messages_lost();
  // fleet_setup created the scenario's deployments in order: IDs 1, 2, ...
  for (std::size_t d = 0; d < s.deployments.size(); ++d) {
    const cloud::rollout_status st = service.deployment_status(static_cast<cloud::deployment_id>(d + 1)).value;
    r.deployments.push_back({s.deployments[d].name, cloud::name_of(st.state), st.devices, st.attempts.succeeded,
                             st.attempts.failed, st.attempts.rejected, st.attempts.timed_out});
  }
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
  fleet_setup setup(s);
  const std::uint64_t shard_count = std::max<std::uint64_t>(1, std::min(shards_max, r.devices));
  std::vector<std::unique_ptr<device_shard>> shards;
  for (std::uint64_t k = 0; k < shard_count; ++k) {
    shards.push_back(std::make_unique<device_shard>(net, static_cast<std::uint32_t>(shard_count)));
  }
  const auto spread = static_cast<std::uint64_t>(std::max<std::int64_t>(1, o.power_on_spread.count()));
  for (std::uint64_t i = 0; i < r.devices; ++i) {
    crypto::random_stream power(s.seed, device_entity(i), "power-on");
    shards[i % shard_count]->add(setup.make_device(i, sim_time{static_cast<std::int64_t>(power.below(spread))}));
  }
  setup.create_deployments();
  cloud_host cloud(setup.service(), net, s.seed, r.devices);

  caf::actor_system_config cfg;
  cfg.add_message_type<sim_message>("fleet.sim_message");
  cfg.add_message_type<window_result>("fleet.window_result");
  cfg.set("scheduler.max-threads", static_cast<std::size_t>(std::max<std::uint32_t>(1, o.threads)));
  caf::actor_system system{cfg};
  coordinator coord(system, cloud, shards, net.lookahead(), o.threads > 1, o.parallel_events_min);

  const sim_time end = s.length;
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
  r.simulated = reached;
  r.events = coord.events();
  r.windows = coord.windows();
  r.parallel_windows = coord.parallel_windows();
  gather(r, s, cloud, setup.service(), shards);
  r.crypto_ops = crypto::counted_ops() - crypto_before;
  return r;
}

}  // namespace fleet::actors
