#pragma once
// One partition of the fleet (docs/engine.md): its devices and the cloud's
// share for them (a security service holding only them, with their
// sessions, nonces, certificates, records, telemetry and each deployment's
// per-device execution), the attackers on their identities, its share of
// the nemesis. It runs its own discrete-event loop: devices and cloud share
// talk through the simulated network inside it, and nothing in it reads or
// writes another partition or the control. What crosses to the control is
// plain data: partition_orders in, partition_report out.

#include <cstdint>
#include <memory>
#include <vector>

#include "adversary/attack_ledger.hpp"
#include "adversary/distribution_mirror.hpp"
#include "adversary/link_tamper.hpp"
#include "engine/cloud_host.hpp"
#include "engine/device_shard.hpp"
#include "engine/fleet_counts.hpp"
#include "engine/fleet_setup.hpp"
#include "engine/partition_account.hpp"
#include "engine/partition_plan.hpp"
#include "fleet/cloud/rollout_share.hpp"
#include "network/nemesis.hpp"

namespace fleet::actors {

/// What the control asks of a partition for one stretch of simulated time.
struct partition_orders {
  std::int64_t until_us = 0;  ///< run every event before this time
  /// The stretch ends at a control tick: report the deployments' shares.
  bool report = false;
  /// Per scenario deployment, the control's orders from this stretch on;
  /// empty: the last ones still hold.
  std::vector<cloud::rollout_orders> deployments;
  /// After the stretch, count the partition's devices at these times
  /// (timeline points, censuses): no event of the partition falls between
  /// the stretch's end and them.
  std::vector<std::int64_t> samples_us;
  std::vector<std::int64_t> censuses_us;
  /// After the stretch, report the partition's status (a live snapshot) or
  /// its final account (the run's report), with its devices' states as at
  /// `states_at_us` (at or after the stretch's end, before any event).
  bool status = false;
  bool account = false;
  std::int64_t states_at_us = 0;
};

/// What a partition tells the control at the end of a stretch.
struct partition_report {
  std::int64_t next_us = 0;  ///< its next event; fw::never when none
  std::uint64_t events = 0;  ///< handled in the stretch
  /// Per scenario deployment, its share (only when the orders asked).
  std::vector<cloud::rollout_share_report> deployments;
  /// The partition's counts at the times the orders asked, in their order.
  std::vector<timeline_point> samples;
  std::vector<census> censuses;
  /// Only when the orders asked; left empty (default values) otherwise.
  partition_status status;
  partition_account account;
};

class partition {
 public:
  /// Builds the partition's cloud share and devices. `links` and `tamper`
  /// are the scenario's (read only, the same in every partition). Throws
  /// std::runtime_error when the service refuses the scenario's data.
  partition(const input::run_input& s, const partition_plan& plan, const nemesis& links, const link_tamper& tamper);

  /// Follows the orders, runs every event before `until`, and reports.
  /// Nothing else of a partition is for the control to read: what it needs
  /// comes in the report (docs/engine.md, "What crosses").
  partition_report run(const partition_orders& orders);

 private:
  void run_until(fw::sim_time end);
  /// Its devices per app version and per state at `at`.
  timeline_point sample(fw::sim_time at);
  /// Its devices by group at `at`, and each deployment's rollback.
  census census_at(fw::sim_time at);
  /// Its status and final account, its devices' states as at `at`
  /// (partition_account.cpp).
  partition_status status_at(fw::sim_time at);
  partition_account account_at(fw::sim_time at);
  fw::sim_time next_time() const { return std::min(cloud_next_, devices_next_); }

  partition_plan plan_;
  duration lookahead_;
  fleet_setup setup_;
  fleet_setup::signed_images signed_images_;
  std::vector<revocation_watch> watched_;
  census_plan census_plan_;
  std::size_t images_;  ///< in the scenario
  std::size_t cells_;   ///< breakdown cells of the run (breakdown_cells)
  attack_ledger attacks_;
  device_surroundings around_;
  std::unique_ptr<device_shard> devices_;
  std::unique_ptr<distribution_mirror> mirror_;
  std::unique_ptr<cloud_host> cloud_;
  std::vector<sim_message> to_devices_;  ///< what the cloud share sent in a step
  std::vector<sim_message> to_cloud_;    ///< what the devices sent in a step
  fw::sim_time cloud_next_{0};
  fw::sim_time devices_next_{0};
  fw::sim_time reached_{0};  ///< every event before it is handled: the control's orders take effect here
  std::uint64_t events_ = 0;
  std::uint64_t steps_ = 0;
};

}  // namespace fleet::actors
