#pragma once
// The nemesis: the scenario's faults, applied at the seam where each
// happens. Links (partitions, degraded networks, slow links) wrap the
// network model's delay; the cloud's endpoint drops requests during an
// outage; device faults (power loss, offline spells, clock jumps) become
// timed actions each device host runs in order with its other events. Which
// devices a fault hits is a hash of (run seed, fault, device), so it depends
// on nothing else; so are the spells of a lasting fault at random
// (fault_spells.hpp).
// Read-only once built: shards on any thread share it.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fleet/fw/types.hpp"
#include "fleet/actors/run_input.hpp"
#include "network/fault_spells.hpp"
#include "network/network_model.hpp"

namespace fleet::actors {

/// One thing a device fault does to one device, at one time.
struct device_action {
  /// clock_set_right: a clock_jump undone (`corrected_after`); not a fault of its own.
  enum class kind : std::uint8_t { cut_power, tear_next_flash_write, clock_jump, rot_bit, clock_set_right };
  fw::sim_time at{0};
  kind what = kind::cut_power;
  std::uint32_t fault = 0;  ///< index into input::faults
  duration power_back_after{0};  ///< cut_power, tear_next_flash_write
  duration clock_delta{0};       ///< clock_jump
  std::uint32_t write = 1;       ///< tear_next_flash_write: the write torn, from now (1: the next)
};

/// A message's fate on a link: its delay, or lost (by the network or a fault).
struct link_result {
  std::optional<duration> delay;
  bool lost_to_fault = false;
  /// The first link fault, in scenario order, active on the link then
  /// (an index into input::faults), if any: what coverage says it met.
  std::optional<std::uint32_t> met_by;
};

class nemesis {
 public:
  /// `net` must outlive the nemesis; the faults are copied.
  nemesis(const network_model& net, std::vector<input::fault> faults, std::uint64_t run_seed);

  /// The network's delay for a message of `device`'s link sent at `now`,
  /// with the link faults active then.
  link_result delay(crypto::random_stream& link, std::uint64_t device, fw::sim_time now, std::size_t bytes,
                    bool transfer) const;
  /// Whether the cloud's endpoint drops a request (sim_message::request:
  /// the Envelope body it is addressed to) during an outage of its part. It
  /// routes by the address, as a load balancer by path, and reads no bytes.
  /// The outage dropping it, the first in scenario order; none: it goes through.
  std::optional<std::size_t> cloud_drops(fw::sim_time now, std::uint8_t request) const;
  /// The device's actions, in time order (fault order at equal times). A
  /// fault at a rate gives each device it hits a Poisson series of them,
  /// drawn from the device's own stream for that fault.
  std::vector<device_action> actions_for(std::uint64_t device) const;
  /// Whether a fault of this kind acts on the links (partition, degraded network, slow link).
  static bool on_links(const input::fault_kind& k);
  /// Whether a fault of this kind only arms a torn write (power_loss during
  /// flash_write): it acts when the device's next flash write comes, if one does.
  static bool arms_a_tear(const input::fault_kind& k);
  /// Whether fault `f` hits `device`.
  bool hits(std::size_t f, std::uint64_t device) const;
  /// Whether fault `f` is in effect at `t`: within its window and, for a
  /// cloud outage at random, in one of its spells.
  bool in_effect(std::size_t f, fw::sim_time t) const;
  /// The cloud outages fault `f` has begun before `t` (one for a scheduled
  /// outage that started, each spell for one at random).
  std::uint64_t outages_begun(std::size_t f, fw::sim_time t) const;
  /// The spells fault `f` has begun before `t` when it lasts and comes at
  /// random (over the first `devices` devices it hits, or the cloud's for an
  /// outage); 0 for any other fault.
  std::uint64_t spells_begun(std::size_t f, std::uint64_t devices, fw::sim_time t) const;

  const network_model& network() const { return net_; }
  const std::vector<input::fault>& faults() const { return faults_; }
  duration lookahead() const { return net_.lookahead(); }

 private:
  const network_model& net_;
  std::vector<input::fault> faults_;  ///< a copy: a few per scenario
  std::uint64_t run_seed_;
  std::vector<std::size_t> link_faults_;   ///< partitions and degraded networks
  std::vector<std::size_t> cloud_faults_;  ///< outages
  /// Per fault: its spells when it lasts and comes at random, else none.
  std::vector<std::optional<fault_spells>> spells_;
};

}  // namespace fleet::actors
