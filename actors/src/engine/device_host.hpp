#pragma once
// One device in the fleet: the real firmware core on its simulated hardware
// (device::simulated_device), the messages on their way to it, its uplink's
// random stream and its trace. A shard owns many; nothing here is shared
// between devices except read-only setup (config, behaviour, chunk store).

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "adversary/attack_ledger.hpp"
#include "adversary/link_tamper.hpp"
#include "engine/entity_trace.hpp"
#include "engine/message_inbox.hpp"
#include "engine/sim_message.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/actors/sim_histogram.hpp"
#include "fleet/device/simulated_device.hpp"
#include "fleet/fw/core.hpp"
#include "network/nemesis.hpp"

namespace fleet::actors {

/// Trust in an image revoked at `at` (scenario cloud.revoke): devices
/// running it are watched until they heal.
struct revocation_watch {
  fw::sim_time at{0};
  fw::component comp = fw::component::os;
  crypto::digest image{};
};

/// What the devices of a shard made of one revocation (run.hpp revocation_outcome).
struct revocation_tally {
  std::uint64_t affected_online = 0;
  std::uint64_t affected_offline = 0;
  std::uint64_t certificates_on_revoked = 0;
  /// Seconds from the revocation to each heal: 4 bytes a healed device.
  std::vector<std::uint32_t> healed_online_after_s;
  std::vector<std::uint32_t> healed_offline_after_s;
};

/// One fault's torn writes (power_loss during flash_write) in a shard.
struct tear_tally {
  std::uint64_t armed = 0;
  std::uint64_t torn = 0;  ///< of them, those that tore a write
  std::array<std::uint64_t, device::write_kind_count> torn_by_kind{};  ///< `torn` by the kind of write torn
};

/// What devices did, summed by their shard.
struct device_tally {
  run_counters counters;
  std::uint64_t events = 0;
  std::vector<std::uint64_t> starts;   ///< software starts by signed image (device_surroundings order), grown on use
  sim_histogram message_latency;       ///< of the messages sent towards the cloud
  sim_histogram attestation_time;      ///< from the first challenge request to the certificate accepted
  std::vector<sim_histogram> attestation_time_by_hour;  ///< the same by the simulated hour it ended in, grown on use
  std::vector<std::uint64_t> attestation_failures_by_hour;  ///< attestation_failed records by the simulated hour, grown on use
  /// By breakdown cell (breakdown_cells: scenario group and hardware
  /// revision), grown on use; `devices` is left to the engine.
  std::vector<breakdown_counts> by_cell;
  std::vector<revocation_tally> revocations;  ///< by revocation (device_surroundings order), grown on use
  std::vector<tear_tally> tears;  ///< by scenario fault, grown on use
  /// By scenario fault, grown on use: the states (device_state_names order)
  /// of the devices a device fault acted on, when it acted (a tear: when it
  /// was armed); for a link fault or a cloud outage, of the devices whose
  /// requests it met, a request each.
  std::vector<std::array<std::uint64_t, device_state_names.size()>> fault_states;
  /// The same devices by the update step they were at (fw::update_step
  /// order); a tear: once it tears, the step at the start of the event that
  /// tore the write.
  std::vector<std::array<std::uint64_t, fw::update_step_count>> fault_steps;
};

/// What every device of the run shares, read-only: the links with their
/// faults, and the digests of every image the scenario's keys signed
/// (sorted), against which the software a device starts is checked.
struct device_surroundings {
  const nemesis& links;
  const link_tamper& tamper;
  const std::vector<crypto::digest>& signed_images;
  const std::vector<revocation_watch>& revocations;  ///< in time order, at most 8
  /// Where the verdicts on messages an attack altered on their way go.
  attack_ledger& attacks;
};

class device_host {
 public:
  /// `faults`: what the nemesis does to this device, in time order; `cell`:
  /// its scenario group and hardware revision (breakdown_cells).
  device_host(const device::device_spec& spec, device::chunk_store& store, fw::sim_time power_on_at,
              std::vector<device_action> faults = {}, std::uint16_t cell = 0);

  device::simulated_device& device() { return device_; }
  const device::simulated_device& device() const { return device_; }
  entity_id entity() const { return device_entity(device_.device_index()); }
  /// Its breakdown cell: scenario group and hardware revision (breakdown_cells).
  std::uint16_t cell() const { return cell_; }

  /// A message for this device; it is handled at its arrival.
  void deliver(sim_message m);
  /// When this device next has something to do; fw::never when nothing.
  fw::sim_time next_time() const;
  /// Handles everything due before `end`, in time order; what it sends goes
  /// to `out` (towards the cloud, through the uplink). `scratch` takes the
  /// firmware's outputs of one event: the shard's, shared by its devices,
  /// because a buffer per device kept ~450 bytes of capacity each. Returns
  /// its next time (next_time()), which it found on the way out.
  fw::sim_time run_until(fw::sim_time end, const device_surroundings& around, std::vector<sim_message>& out,
                         device_tally& tally, fw::outputs& scratch);

  std::uint64_t trace_digest() const { return trace_.digest(); }
  /// The app version the device runs, or while it is switched off the one
  /// it last ran (0.0.0: it never ran an app).
  wire::version app_version() const;

 private:
  void take(fw::sim_time now, const device_surroundings& around, fw::outputs& scratch,
            std::vector<sim_message>& out, device_tally& tally);
  void apply(fw::sim_time now, const device_action& a, fw::outputs& scratch, device_tally& tally);
  /// The flash tore a write: the fault that armed it acted, at `step`.
  void count_tear(fw::update_step step, device_tally& tally) const;
  /// A fault met the device at `step` of an update.
  static void count_step(std::uint32_t fault, fw::update_step step, device_tally& tally);
  /// A fault met the device in the state it is in at `now`.
  void count_state(std::uint32_t fault, fw::sim_time now, device_tally& tally) const;
  /// Both: a fault met the device now (coverage).
  void count_met(std::uint32_t fault, fw::sim_time now, device_tally& tally) const;
  static void judge_altered(std::uint32_t attack, const fw::outputs& scratch, attack_ledger& attacks);
  /// What the report counts by hour and by breakdown cell.
  void count_outcome(fw::sim_time now, const fw::record& r, device_tally& tally) const;
  static void count_start(const crypto::digest& digest, const device_surroundings& around, device_tally& tally);
  /// The revocations due by `now`, and what this event's records mean for them.
  void watch_revocations(fw::sim_time now, const device_surroundings& around, const fw::outputs& scratch,
                         device_tally& tally);
  /// Whether an offline fault had switched this device off at `t`.
  bool offline_at(fw::sim_time t) const;
  fw::sim_time next_fault_at() const {
    return next_fault_ < faults_.size() ? faults_[next_fault_].at : fw::never;
  }

  device::simulated_device device_;
  message_inbox inbox_;
  crypto::random_stream uplink_;
  entity_trace trace_;
  fw::sim_time power_on_at_;
  std::uint64_t sent_ = 0;
  std::vector<device_action> faults_;
  // 32 bits (at most faults_max x a year's spells at the highest rate: under
  // 10 M) so that the cell fits where a 64-bit index was: a device costs
  // not a byte more for the breakdown.
  std::uint32_t next_fault_ = 0;
  std::uint16_t cell_ = 0;
  std::uint8_t revocations_seen_ = 0;  ///< revocations judged for this device (it ran, or not, the image)
  std::uint8_t unhealed_ = 0;          ///< bit r: runs (or ran) revocation r's image and has not attested since
  wire::version last_app_{};  ///< the app version it last ran
};

}  // namespace fleet::actors
