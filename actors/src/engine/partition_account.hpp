#pragma once
// What the control reads of a partition besides its deployments' shares and
// its counts at given times (partition.hpp, fleet_counts.hpp): its status,
// for a live snapshot, and its final account, for the run's report. A
// partition builds them in its own actor when its orders ask, as plain
// values (control_messages.hpp makes them serializable), so that the
// control never reads a partition's objects: the partition may be in
// another process (worker nodes).

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/device_host.hpp"
#include "engine/fleet_counts.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/actors/sim_histogram.hpp"
#include "fleet/actors/traffic.hpp"
#include "fleet/cloud/rollout_status.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::actors {

/// A partition as it stands, for a live snapshot (snapshot_taker.hpp).
/// Everything is cumulative since the start of the run, but the states,
/// which are as at the orders' `states_at_us`.
struct partition_status {
  std::uint64_t events = 0;  ///< handled so far
  std::uint64_t steps = 0;   ///< of its loop so far
  run_counters device_counters;  ///< what its devices counted (device_tally::counters)
  sim_histogram message_latency;   ///< device_tally's
  sim_histogram attestation_time;  ///< device_tally's
  /// Its devices per scenario group and state (device_state_names order).
  std::vector<std::array<std::uint64_t, device_state_names.size()>> states_by_group;
  /// Its devices per scenario group and running app version, in the order
  /// the versions were first met; devices running no app are not counted.
  std::vector<version_counts> versions_by_group;
  /// Per scenario deployment, its share's status (the counts are the share's).
  std::vector<cloud::rollout_status> deployments;
  cloud::service_counters service;  ///< its cloud share's
  // Its cloud host's.
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_lost = 0;
  std::uint64_t messages_lost_to_faults = 0;
  std::uint64_t requests_dropped = 0;  ///< by outages, at the endpoint
  std::vector<attack_outcome> attacks;  ///< its attack ledger's, by scenario attack
  std::vector<tear_tally> tears;        ///< by scenario fault, as far as its devices counted
  /// By scenario fault (as far as its devices counted), the states of the
  /// devices a device fault acted on (device_tally::fault_states).
  std::vector<std::array<std::uint64_t, device_state_names.size()>> fault_states;
  /// The same devices by update step (device_tally::fault_steps).
  std::vector<std::array<std::uint64_t, fw::update_step_count>> fault_steps;
};

/// A device's trace digest, with its index in the fleet.
struct device_digest {
  std::uint64_t device = 0;
  std::uint64_t digest = 0;
};

/// The victims of one attack in a partition (attack_host::victims_of), and
/// of them those holding a valid certificate at the orders' `states_at_us`.
struct attack_victims {
  std::uint64_t victims = 0;
  std::uint64_t attested = 0;
};

/// Telemetry events as a partition's devices and cloud share account for them.
struct telemetry_sums {
  std::uint64_t generated = 0;
  std::uint64_t delivered = 0;
  std::uint64_t dropped = 0;
  std::uint64_t lost_to_power = 0;
  std::uint64_t buffered = 0;
  std::uint64_t received = 0;  ///< by the cloud share: stored, or refused for a full store
};

/// What the run's report needs of a partition at the end.
struct partition_account {
  std::uint64_t cloud_digest = 0;              ///< its cloud share's trace
  std::vector<device_digest> device_digests;   ///< its devices', in slot order
  std::vector<std::uint64_t> attacker_digests;  ///< its attackers', in entity order
  telemetry_sums telemetry;
  std::vector<attack_victims> victims;  ///< by scenario attack
  std::vector<revocation_tally> revocations;  ///< by scenario revocation, grown on use
  std::vector<std::uint64_t> image_starts;    ///< software starts by scenario image
  // The breakdowns (docs/engine.md, "What the report counts").
  traffic_counts traffic{std::chrono::minutes(1)};  ///< (an initializer, so that `partition_account{}` compiles)
  std::vector<sim_histogram> attestation_time_by_hour;
  std::vector<std::uint64_t> attestation_failures_by_hour;
  /// By breakdown cell (breakdown_cells), every cell of the run: its
  /// devices, their requests and what they counted.
  std::vector<breakdown_counts> by_cell;
  std::vector<std::uint32_t> requests_per_minute;  ///< reaching its endpoint
  std::vector<std::uint64_t> requests_dropped_by_fault;  ///< by scenario fault (outages only)
};

}  // namespace fleet::actors
