#pragma once
// A shard: many devices run by one actor. The devices of a shard never talk
// to each other, so within a window the shard may handle them in any order;
// what comes out does not depend on it (messages are ordered by their own
// (arrival, source, sequence) keys). A heap of wake-up times finds the
// devices with work in a window without looking at the idle ones, so a
// window costs what its events cost, not what the fleet's size costs. It
// holds each device's next time as the device would tell it: every change
// to a device goes through the shard, which moves the device's entry.

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/device_host.hpp"
#include "engine/wake_heap.hpp"

namespace fleet::actors {

/// What a shard (or the cloud) did in one window, besides what it sent.
struct window_result {
  std::int64_t next_us = 0;  ///< its next event after the window; fw::never when none
  std::uint64_t events = 0;
};

class device_shard {
 public:
  /// Device i of the fleet belongs to shard i % shard_count, at slot i / shard_count.
  device_shard(const device_surroundings& around, std::uint32_t shard_count) : around_(around), stride_(shard_count) {}

  /// Takes the shard's next device, in device index order.
  void add(std::unique_ptr<device_host> device);
  /// Hands a message to the device it is for (one of this shard's).
  void deliver(sim_message m);
  /// The earliest time any device of the shard has work; fw::never when none.
  fw::sim_time next_time() const;
  /// Runs every device with work before `end` up to `end`; what they send
  /// is added to `sent`.
  window_result run_window(fw::sim_time end, std::vector<sim_message>& sent);

  /// To read: a device changed past the shard would keep a stale wake-up time.
  const std::vector<std::unique_ptr<device_host>>& devices() const { return devices_; }
  /// The breakdown cell of fleet device `device`, one of this shard's.
  std::uint16_t cell_of(std::uint64_t device) const;
  const device_tally& tally() const { return tally_; }

 private:
  const device_surroundings& around_;
  std::vector<std::unique_ptr<device_host>> devices_;
  std::uint32_t stride_;
  wake_heap wakes_;
  fw::outputs scratch_;  ///< the firmware's outputs of the event at hand
  device_tally tally_;
};

}  // namespace fleet::actors
