// core: the public face, input dispatch, timers and power.
#include "fleet/fw/core.hpp"

#include <algorithm>

#include "core_state.hpp"
#include "fleet/check.hpp"

namespace fleet::fw {

std::uint64_t counters::rejected_total() const {
  std::uint64_t total = 0;
  for (auto n : rejected) total += n;
  return total;
}

core_state::core_state(const config& cfg, hal hw)
    : cfg_(cfg), hw_(hw), telemetry_(cfg.telemetry_capacity) {
  FLEET_CHECK(hw.flash && hw.secure_element && hw.clock && hw.runtime, "the core needs all of its HAL");
  FLEET_CHECK(!cfg.guardian || hw.legacy, "a guardian needs its legacy port");
  deadlines_.fill(never);
  id_ = crypto::derive_device_id(hw.secure_element->device_public_key());
}

void core_state::dispatch(sim_time now, const input& in) {
  if (std::holds_alternative<power_on>(in)) {
    if (state_ == device_state::powered_off) boot(now);
    return;
  }
  if (std::holds_alternative<power_off>(in)) {
    if (state_ != device_state::powered_off) lose_power(now);
    return;
  }
  // Without power nothing runs; a bricked device only sits there.
  if (state_ != device_state::running) return;

  if (auto* m = std::get_if<message>(&in)) {
    on_message(now, m->bytes);
  } else if (auto* t = std::get_if<timer_fired>(&in)) {
    if (!due(t->which, now)) return;  // stale: re-armed or cancelled since
    disarm(t->which);
    switch (t->which) {
      case timer::request_timeout: on_request_timeout(now); break;
      case timer::retry: break;  // pump below starts the next attempt
      case timer::attestation_renewal: need_attestation_ = true; break;
      case timer::update_check: need_update_check_ = true; break;
      case timer::telemetry_upload: need_telemetry_upload_ = true; break;
      case timer::boot_watchdog: on_boot_watchdog(now); break;
      case timer::health_check: on_health_check(); break;
      case timer::os_deferral_end: maybe_install(now); break;
      case timer::count_: break;
    }
  } else if (auto* e = std::get_if<software_event>(&in)) {
    on_software_event(now, *e);
  } else if (auto* d = std::get_if<legacy_data>(&in)) {
    on_legacy_data(now, *d);
  }
  if (state_ == device_state::running && !power_lost_) pump(now);
}

sim_time core_state::next_deadline() const {
  return *std::min_element(deadlines_.begin(), deadlines_.end());
}

void core_state::arm(timer t, sim_time at) {
  deadlines_[static_cast<std::size_t>(t)] = at;
  out_->push_back(arm_timer{t, at});
}

void core_state::disarm(timer t) { deadlines_[static_cast<std::size_t>(t)] = never; }

bool core_state::due(timer t, sim_time now) const {
  sim_time at = deadlines_[static_cast<std::size_t>(t)];
  return at != never && at <= now;
}

void core_state::note(record r) { out_->push_back(r); }

void core_state::note(record_kind k, component c, reject_reason why) {
  record r;
  r.kind = k;
  r.comp = c;
  r.reason = why;
  r.version = stages_[index_of(c)].version;
  r.digest = stages_[index_of(c)].image_digest;
  note(r);
}

void core_state::reject(reject_reason why) {
  ++stats_.rejected[static_cast<std::size_t>(why)];
  record r;
  r.kind = record_kind::message_rejected;
  r.reason = why;
  note(r);
}

bool core_state::flash_ok(flash_status s) {
  if (s == flash_status::ok) return true;
  power_lost_ = true;
  return false;
}

bool core_state::persist_metadata() { return flash_ok(store_metadata(*hw_.flash, metadata_)); }

std::int64_t core_state::wall(sim_time now) const { return hw_.clock->wall_time_us(now); }

std::uint64_t core_state::random64() {
  std::uint64_t v = 0;
  hw_.secure_element->random(reinterpret_cast<std::uint8_t*>(&v), sizeof v);
  return v;
}

// Everything in RAM goes; flash, the secure element and the statistics stay.
void core_state::clear_volatile() {
  deadlines_.fill(never);
  stages_ = {};
  software_ready_ = false;
  outstanding_ = request_kind::none;
  failures_ = 0;
  need_attestation_ = need_update_check_ = need_telemetry_upload_ = false;
  session_.reset();
  verified_ca_.reset();
  attestation_.reset();
  exchange_.reset();
  download_.reset();
  download_failures_ = 0;
  attestation_began_ = never;
  boot_failures_ = 0;
}

void core_state::lose_power(sim_time now) {
  hw_.runtime->stop(now);
  clear_volatile();
  reports_.clear();
  stats_.telemetry_lost_to_power += telemetry_.clear();
  state_ = device_state::powered_off;
  note(record_kind::powered_off);
}

// ------------------------------------------------------------------- core

core::core(const config& cfg, hal hw) : state_(std::make_unique<core_state>(cfg, hw)) {}
core::~core() = default;
core::core(core&&) noexcept = default;
core& core::operator=(core&&) noexcept = default;

outputs core::handle(sim_time now, const input& in) {
  outputs out;
  handle(now, in, out);
  return out;
}

void core::handle(sim_time now, const input& in, outputs& out) {
  core_state& s = *state_;
  std::size_t mark = out.size();
  s.out_ = &out;
  s.power_lost_ = false;
  s.dispatch(now, in);
  if (s.power_lost_) {
    // The write that lost power was the last thing the device did: nothing
    // it meant to send or arm after that point ever happened.
    out.erase(std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end(),
                             [](const output& o) { return !std::holds_alternative<record>(o); }),
              out.end());
    s.lose_power(now);
  }
  s.out_ = nullptr;
}

sim_time core::next_deadline() const { return state_->next_deadline(); }
device_state core::state() const { return state_->state_; }
const counters& core::stats() const { return state_->stats_; }
const crypto::device_id& core::id() const { return state_->id_; }
bool core::has_certificate() const { return state_->session_ != nullptr && !state_->session_->restricted; }
bool core::restricted_session() const { return state_->session_ != nullptr && state_->session_->restricted; }
std::int64_t core::certificate_not_after_us() const {
  return state_->session_ ? state_->session_->not_after_us : 0;
}
wire::version core::running_version(component c) const {
  return state_->stages_[index_of(c)].version;
}
const crypto::digest& core::running_image(component c) const { return state_->stages_[index_of(c)].image_digest; }
slot core::active_slot(component c) const { return state_->metadata_.active(c); }
bool core::trial_pending() const { return state_->metadata_.trial_pending(); }
update_step core::update_step_now() const {
  const core_state& s = *state_;
  return update_step_of(s.metadata_.trial_pending(), s.metadata_.download_pending(),
                        s.download_ != nullptr && s.download_->complete);
}
std::size_t core::telemetry_buffered() const { return state_->telemetry_.size(); }

}  // namespace fleet::fw
