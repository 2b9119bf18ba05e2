#include "engine/device_host.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <variant>

#include "fleet/check.hpp"
#include "observe/snapshot_taker.hpp"

namespace fleet::actors {
namespace {

// Trace tags: what kind of event was folded in.
enum trace_tag : std::uint64_t {
  power_on_tag = 1,
  message_in_tag,
  timer_tag,
  sent_tag,
  lost_tag,
  record_tag,
  fault_tag,
  fault_lost_tag
};

// One more in `by_fault`'s row for `fault` (grown on use), column `index`.
template <std::size_t N>
void count_in(std::vector<std::array<std::uint64_t, N>>& by_fault, std::uint32_t fault, std::size_t index) {
  if (by_fault.size() <= fault) by_fault.resize(fault + 1);
  ++by_fault[fault][index];
}

void count(const fw::record& r, run_counters& c) {
  switch (r.kind) {
    case fw::record_kind::booted: ++c.boots; break;
    case fw::record_kind::attested: ++c.attestations; break;
    case fw::record_kind::attestation_failed: ++c.attestation_failures; break;
    case fw::record_kind::update_downloaded: ++c.updates_downloaded; break;
    case fw::record_kind::update_installed: ++c.updates_installed; break;
    case fw::record_kind::update_committed: ++c.updates_committed; break;
    case fw::record_kind::update_rolled_back: ++c.updates_rolled_back; break;
    case fw::record_kind::update_rejected: ++c.updates_rejected; break;
    case fw::record_kind::update_failed: ++c.updates_failed; break;
    case fw::record_kind::app_crashed: ++c.app_crashes; break;
    case fw::record_kind::legacy_flashed: ++c.legacy_flashed; break;
    case fw::record_kind::key_store_taken: ++c.key_stores_taken; break;
    case fw::record_kind::restricted_session: ++c.restricted_sessions; break;
    default: break;
  }
}

}  // namespace

device_host::device_host(const device::device_spec& spec, device::chunk_store& store, fw::sim_time power_on_at,
                         std::vector<device_action> faults, std::uint16_t cell)
    : device_(spec, store),
      uplink_(spec.run_seed, device_entity(spec.device_index), "uplink"),
      power_on_at_(power_on_at),
      faults_(std::move(faults)),
      cell_(cell) {
  FLEET_CHECK(faults_.size() < std::numeric_limits<std::uint32_t>::max(), "a device's fault actions fit next_fault_");
}

void device_host::deliver(sim_message m) { inbox_.push(std::move(m)); }

fw::sim_time device_host::next_time() const {
  fw::sim_time next = std::min({power_on_at_, next_fault_at(), device_.next_deadline()});
  if (!inbox_.empty()) next = std::min(next, fw::sim_time{inbox_.next().arrival_us});
  return next;
}

fw::sim_time device_host::run_until(fw::sim_time end, const device_surroundings& around,
                                    std::vector<sim_message>& out, device_tally& tally, fw::outputs& scratch) {
  for (;;) {
    const fw::sim_time message_at = inbox_.empty() ? fw::never : fw::sim_time{inbox_.next().arrival_us};
    const fw::sim_time timer_at = device_.next_deadline();
    const fw::sim_time fault_at = next_fault_at();
    const fw::sim_time at = std::min({power_on_at_, fault_at, message_at, timer_at});
    if (at >= end) return at;
    scratch.clear();
    const std::uint32_t cuts_fired = device_.flash().cuts_fired();
    // A tear counts the update step it cut into, read before the event that
    // may end with the power off and the step's RAM gone.
    const fw::update_step step_before =
        device_.flash().power_cut_armed() ? device_.firmware().update_step_now() : fw::update_step::none;
    // At equal times: power first, then faults, messages (in delivery order), timers.
    if (at == power_on_at_) {
      power_on_at_ = fw::never;
      trace_.fold(at.count(), power_on_tag, 0);
      device_.handle(at, fw::power_on{}, scratch);
    } else if (at == fault_at) {
      apply(at, faults_[next_fault_++], scratch, tally);
    } else if (message_at <= timer_at) {
      sim_message m = inbox_.take();
      trace_.fold(at.count(), message_in_tag, m.bytes.size());
      device_.handle(at, fw::message{std::move(m.bytes)}, scratch);
      if (m.altered_by != 0) judge_altered(m.altered_by - 1, scratch, around.attacks);
    } else {
      trace_.fold(at.count(), timer_tag, 0);
      device_.advance(at, scratch);
    }
    if (device_.flash().cuts_fired() != cuts_fired) count_tear(step_before, tally);
    ++tally.events;
    take(at, around, scratch, out, tally);
    const wire::version app = device_.firmware().running_version(fw::component::app);
    if (app != wire::version{}) last_app_ = app;
  }
}

wire::version device_host::app_version() const {
  const fw::core& firmware = device_.firmware();
  if (firmware.state() == fw::device_state::powered_off) return last_app_;
  return firmware.running_version(fw::component::app);
}

// Which signed image started, or that none did: what the checkers on code
// that ran read.
void device_host::count_start(const crypto::digest& digest, const device_surroundings& around, device_tally& tally) {
  const auto& signed_images = around.signed_images;
  const auto it = std::lower_bound(signed_images.begin(), signed_images.end(), digest);
  if (it == signed_images.end() || *it != digest) {
    ++tally.counters.unsigned_code_started;
    return;
  }
  const auto index = static_cast<std::size_t>(it - signed_images.begin());
  if (tally.starts.size() <= index) tally.starts.resize(signed_images.size());
  ++tally.starts[index];
}

void device_host::count_outcome(fw::sim_time now, const fw::record& r, device_tally& tally) const {
  const auto hour = static_cast<std::size_t>(now / std::chrono::hours(1));
  auto cell = [&]() -> breakdown_counts& {
    if (tally.by_cell.size() <= cell_) tally.by_cell.resize(std::size_t{cell_} + 1);
    return tally.by_cell[cell_];
  };
  switch (r.kind) {
    case fw::record_kind::attested:
      tally.attestation_time.observe(r.took);
      if (tally.attestation_time_by_hour.size() <= hour) tally.attestation_time_by_hour.resize(hour + 1);
      tally.attestation_time_by_hour[hour].observe(r.took);
      cell().attestation_time.observe(r.took);
      break;
    case fw::record_kind::attestation_failed:
      if (tally.attestation_failures_by_hour.size() <= hour) tally.attestation_failures_by_hour.resize(hour + 1, 0);
      ++tally.attestation_failures_by_hour[hour];
      ++cell().attestation_failures;
      break;
    case fw::record_kind::update_committed: ++cell().updates_committed; break;
    case fw::record_kind::update_rolled_back: ++cell().updates_rolled_back; break;
    case fw::record_kind::update_failed: ++cell().updates_failed; break;
    default: break;
  }
}

// An altered message is stopped when the firmware rejected it; the first
// rejection's reason names the check that did.
void device_host::judge_altered(std::uint32_t attack, const fw::outputs& scratch, attack_ledger& attacks) {
  const auto rejection = std::find_if(scratch.begin(), scratch.end(), [](const fw::output& o) {
    const auto* r = std::get_if<fw::record>(&o);
    return r != nullptr && r->kind == fw::record_kind::message_rejected;
  });
  const fw::reject_reason* check = rejection == scratch.end() ? nullptr : &std::get<fw::record>(*rejection).reason;
  attacks.judge_on_device(attack, check);
}

void device_host::apply(fw::sim_time now, const device_action& a, fw::outputs& scratch, device_tally& tally) {
  trace_.fold(now.count(), fault_tag, (std::uint64_t{a.fault} << 8) | static_cast<std::uint64_t>(a.what));
  // What the fault met (coverage: which states each fault kind reached), before it acts.
  if (a.what == device_action::kind::tear_next_flash_write) {
    // A tear's step is the one it cuts into, when a write comes (count_tear).
    count_state(a.fault, now, tally);
  } else if (a.what != device_action::kind::clock_set_right) {
    count_met(a.fault, now, tally);
  }
  // A tear only arms here: it acts, and counts as injected, if a write comes (count_tear).
  if (a.what == device_action::kind::tear_next_flash_write) {
    ++tally.counters.faults_armed;
    if (tally.tears.size() <= a.fault) tally.tears.resize(a.fault + 1);
    ++tally.tears[a.fault].armed;
  } else if (a.what != device_action::kind::clock_set_right) {
    ++tally.counters.faults_injected;
  }
  switch (a.what) {
    case device_action::kind::cut_power: {
      // The spell's own restore time; the device's usual one afterwards.
      const fw::duration usual = device_.power_restore_after();
      device_.set_power_restore_after(a.power_back_after);
      device_.cut_power(now, scratch);
      device_.set_power_restore_after(usual);
      break;
    }
    case device_action::kind::tear_next_flash_write:
      device_.set_power_restore_after(a.power_back_after);
      device_.arm_power_cut(a.write);
      break;
    case device_action::kind::clock_jump:
    case device_action::kind::clock_set_right: device_.clock().jump(a.clock_delta); break;
    case device_action::kind::rot_bit: device_.flash().rot_random_bit(); break;
  }
}

// The flash holds one armed cut at a time, and each arming replaces the
// one before: the cut that fired is the one armed last.
void device_host::count_state(std::uint32_t fault, fw::sim_time now, device_tally& tally) const {
  count_in(tally.fault_states, fault, state_index(device_, now));
}

void device_host::count_met(std::uint32_t fault, fw::sim_time now, device_tally& tally) const {
  count_state(fault, now, tally);
  count_step(fault, device_.firmware().update_step_now(), tally);
}

void device_host::count_step(std::uint32_t fault, fw::update_step step, device_tally& tally) {
  count_in(tally.fault_steps, fault, static_cast<std::size_t>(step));
}

void device_host::count_tear(fw::update_step step, device_tally& tally) const {
  const auto armed = std::find_if(faults_.rend() - static_cast<std::ptrdiff_t>(next_fault_), faults_.rend(),
                                  [](const device_action& a) { return a.what == device_action::kind::tear_next_flash_write; });
  FLEET_CHECK(armed != faults_.rend(), "a torn write that no fault armed");
  ++tally.counters.faults_injected;
  ++tally.counters.writes_torn;
  ++tally.tears[armed->fault].torn;
  ++tally.tears[armed->fault].torn_by_kind[static_cast<std::size_t>(device_.flash().last_torn())];
  count_step(armed->fault, step, tally);
}

void device_host::take(fw::sim_time now, const device_surroundings& around, fw::outputs& scratch,
                       std::vector<sim_message>& out, device_tally& tally) {
  for (auto& o : scratch) {
    if (auto* s = std::get_if<fw::send>(&o)) {
      ++tally.counters.messages_sent;
      const link_result link =
          around.links.delay(uplink_, device_.device_index(), now, s->bytes.size(), /*transfer=*/false);
      // Coverage: what a link fault on the way, or an outage at the cloud's
      // endpoint when it arrives, met the device at (the cloud drops it then).
      if (link.met_by) count_met(*link.met_by, now, tally);
      if (link.delay) {
        if (const auto outage = around.links.cloud_drops(now + *link.delay, s->body)) {
          count_met(static_cast<std::uint32_t>(*outage), now, tally);
        }
      }
      if (!link.delay) {
        ++(link.lost_to_fault ? tally.counters.messages_lost_to_faults : tally.counters.messages_lost);
        trace_.fold(now.count(), link.lost_to_fault ? fault_lost_tag : lost_tag, s->bytes.size());
        continue;
      }
      trace_.fold(now.count(), sent_tag, s->bytes.size());
      tally.message_latency.observe(*link.delay);
      sim_message m{(now + *link.delay).count(), entity(), ++sent_, cloud_entity, std::move(s->bytes), 0, s->body};
      around.tamper.on_the_wire(device_.device_index(), now, m);
      out.push_back(std::move(m));
    } else if (const auto* r = std::get_if<fw::record>(&o)) {
      trace_.fold(now.count(), record_tag,
                  (static_cast<std::uint64_t>(r->kind) << 32) | (static_cast<std::uint64_t>(r->reason) << 16) |
                      static_cast<std::uint64_t>(r->comp));
      count(*r, tally.counters);
      // A flashed legacy device restarts on what it was given: code that ran,
      // so it is held to the same rule as the guardian's own (signed, counted).
      if (r->kind == fw::record_kind::software_started || r->kind == fw::record_kind::legacy_flashed) {
        count_start(r->digest, around, tally);
      }
      count_outcome(now, *r, tally);
    }
  }
  if (!around.revocations.empty()) watch_revocations(now, around, scratch, tally);
}

bool device_host::offline_at(fw::sim_time t) const {
  return std::any_of(faults_.begin(), faults_.end(), [&](const device_action& a) {
    return a.what == device_action::kind::cut_power && a.at <= t && t < a.at + a.power_back_after;
  });
}

// Read off the device after each of its events, as a checker reads a
// history: whether it ran a revoked image when the revocation came (judged
// at its first event running from then on: nothing changed in between),
// every certificate it accepted while running one, and the first certificate
// after it ran one that it accepted running something else (healed).
void device_host::watch_revocations(fw::sim_time now, const device_surroundings& around, const fw::outputs& scratch,
                                    device_tally& tally) {
  const auto& revocations = around.revocations;
  if (tally.revocations.size() < revocations.size()) tally.revocations.resize(revocations.size());
  const fw::core& firmware = device_.firmware();
  const bool running = firmware.state() == fw::device_state::running;
  for (; running && revocations_seen_ < revocations.size() && revocations[revocations_seen_].at <= now;
       ++revocations_seen_) {
    const revocation_watch& r = revocations[revocations_seen_];
    if (firmware.running_image(r.comp) != r.image) continue;
    unhealed_ = static_cast<std::uint8_t>(unhealed_ | (1u << revocations_seen_));
    ++(offline_at(r.at) ? tally.revocations[revocations_seen_].affected_offline
                        : tally.revocations[revocations_seen_].affected_online);
  }
  for (const auto& o : scratch) {
    const auto* rec = std::get_if<fw::record>(&o);
    if (rec == nullptr) continue;
    for (std::size_t k = 0; k < revocations_seen_; ++k) {
      const revocation_watch& r = revocations[k];
      const auto bit = static_cast<std::uint8_t>(1u << k);
      // Back on the revoked image (a rollback to it): to be healed again.
      if (rec->kind == fw::record_kind::software_started && rec->comp == r.comp && rec->digest == r.image) {
        unhealed_ = static_cast<std::uint8_t>(unhealed_ | bit);
      }
      if (rec->kind != fw::record_kind::attested) continue;
      revocation_tally& t = tally.revocations[k];
      if (firmware.running_image(r.comp) == r.image) {
        ++t.certificates_on_revoked;
      } else if ((unhealed_ & bit) != 0) {
        unhealed_ = static_cast<std::uint8_t>(unhealed_ & ~bit);
        const auto after_s = static_cast<std::uint32_t>((now - r.at) / std::chrono::seconds(1));
        (offline_at(r.at) ? t.healed_offline_after_s : t.healed_online_after_s).push_back(after_s);
      }
    }
  }
}

}  // namespace fleet::actors
