#include "fleet/actors/cloud_host.hpp"

#include <algorithm>

#include "device.pb.h"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

enum trace_tag : std::uint64_t { request_tag = 1, timers_tag, reply_tag, lost_tag, dropped_tag, fault_lost_tag };

constexpr std::int64_t minute_us = 60'000'000;

// Chunks carry image data: their size counts against the download bandwidth.
bool carries_image_data(const std::string& reply) {
  wire::Envelope e;
  return reply.size() > 1024 && e.ParseFromString(reply) && e.has_chunk();
}

// A device's request refused for its rate: what a flood is after.
bool refused_for_rate(const std::vector<std::string>& replies) {
  wire::Envelope first;
  return !replies.empty() && first.ParseFromString(replies.front()) && first.has_error() &&
         first.error().code() == wire::ERROR_RATE_LIMITED;
}

}  // namespace

cloud_host::cloud_host(cloud::security_service& service, const nemesis& links, const link_tamper& tamper,
                       distribution_mirror& mirror, const std::vector<scenario::attack>& attacks,
                       std::uint64_t run_seed, std::uint64_t devices, fw::sim_time run_length,
                       std::vector<fw::sim_time> key_rotations, std::vector<revocation> revocations)
    : service_(service),
      links_(links),
      tamper_(tamper),
      mirror_(mirror),
      attackers_(attacks, run_seed, devices, links.network()),
      men_in_the_middle_(attacks.size()),
      run_seed_(run_seed),
      downlinks_(devices),
      per_minute_(static_cast<std::size_t>(run_length.count() / minute_us + 1), 0),
      key_rotations_(std::move(key_rotations)),
      revocations_(std::move(revocations)) {}

void cloud_host::deliver(sim_message m) { inbox_.push(std::move(m)); }

fw::sim_time cloud_host::timers_at() const {
  // A timer already due is due now (time never runs back), and timers run
  // once per instant: a deadline the service leaves in place waits a tick.
  fw::sim_time due = service_.next_deadline();
  if (rotations_done_ < key_rotations_.size()) due = std::min(due, key_rotations_[rotations_done_]);
  if (revocations_done_ < revocations_.size()) due = std::min(due, revocations_[revocations_done_].at);
  return std::max({due, last_, timers_floor_});
}

fw::sim_time cloud_host::next_time() const {
  fw::sim_time next = std::min(timers_at(), attackers_.next_time());
  if (!inbox_.empty()) next = std::min(next, fw::sim_time{inbox_.top().arrival_us});
  return next;
}

crypto::random_stream& cloud_host::downlink(entity_id device) {
  auto& link = downlinks_[device_index_of(device)];
  if (!link) link = std::make_unique<crypto::random_stream>(run_seed_, device, "downlink");
  return *link;
}

// An altered request is stopped when the service refused it (an error) or
// did not answer; anything else means the alteration went unnoticed.
void cloud_host::judge_altered_request(std::uint32_t attack, const std::vector<std::string>& replies) {
  attempt_tally& t = men_in_the_middle_[attack];
  ++t.tried;
  wire::Envelope first;
  const bool refused = replies.empty() || (first.ParseFromString(replies.front()) && first.has_error());
  ++(refused ? t.stopped : t.got_through);
}

window_result cloud_host::run_window(fw::sim_time end) {
  window_result r;
  for (;;) {
    const fw::sim_time message_at = inbox_.empty() ? fw::never : fw::sim_time{inbox_.top().arrival_us};
    const fw::sim_time timers_due = timers_at();
    const fw::sim_time attackers_due = attackers_.next_time();
    const fw::sim_time at = std::min({message_at, timers_due, attackers_due});
    if (at >= end) break;
    last_ = at;
    ++r.events;
    if (timers_due <= message_at && timers_due <= attackers_due) {  // at equal times: timers, attackers, requests
      trace_.fold(at.count(), timers_tag, 0);
      for (; rotations_done_ < key_rotations_.size() && key_rotations_[rotations_done_] <= at; ++rotations_done_) {
        const auto rotated = service_.rotate_image_signing_key(at, cloud::key_rotation::revoke_previous);
        FLEET_CHECK(rotated.ok(), "image-signing key rotation refused (the scenario loader bounds their number)");
      }
      for (; revocations_done_ < revocations_.size() && revocations_[revocations_done_].at <= at; ++revocations_done_) {
        const auto revoked = service_.revoke_image(at, revocations_[revocations_done_].image_id);
        FLEET_CHECK(revoked.ok(), "image revocation refused (the scenario loader revokes each image once)");
      }
      service_.advance(at);
      timers_floor_ = at + fw::duration{1};
      continue;
    }
    if (attackers_due <= message_at) {
      std::vector<sim_message> requests;
      attackers_.run(at, requests);
      for (sim_message& q : requests) inbox_.push(std::move(q));
      continue;
    }
    sim_message m = inbox_.top();
    inbox_.pop();
    trace_.fold(at.count(), request_tag, m.source);
    if (attackers_.watching()) attackers_.observe(at, m.source, m.bytes, true);
    const auto minute = static_cast<std::size_t>(at.count() / minute_us);
    if (minute < per_minute_.size()) ++per_minute_[minute];
    if (links_.cloud_drops(at, m.bytes)) {
      ++dropped_;
      trace_.fold(at.count(), dropped_tag, m.source);
      continue;
    }
    std::vector<std::string> replies = service_.handle(at, m.bytes, m.source);
    const std::uint32_t mirrored = mirror_.take_altered();  // the device judges it, as a man in the middle's
    if (m.altered_by != 0) judge_altered_request(m.altered_by - 1, replies);
    if (!attackers_.is_attacker(m.source)) {
      if (const auto flood = attackers_.flood_at(at); flood && refused_for_rate(replies)) {
        attackers_.refused_during_flood(*flood, m.source);
      }
    }
    for (std::string& reply : replies) {
      ++sent_;
      if (attackers_.is_attacker(m.source)) {
        trace_.fold(at.count(), reply_tag, reply.size());
        attackers_.deliver(at, m.source, std::move(reply));
        continue;
      }
      // Seen as it leaves the cloud, so even a reply the downlink then loses is captured.
      if (attackers_.watching()) attackers_.observe(at, m.source, reply, false);
      const link_result link = links_.delay(downlink(m.source), device_index_of(m.source), at, reply.size(),
                                            carries_image_data(reply));
      if (!link.delay) {
        ++(link.lost_to_fault ? lost_to_faults_ : lost_);
        trace_.fold(at.count(), link.lost_to_fault ? fault_lost_tag : lost_tag, reply.size());
        continue;
      }
      trace_.fold(at.count(), reply_tag, reply.size());
      sim_message out{(at + *link.delay).count(), cloud_entity, sent_, m.source, std::move(reply), mirrored};
      tamper_.on_the_wire(device_index_of(m.source), at, out);
      r.sent.push_back(std::move(out));
    }
  }
  r.next_us = next_time().count();
  return r;
}

}  // namespace fleet::actors
