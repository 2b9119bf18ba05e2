#pragma once
// The cloud in the fleet: the security service (cloud-model) handling the
// requests that reach it in (arrival, source, sequence) order, its timers,
// and the downlink of each device (a random stream per device, drawn in the
// service's handling order, so replies' delays are the same in every run).

#include <memory>
#include <queue>
#include <vector>

#include "fleet/actors/device_shard.hpp"
#include "fleet/actors/entity_trace.hpp"
#include "fleet/actors/network_model.hpp"
#include "fleet/cloud/security_service.hpp"

namespace fleet::actors {

class cloud_host {
 public:
  cloud_host(cloud::security_service& service, const nemesis& links, std::uint64_t run_seed, std::uint64_t devices,
             fw::sim_time run_length);

  void deliver(sim_message m);
  fw::sim_time next_time() const;
  window_result run_window(fw::sim_time end);

  std::uint64_t trace_digest() const { return trace_.digest(); }
  std::uint64_t messages_sent() const { return sent_; }
  std::uint64_t messages_lost() const { return lost_; }
  std::uint64_t messages_lost_to_faults() const { return lost_to_faults_; }
  std::uint64_t requests_dropped() const { return dropped_; }
  /// Requests that reached the endpoint (dropped ones included), per simulated minute.
  const std::vector<std::uint32_t>& requests_per_minute() const { return per_minute_; }

 private:
  struct later {
    bool operator()(const sim_message& a, const sim_message& b) const { return delivered_before(b, a); }
  };
  crypto::random_stream& downlink(entity_id device);
  fw::sim_time timers_at() const;

  cloud::security_service& service_;
  const nemesis& links_;
  std::uint64_t run_seed_;
  std::priority_queue<sim_message, std::vector<sim_message>, later> inbox_;
  std::vector<std::unique_ptr<crypto::random_stream>> downlinks_;  ///< by device index, made on first use
  entity_trace trace_;
  std::uint64_t sent_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_to_faults_ = 0;
  std::uint64_t dropped_ = 0;
  std::vector<std::uint32_t> per_minute_;
  fw::sim_time last_{0};
  fw::sim_time timers_floor_{0};
};

}  // namespace fleet::actors
