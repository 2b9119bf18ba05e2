#pragma once
// The cloud in the fleet: the security service (cloud-model) handling the
// requests that reach it in (arrival, source, sequence) order, its timers,
// and the downlink of each device (a random stream per device, drawn in the
// service's handling order, so replies' delays are the same in every run).

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "adversary/attack_host.hpp"
#include "adversary/link_tamper.hpp"
#include "engine/device_shard.hpp"
#include "engine/entity_trace.hpp"
#include "engine/message_inbox.hpp"
#include "fleet/actors/traffic.hpp"
#include "fleet/cloud/security_service.hpp"
#include "network/network_model.hpp"

namespace fleet::actors {

class cloud_host {
 public:
  /// `links`, `tamper`, `scenario_attacks` and the partition's ledger
  /// `attacks` (where verdicts on attacks go) outlive the host; the
  /// attackers that talk to the cloud live here (attack_host.hpp). Replies the service's
  /// distribution tamper (a compromised mirror) altered are marked as such
  /// on their way (served_reply::tampered_by). At each
  /// of `key_rotations` (in time order) the operator revokes the
  /// image-signing keys and makes a new one, among the service's timers;
  /// at each of `revocations` (in time order) the operator revokes trust in
  /// the image.
  struct revocation {
    fw::sim_time at{0};
    crypto::digest image_id{};
  };
  /// The service is the cloud's share for the devices of `plan`, which
  /// `devices` holds (read for each device's breakdown cell); the
  /// attackers here are those whose victims are among them.
  cloud_host(cloud::security_service& service, const nemesis& links, const link_tamper& tamper,
             const std::vector<input::attack>& scenario_attacks, std::uint64_t run_seed,
             const partition_plan& plan, const device_shard& devices, attack_ledger& attacks,
             fw::sim_time run_length, std::vector<fw::sim_time> key_rotations = {},
             std::vector<revocation> revocations = {});

  void deliver(sim_message m);
  fw::sim_time next_time() const;
  /// Handles everything due before `end`; the replies are added to `sent`.
  window_result run_window(fw::sim_time end, std::vector<sim_message>& sent);

  std::uint64_t trace_digest() const { return trace_.digest(); }
  std::uint64_t messages_sent() const { return sent_; }
  std::uint64_t messages_lost() const { return lost_; }
  std::uint64_t messages_lost_to_faults() const { return lost_to_faults_; }
  /// Requests outages dropped at the endpoint, in all and by scenario fault.
  std::uint64_t requests_dropped() const;
  const std::vector<std::uint64_t>& requests_dropped_by_fault() const { return dropped_by_fault_; }
  const attack_host& attackers() const { return attackers_; }
  /// Requests that reached the endpoint (dropped ones included), per simulated minute.
  const std::vector<std::uint32_t>& requests_per_minute() const { return per_minute_; }
  /// Requests that reached the endpoint by time bucket, kind and answer.
  const traffic_counts& traffic() const { return traffic_; }
  /// The devices' requests (not the attackers') by breakdown cell and answer, grown on use.
  const std::vector<std::array<std::uint64_t, request_answer_count>>& requests_by_cell() const {
    return requests_by_cell_;
  }

 private:
  crypto::random_stream& downlink(entity_id device);
  /// Counts a request that reached the endpoint, with how it was answered.
  void count_request(fw::sim_time at, const sim_message& m, request_answer answer);
  fw::sim_time timers_at() const;

  cloud::security_service& service_;

  const nemesis& links_;
  const link_tamper& tamper_;
  attack_host attackers_;
  attack_ledger& attacks_;
  std::uint64_t run_seed_;
  partition_plan plan_;
  const device_shard& devices_;
  message_inbox inbox_;
  std::vector<std::unique_ptr<crypto::random_stream>> downlinks_;  ///< by device slot, made on first use
  entity_trace trace_;
  std::uint64_t sent_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_to_faults_ = 0;
  std::vector<std::uint64_t> dropped_by_fault_;  ///< by scenario fault (outages only)
  std::vector<std::uint32_t> per_minute_;
  traffic_counts traffic_;
  std::vector<std::array<std::uint64_t, request_answer_count>> requests_by_cell_;
  std::vector<fw::sim_time> key_rotations_;
  std::size_t rotations_done_ = 0;
  std::vector<revocation> revocations_;
  std::size_t revocations_done_ = 0;
  fw::sim_time last_{0};
  fw::sim_time timers_floor_{0};
};

}  // namespace fleet::actors
