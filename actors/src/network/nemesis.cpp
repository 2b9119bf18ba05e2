#include "network/nemesis.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <variant>

#include "device.pb.h"
#include "engine/sim_message.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "network/seed_hash.hpp"

namespace fleet::actors {
namespace {

bool outage_covers(input::cloud_part part, wire::Envelope::BodyCase body) {
  using body_case = wire::Envelope::BodyCase;
  switch (part) {
    case input::cloud_part::whole_service: return true;
    case input::cloud_part::attestation:
      return body == body_case::kChallengeRequest || body == body_case::kEvidence;
    case input::cloud_part::updates:
      return body == body_case::kUpdateCheck || body == body_case::kChunkRequest ||
             body == body_case::kUpdateResult;
  }
  return false;
}

/// The entity whose spells a cloud outage at random follows.
constexpr std::uint64_t outage_entity = ~0ull;

}  // namespace

bool nemesis::on_links(const input::fault_kind& k) {
  return std::holds_alternative<input::partition>(k) || std::holds_alternative<input::degraded_network>(k) ||
         std::holds_alternative<input::slow_link>(k);
}

bool nemesis::arms_a_tear(const input::fault_kind& k) {
  const auto* p = std::get_if<input::power_loss>(&k);
  return p != nullptr && p->during == input::power_loss_moment::flash_write;
}

nemesis::nemesis(const network_model& net, std::vector<input::fault> faults, std::uint64_t run_seed)
    : net_(net), faults_(std::move(faults)), run_seed_(run_seed), spells_(faults_.size()) {
  for (std::size_t f = 0; f < faults_.size(); ++f) {
    const input::fault& fault = faults_[f];
    if (on_links(fault.kind)) {
      link_faults_.push_back(f);
    } else if (std::holds_alternative<input::cloud_outage>(fault.kind)) {
      cloud_faults_.push_back(f);
    }
    if (fault.rate_per_day && fault.spell.count() > 0) spells_[f].emplace(fault, run_seed_, salt_spells + f);
  }
}

bool nemesis::hits(std::size_t f, std::uint64_t device) const {
  return chosen(run_seed_, f + 1, device, faults_[f].fraction);
}

bool nemesis::in_effect(std::size_t f, fw::sim_time t) const {
  if (!faults_[f].active_at(t)) return false;
  const bool outage = std::holds_alternative<input::cloud_outage>(faults_[f].kind);
  return !outage || !spells_[f] || spells_[f]->covering(outage_entity, t).has_value();
}

std::uint64_t nemesis::outages_begun(std::size_t f, fw::sim_time t) const {
  if (!std::holds_alternative<input::cloud_outage>(faults_[f].kind)) return 0;
  if (spells_[f]) return spells_[f]->starts(outage_entity, t).size();
  return faults_[f].at < t ? 1 : 0;
}

std::uint64_t nemesis::spells_begun(std::size_t f, std::uint64_t devices, fw::sim_time t) const {
  if (!spells_[f]) return 0;
  if (std::holds_alternative<input::cloud_outage>(faults_[f].kind)) return outages_begun(f, t);
  std::uint64_t begun = 0;
  for (std::uint64_t device = 0; device < devices; ++device) {
    if (hits(f, device)) begun += spells_[f]->starts(device, t).size();
  }
  return begun;
}

link_result nemesis::delay(crypto::random_stream& link, std::uint64_t device, fw::sim_time now, std::size_t bytes,
                           bool transfer) const {
  double extra_loss = 0;
  duration extra_latency{0};
  duration jitter{0};
  std::uint64_t bytes_per_second = 0;  // the slowest slow link's, 0: none
  std::optional<std::uint32_t> met_by;
  for (const std::size_t f : link_faults_) {
    const input::fault& fault = faults_[f];
    if (!fault.active_at(now) || !hits(f, device)) continue;
    if (spells_[f] && !spells_[f]->covering(device, now)) continue;
    if (!met_by) met_by = static_cast<std::uint32_t>(f);
    if (std::holds_alternative<input::partition>(fault.kind)) return {std::nullopt, true, met_by};
    if (const auto* slow = std::get_if<input::slow_link>(&fault.kind)) {
      if (bytes_per_second == 0 || slow->bytes_per_second < bytes_per_second) bytes_per_second = slow->bytes_per_second;
      continue;
    }
    const auto& d = std::get<input::degraded_network>(fault.kind);
    extra_loss += d.loss;
    extra_latency += d.extra_latency;
    jitter += d.jitter;
  }
  // The fault's loss is drawn first, from the same link stream: a link's
  // draws still depend only on its own traffic and the faults' timing.
  if (extra_loss > 0 && link.chance(std::min(extra_loss, 1.0))) return {std::nullopt, true, met_by};
  auto d = net_.delay(link, bytes, transfer, bytes_per_second);
  if (!d) return {d, false, met_by};
  *d += extra_latency;
  // Drawn last, and only with jitter: links without it keep their draws.
  if (jitter.count() > 0) *d += duration{static_cast<std::int64_t>(link.unit() * static_cast<double>(jitter.count()))};
  return {d, false, met_by};
}

std::optional<std::size_t> nemesis::cloud_drops(fw::sim_time now, std::uint8_t request) const {
  const auto body = static_cast<wire::Envelope::BodyCase>(request);
  for (const std::size_t f : cloud_faults_) {
    if (in_effect(f, now) && outage_covers(std::get<input::cloud_outage>(faults_[f].kind).part, body)) {
      return f;
    }
  }
  return std::nullopt;
}

std::vector<device_action> nemesis::actions_for(std::uint64_t device) const {
  std::vector<device_action> out;
  for (std::size_t f = 0; f < faults_.size(); ++f) {
    const input::fault& fault = faults_[f];
    const auto index = static_cast<std::uint32_t>(f);
    device_action action{fault.at, device_action::kind::cut_power, index, {}, {}};
    if (const auto* p = std::get_if<input::power_loss>(&fault.kind)) {
      action.what = arms_a_tear(fault.kind) ? device_action::kind::tear_next_flash_write : device_action::kind::cut_power;
      action.power_back_after = p->restore_after;
      action.write = p->write;
    } else if (std::holds_alternative<input::offline>(fault.kind)) {
      action.power_back_after = fault.length;
      if (spells_[f] && hits(f, device)) {
        // At random: switched off for each spell.
        for (const duration start : spells_[f]->starts(device, fault.at + fault.length)) {
          action.at = start;
          action.power_back_after = spells_[f]->length_from(start);
          out.push_back(action);
        }
        continue;
      }
    } else if (const auto* j = std::get_if<input::clock_jump>(&fault.kind)) {
      action.what = device_action::kind::clock_jump;
      action.clock_delta = j->by;
    } else if (std::holds_alternative<input::bit_rot>(fault.kind)) {
      action.what = device_action::kind::rot_bit;
    } else {
      continue;  // a link or cloud fault
    }
    if (!hits(f, device)) continue;
    const auto* jump = std::get_if<input::clock_jump>(&fault.kind);
    // A jump set right later: the opposite jump, `corrected_after` on.
    const auto push = [&out, jump](device_action a) {
      out.push_back(a);
      if (jump == nullptr || !jump->corrected_after) return;
      a.at += *jump->corrected_after;
      a.what = device_action::kind::clock_set_right;
      a.clock_delta = -a.clock_delta;
      out.push_back(a);
    };
    if (!fault.rate_per_day) {
      push(action);
      continue;
    }
    // Exponential gaps at the rate, within [at, at + length).
    crypto::random_stream draws(run_seed_, device_entity(device), "fault-" + std::to_string(f));
    const double mean_gap_us = 86'400e6 / *fault.rate_per_day;
    for (double t = static_cast<double>(fault.at.count());;) {
      t += -std::log(1.0 - draws.unit()) * mean_gap_us;
      if (t >= static_cast<double>((fault.at + fault.length).count())) break;
      action.at = fw::sim_time{static_cast<std::int64_t>(t)};
      push(action);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const device_action& a, const device_action& b) { return a.at < b.at; });
  return out;
}

}  // namespace fleet::actors
