#include "engine/cloud_host.hpp"

#include <algorithm>
#include <numeric>

#include "device.pb.h"
#include "fleet/check.hpp"

namespace fleet::actors {
namespace {

enum trace_tag : std::uint64_t { request_tag = 1, timers_tag, reply_tag, lost_tag, dropped_tag, fault_lost_tag };

constexpr std::int64_t minute_us = 60'000'000;

// Chunks carry image data: their size counts against the download bandwidth.
bool carries_image_data(const cloud::served_reply& reply) {
  return reply.body == wire::Envelope::kChunk && reply.bytes.size() > 1024;
}

}  // namespace

cloud_host::cloud_host(cloud::security_service& service, const nemesis& links, const link_tamper& tamper,
                       const std::vector<input::attack>& scenario_attacks,
                       std::uint64_t run_seed, const partition_plan& plan, const device_shard& devices,
                       attack_ledger& attacks, fw::sim_time run_length,
                       std::vector<fw::sim_time> key_rotations, std::vector<revocation> revocations)
    : service_(service),
      links_(links),
      tamper_(tamper),
      attackers_(scenario_attacks, run_seed, plan, links.network(), attacks),
      attacks_(attacks),
      run_seed_(run_seed),
      plan_(plan),
      devices_(devices),
      downlinks_(plan.devices()),
      dropped_by_fault_(links.faults().size(), 0),
      per_minute_(static_cast<std::size_t>(run_length.count() / minute_us + 1), 0),
      traffic_(traffic_bucket_width(run_length)),
      key_rotations_(std::move(key_rotations)),
      revocations_(std::move(revocations)) {}

void cloud_host::deliver(sim_message m) { inbox_.push(std::move(m)); }

std::uint64_t cloud_host::requests_dropped() const {
  return std::accumulate(dropped_by_fault_.begin(), dropped_by_fault_.end(), std::uint64_t{0});
}

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
  if (!inbox_.empty()) next = std::min(next, fw::sim_time{inbox_.next().arrival_us});
  return next;
}

crypto::random_stream& cloud_host::downlink(entity_id device) {
  auto& link = downlinks_[plan_.slot_of(device_index_of(device))];
  if (!link) link = std::make_unique<crypto::random_stream>(run_seed_, device, "downlink");
  return *link;
}

// Counting only: nothing here reaches the trace or the service.
void cloud_host::count_request(fw::sim_time at, const sim_message& m, request_answer answer) {
  traffic_.count(at, request_kind_of(m.request), answer);
  if (attackers_.is_attacker(m.source)) return;  // no group, no revision
  const std::uint16_t cell = devices_.cell_of(device_index_of(m.source));
  if (requests_by_cell_.size() <= cell) requests_by_cell_.resize(std::size_t{cell} + 1);
  ++requests_by_cell_[cell][static_cast<std::size_t>(answer)];
}

window_result cloud_host::run_window(fw::sim_time end, std::vector<sim_message>& sent) {
  window_result r;
  for (;;) {
    const fw::sim_time message_at = inbox_.empty() ? fw::never : fw::sim_time{inbox_.next().arrival_us};
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
    sim_message m = inbox_.take();
    trace_.fold(at.count(), request_tag, m.source);
    if (attackers_.watching()) attackers_.observe(at, m.source, m.bytes, true);
    const auto minute = static_cast<std::size_t>(at.count() / minute_us);
    if (minute < per_minute_.size()) ++per_minute_[minute];
    if (const std::optional<std::size_t> outage = links_.cloud_drops(at, m.request)) {
      ++dropped_by_fault_[*outage];
      count_request(at, m, request_answer::dropped);
      trace_.fold(at.count(), dropped_tag, m.source);
      continue;
    }
    std::optional<cloud::served_reply> reply = service_.serve(at, m.bytes, m.source);
    count_request(at, m,
                  !reply                                      ? request_answer::unanswered
                  : reply->body == wire::Envelope::kError ? request_answer::error
                                                              : request_answer::ok);
    // An altered request is stopped when its answer grants nothing
    // (grants_nothing), by the check the service's refusal names;
    // anything else means the alteration went unnoticed.
    if (m.altered_by != 0) {
      attacks_.judge_at_cloud(m.altered_by - 1, grants_nothing(reply ? std::optional{reply->body} : std::nullopt),
                              reply ? reply->refused_by : std::string{});
    }
    if (!reply) continue;
    if (!attackers_.is_attacker(m.source)) {
      // A device's request refused for its rate: what a flood is after.
      if (const auto flood = attackers_.flood_at(at); flood && reply->error == wire::ERROR_RATE_LIMITED) {
        attackers_.refused_during_flood(*flood, m.source);
      }
    }
    ++sent_;
    if (attackers_.is_attacker(m.source)) {
      trace_.fold(at.count(), reply_tag, reply->bytes.size());
      attackers_.deliver(at, m.source, std::move(reply->bytes));
      continue;
    }
    // Seen as it leaves the cloud, so even a reply the downlink then loses is captured.
    if (attackers_.watching()) attackers_.observe(at, m.source, reply->bytes, false);
    const link_result link = links_.delay(downlink(m.source), device_index_of(m.source), at, reply->bytes.size(),
                                          carries_image_data(*reply));
    if (!link.delay) {
      ++(link.lost_to_fault ? lost_to_faults_ : lost_);
      trace_.fold(at.count(), link.lost_to_fault ? fault_lost_tag : lost_tag, reply->bytes.size());
      continue;
    }
    trace_.fold(at.count(), reply_tag, reply->bytes.size());
    // A reply a mirror altered is judged by the device, as a man in the middle's.
    sim_message out{(at + *link.delay).count(), cloud_entity, sent_, m.source, std::move(reply->bytes),
                    reply->tampered_by};
    tamper_.on_the_wire(device_index_of(m.source), at, out);
    sent.push_back(std::move(out));
  }
  r.next_us = next_time().count();
  return r;
}

}  // namespace fleet::actors
