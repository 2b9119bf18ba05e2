#include "fleet/actors/cloud_host.hpp"

#include <algorithm>

#include "device.pb.h"

namespace fleet::actors {
namespace {

enum trace_tag : std::uint64_t { request_tag = 1, timers_tag, reply_tag, lost_tag, dropped_tag, fault_lost_tag };

constexpr std::int64_t minute_us = 60'000'000;

// Chunks carry image data: their size counts against the download bandwidth.
bool carries_image_data(const std::string& reply) {
  wire::Envelope e;
  return reply.size() > 1024 && e.ParseFromString(reply) && e.has_chunk();
}

}  // namespace

cloud_host::cloud_host(cloud::security_service& service, const nemesis& links, std::uint64_t run_seed,
                       std::uint64_t devices, fw::sim_time run_length)
    : service_(service),
      links_(links),
      run_seed_(run_seed),
      downlinks_(devices),
      per_minute_(static_cast<std::size_t>(run_length.count() / minute_us + 1), 0) {}

void cloud_host::deliver(sim_message m) { inbox_.push(std::move(m)); }

fw::sim_time cloud_host::timers_at() const {
  // A timer already due is due now (time never runs back), and timers run
  // once per instant: a deadline the service leaves in place waits a tick.
  return std::max({service_.next_deadline(), last_, timers_floor_});
}

fw::sim_time cloud_host::next_time() const {
  fw::sim_time next = timers_at();
  if (!inbox_.empty()) next = std::min(next, fw::sim_time{inbox_.top().arrival_us});
  return next;
}

crypto::random_stream& cloud_host::downlink(entity_id device) {
  auto& link = downlinks_[device_index_of(device)];
  if (!link) link = std::make_unique<crypto::random_stream>(run_seed_, device, "downlink");
  return *link;
}

window_result cloud_host::run_window(fw::sim_time end) {
  window_result r;
  for (;;) {
    const fw::sim_time message_at = inbox_.empty() ? fw::never : fw::sim_time{inbox_.top().arrival_us};
    const fw::sim_time timers_due = timers_at();
    const fw::sim_time at = std::min(message_at, timers_due);
    if (at >= end) break;
    last_ = at;
    ++r.events;
    if (timers_due <= message_at) {  // timers first at equal times
      trace_.fold(at.count(), timers_tag, 0);
      service_.advance(at);
      timers_floor_ = at + fw::duration{1};
      continue;
    }
    sim_message m = inbox_.top();
    inbox_.pop();
    trace_.fold(at.count(), request_tag, m.source);
    const auto minute = static_cast<std::size_t>(at.count() / minute_us);
    if (minute < per_minute_.size()) ++per_minute_[minute];
    if (links_.cloud_drops(at, m.bytes)) {
      ++dropped_;
      trace_.fold(at.count(), dropped_tag, m.source);
      continue;
    }
    for (std::string& reply : service_.handle(at, m.bytes, m.source)) {
      ++sent_;
      const link_result link = links_.delay(downlink(m.source), device_index_of(m.source), at, reply.size(),
                                            carries_image_data(reply));
      if (!link.delay) {
        ++(link.lost_to_fault ? lost_to_faults_ : lost_);
        trace_.fold(at.count(), link.lost_to_fault ? fault_lost_tag : lost_tag, reply.size());
        continue;
      }
      trace_.fold(at.count(), reply_tag, reply.size());
      r.sent.push_back({(at + *link.delay).count(), cloud_entity, sent_, m.source, std::move(reply)});
    }
  }
  r.next_us = next_time().count();
  return r;
}

}  // namespace fleet::actors
