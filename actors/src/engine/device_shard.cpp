#include "engine/device_shard.hpp"

#include "fleet/check.hpp"

namespace fleet::actors {

void device_shard::add(std::unique_ptr<device_host> device) {
  FLEET_CHECK(device->device().device_index() / stride_ == devices_.size(), "devices join their shard in order");
  devices_.push_back(std::move(device));
  const auto slot = static_cast<std::uint32_t>(devices_.size() - 1);
  wakes_.set(slot, devices_[slot]->next_time());
}

void device_shard::deliver(sim_message m) {
  const auto slot = static_cast<std::uint32_t>(device_index_of(m.destination) / stride_);
  FLEET_CHECK(slot < devices_.size(), "a message for a device of another shard");
  const fw::sim_time arrival{m.arrival_us};
  devices_[slot]->deliver(std::move(m));
  // A message only adds to the inbox: the device's next time is the earlier of the two.
  wakes_.lower(slot, arrival);
}

std::uint16_t device_shard::cell_of(std::uint64_t device) const {
  const std::uint64_t slot = device / stride_;
  FLEET_CHECK(slot < devices_.size(), "a device of another shard");
  return devices_[slot]->cell();
}

fw::sim_time device_shard::next_time() const { return wakes_.empty() ? fw::never : wakes_.top_time(); }

window_result device_shard::run_window(fw::sim_time end, std::vector<sim_message>& sent) {
  // Taken in (time, slot) order; the order does not change what comes out.
  // A device run up to `end` has nothing before it, so its entry sinks
  // below every other one due in the window.
  window_result r;
  const std::uint64_t events_before = tally_.events;
  while (!wakes_.empty() && wakes_.top_time() < end) {
    const std::uint32_t slot = wakes_.top_slot();
    wakes_.set(slot, devices_[slot]->run_until(end, around_, sent, tally_, scratch_));
  }
  r.events = tally_.events - events_before;
  r.next_us = next_time().count();
  return r;
}

}  // namespace fleet::actors
