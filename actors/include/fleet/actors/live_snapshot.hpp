#pragma once
// The run as it stands between two stretches: what the terminal's status block
// and the Prometheus exporter show while it goes. Made on the control's
// thread from the status each partition reports when asked, in a round trip
// that runs no event; taking it changes nothing in the run (the trace does
// not see it).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleet/actors/run.hpp"
#include "fleet/actors/sim_histogram.hpp"

namespace fleet::actors {

/// The device states the fleet is counted in, in this order.
inline constexpr std::array<const char*, 5> device_state_names{"off", "running", "attested", "trial", "bricked"};

/// How the cloud answered the requests that reached it (cumulative).
struct cloud_request_counts {
  std::uint64_t served = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t unauthenticated = 0;
  std::uint64_t attestation_failed = 0;
  std::uint64_t invalid = 0;
  std::uint64_t not_found = 0;
  std::uint64_t ignored = 0;
  std::uint64_t dropped_by_outage = 0;
};

struct deployment_snapshot {
  std::string name;
  std::string state;          ///< the rollout controller's
  std::uint32_t wave = 0;     ///< open now, from 1; 0 before it starts
  std::uint32_t devices = 0;
  /// Devices by where they stand: pending, in flight, succeeded, failed, rejected, timed out,
  /// failed after commit (cloud::device_outcome order).
  std::array<std::uint32_t, 7> by_outcome{};
  std::uint64_t notified = 0;  ///< devices offered the update at least once
  std::uint64_t offered = 0, succeeded = 0, failed = 0, rejected = 0, timed_out = 0;  ///< attempts
  std::vector<deployment_transition> transitions;  ///< the controller's bounded history
  rollback_figures rollback{};  ///< the cloud-initiated rollback
  /// Update checks not offered the image because the in-flight cap was
  /// reached (cloud::offer_refusal::in_flight_full): the cap at work.
  std::uint64_t refused_in_flight_full = 0;
};

struct fault_snapshot {
  std::string kind;
  bool started = false;  ///< its time has come
  bool active = false;   ///< in progress now
  /// Devices it acts on once started (a cloud outage: the outages begun;
  /// power_loss during flash_write: the writes it tore so far).
  std::uint64_t injected = 0;
  std::uint64_t armed = 0;  ///< power_loss during flash_write: the torn writes it armed so far
  /// power_loss during flash_write: the writes torn so far by kind ("erase", "header", "chunk", "metadata").
  std::map<std::string, std::uint64_t> torn_by_write{};
  /// A device fault: the states of the devices it acted on, when it acted ("attested": 12); none met left out.
  std::map<std::string, std::uint64_t> device_states{};
  /// The same devices by the update step they were at ("none", "downloading",
  /// "staged", "trial": fw::update_step); none met left out.
  std::map<std::string, std::uint64_t> update_steps{};
};

struct live_snapshot {
  sim_time reached{0};
  sim_time end{0};
  bool complete = false;
  std::uint64_t devices = 0;
  std::vector<std::string> groups;  ///< scenario order
  /// Devices per group and state (device_state_names order).
  std::vector<std::array<std::uint64_t, device_state_names.size()>> states_by_group;
  /// Devices per group and app version ("1.1.0"), versions sorted; devices
  /// running no app (off, bricked, booting) are not counted.
  std::vector<std::vector<std::pair<std::string, std::uint64_t>>> versions_by_group;
  run_counters counters;  ///< so far; bricked is not filled (see states)
  cloud_request_counts requests;
  std::uint64_t certificates_refused = 0;
  std::uint64_t certificates_revoked = 0;
  std::uint64_t clones_flagged = 0;
  std::vector<deployment_snapshot> deployments;
  std::vector<fault_snapshot> faults;    ///< scenario order
  std::vector<attack_outcome> attacks;   ///< scenario order, so far
  sim_histogram message_latency;         ///< devices' messages towards the cloud
  sim_histogram attestation_time;        ///< challenge request to certificate, as the devices saw it
  // The engine.
  std::uint64_t events = 0;
  std::uint64_t windows = 0;        ///< steps of the partitions' loops, summed
  std::uint64_t barriers = 0;       ///< stretches: each waits for every partition
  std::uint64_t control_ticks = 0;  ///< ticks at which the control decided
  std::uint32_t partitions = 0;
  double taking_seconds = 0;  ///< wall time this snapshot took to take: its cost to the run
};

}  // namespace fleet::actors
