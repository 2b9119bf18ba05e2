#include "engine/device_shard.hpp"

#include "fleet/check.hpp"

namespace fleet::actors {

void device_shard::add(std::unique_ptr<device_host> device) {
  FLEET_CHECK(device->device().device_index() / stride_ == devices_.size(), "devices join their shard in order");
  devices_.push_back(std::move(device));
  schedule(static_cast<std::uint32_t>(devices_.size() - 1));
}

void device_shard::schedule(std::uint32_t slot) {
  const fw::sim_time t = devices_[slot]->next_time();
  if (t != fw::never) wakes_.push({t, slot});
}

void device_shard::deliver(sim_message m) {
  const auto slot = static_cast<std::uint32_t>(device_index_of(m.destination) / stride_);
  FLEET_CHECK(slot < devices_.size(), "a message for a device of another shard");
  devices_[slot]->deliver(std::move(m));
  schedule(slot);
}

std::uint16_t device_shard::cell_of(std::uint64_t device) const {
  const std::uint64_t slot = device / stride_;
  FLEET_CHECK(slot < devices_.size(), "a device of another shard");
  return devices_[slot]->cell();
}

fw::sim_time device_shard::next_time() {
  // Entries go stale when a device's next time moves; the current one is
  // always in the heap too, so stale ones are dropped as they surface.
  while (!wakes_.empty()) {
    const auto [t, slot] = wakes_.top();
    if (devices_[slot]->next_time() == t) return t;
    wakes_.pop();
  }
  return fw::never;
}

window_result device_shard::run_window(fw::sim_time end) {
  due_.clear();
  while (!wakes_.empty() && wakes_.top().first < end) {
    const auto [t, slot] = wakes_.top();
    wakes_.pop();
    if (devices_[slot]->next_time() == t) due_.push_back(slot);
  }
  window_result r;
  const std::uint64_t events_before = tally_.events;
  for (const std::uint32_t slot : due_) {
    // A device may be due twice (two current entries at one time): the
    // second run finds nothing before `end` and returns at once.
    devices_[slot]->run_until(end, around_, r.sent, tally_, scratch_);
    schedule(slot);
  }
  r.events = tally_.events - events_before;
  r.next_us = next_time().count();
  return r;
}

}  // namespace fleet::actors
