#include "fleet/actors/coordinator.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>

#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

using run_window_atom = caf::atom_constant<caf::atom("runwindow")>;

/// An actor around one host (the cloud or a shard): it runs windows it is asked to.
template <class Host>
caf::behavior host_behaviour(caf::event_based_actor*, Host* host) {
  return {[host](run_window_atom, std::int64_t end_us) { return host->run_window(fw::sim_time{end_us}); }};
}

}  // namespace

coordinator::coordinator(caf::actor_system& system, cloud_host& cloud,
                         std::vector<std::unique_ptr<device_shard>>& shards, duration lookahead, bool parallel,
                         std::uint64_t parallel_events_min)
    : system_(system),
      self_(system),
      cloud_(cloud),
      shards_(shards),
      lookahead_(lookahead),
      parallel_(parallel && shards.size() > 1),
      parallel_events_min_(parallel_events_min) {
  actors_.push_back(system_.spawn(host_behaviour<cloud_host>, &cloud_));
  for (auto& shard : shards_) actors_.push_back(system_.spawn(host_behaviour<device_shard>, shard.get()));
  next_.push_back(cloud_.next_time());
  for (auto& shard : shards_) next_.push_back(shard->next_time());
}

fw::sim_time coordinator::next_time() { return *std::min_element(next_.begin(), next_.end()); }

void coordinator::route(window_result& r) {
  events_ += r.events;
  window_events_ += r.events;
  for (sim_message& m : r.sent) {
    if (m.destination == cloud_entity) {
      next_[0] = std::min(next_[0], fw::sim_time{m.arrival_us});
      cloud_.deliver(std::move(m));
    } else {
      const std::size_t shard = device_index_of(m.destination) % shards_.size();
      next_[shard + 1] = std::min(next_[shard + 1], fw::sim_time{m.arrival_us});
      shards_[shard]->deliver(std::move(m));
    }
  }
}

fw::sim_time coordinator::run_window(fw::sim_time limit) {
  const fw::sim_time start = next_time();
  FLEET_CHECK(start < limit, "run_window past the limit");
  const fw::sim_time end = std::min(start + lookahead_, limit);
  // A busy window is likely followed by another (a fleet booting, a wave
  // opening): the last window's events decide how this one runs.
  const bool parallel = parallel_ && window_events_ >= parallel_events_min_;
  window_events_ = 0;
  if (parallel) {
    ++parallel_windows_;
    run_on_actors(end);
  } else {
    run_inline(end);
  }
  ++windows_;
  return end;
}

void coordinator::run_inline(fw::sim_time end) {
  // Results are routed only after every host ran: a message sent in this
  // window arrives after it anyway, and routing early would change nothing
  // but the order hosts see their heaps grow.
  std::vector<window_result> results;
  double hosts_seconds = 0;
  double longest_host_seconds = 0;
  auto timed = [&](auto&& run_host) {
    const auto start = std::chrono::steady_clock::now();
    results.push_back(run_host());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    hosts_seconds += took;
    longest_host_seconds = std::max(longest_host_seconds, took);
  };
  if (next_[0] < end) {
    timed([&] { return cloud_.run_window(end); });
    next_[0] = fw::sim_time{results.back().next_us};
  }
  for (std::size_t s = 0; s < shards_.size(); ++s) {
    if (next_[s + 1] >= end) continue;
    timed([&] { return shards_[s]->run_window(end); });
    next_[s + 1] = fw::sim_time{results.back().next_us};
  }
  inline_overlap_.add_window(hosts_seconds, longest_host_seconds);
  for (auto& r : results) route(r);
}

void coordinator::run_on_actors(fw::sim_time end) {
  std::vector<std::size_t> asked;
  for (std::size_t h = 0; h < actors_.size(); ++h) {
    if (next_[h] >= end) continue;
    self_->send(actors_[h], run_window_atom::value, end.count());
    asked.push_back(h);
  }
  // Replies come in any order; each says which host it is from by its sender.
  std::vector<window_result> results(actors_.size());
  std::size_t received = 0;
  self_->receive_for(received, asked.size())([&](window_result& r) {
    const auto from = std::find(actors_.begin(), actors_.end(), caf::actor_cast<caf::actor>(self_->current_sender()));
    FLEET_CHECK(from != actors_.end(), "a window result from no host");
    results[static_cast<std::size_t>(from - actors_.begin())] = std::move(r);
  });
  for (const std::size_t h : asked) next_[h] = fw::sim_time{results[h].next_us};
  for (const std::size_t h : asked) route(results[h]);
}

}  // namespace fleet::actors
