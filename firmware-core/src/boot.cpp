// Secure boot of the A/B chain, measured boot, trial boots, commit and
// rollback, and what the core does when the software misbehaves.
#include <algorithm>

#include "core_state.hpp"

namespace fleet::fw {
namespace {

constexpr component boot_chain[boot_chain_length] = {component::bootloader,
                                                      component::security_monitor, component::os,
                                                      component::app};
// A committed image that keeps failing to start is left alone after this
// many attempts: the OS stays up to attest and take a fixing update.
constexpr std::uint32_t software_start_attempts_max = 3;

}  // namespace

// Verifies one slot as the boot ROM / previous stage would: the header's
// signature against ROM keys, the anti-rollback counter, and the digest of
// every byte of the image.
bool core_state::verify_stage(component c, slot s, stage_info& info) {
  std::string_view header = hw_.flash->read_header(c, s);
  if (header.empty()) return false;
  manifest_context ctx;
  ctx.cfg = &cfg_;
  ctx.store = key_store_.get();
  ctx.rollback_counters[index_of(c)] = hw_.secure_element->read_counter(c);
  verified_manifest vm;
  if (verify_manifest_bytes(header, manifest_purpose::boot, ctx, vm) != reject_reason::none) return false;
  if (vm.comp != c) return false;
  crypto::sha256_stream image;
  const auto chunks = static_cast<std::uint32_t>(vm.manifest.chunk_digests_size());
  for (std::uint32_t i = 0; i < chunks; ++i) {
    std::string_view data = hw_.flash->read_chunk(c, s, i);
    if (data.size() != chunk_bytes(vm.manifest, i)) return false;
    image.update(data);
  }
  if (image.finish() != vm.image_digest) return false;
  info.present = true;
  info.version = vm.version;
  info.security_version = vm.manifest.security_version();
  info.manifest_digest = vm.manifest_digest;
  info.image_digest = vm.image_digest;
  return true;
}

// What the header of slot `s` says about its image, for reports. It was
// verified when it booted; an unreadable header leaves the report blank.
bool core_state::read_manifest(component c, slot s, wire::Manifest& out) const {
  wire::SignedManifest header;
  std::string_view bytes = hw_.flash->read_header(c, s);
  return header.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) &&
         out.ParseFromString(header.manifest());
}

pending_report core_state::describe_slot(component c, slot s) const {
  pending_report r{};
  r.comp = c;
  wire::Manifest manifest;
  if (read_manifest(c, s, manifest)) {
    crypto::to_array(manifest.image_digest(), r.image_digest);
    r.version = wire::parse_version(manifest.version()).value_or(wire::version{});
  }
  return r;
}

void core_state::note_update(record_kind kind, const pending_report& r) {
  record rec;
  rec.kind = kind;
  rec.comp = r.comp;
  rec.reason = r.reason;
  rec.version = r.version;
  rec.digest = r.image_digest;
  note(rec);
}

void core_state::boot(sim_time now) {
  state_ = device_state::running;
  ++stats_.boots;
  hw_.secure_element->begin_measured_boot();
  metadata_ = load_metadata(*hw_.flash);
  load_key_store();

  // A trial image gets a bounded number of boots: the count goes down
  // before it runs, so resets that keep the trial from finishing (power
  // losses, hangs) exhaust it and the old image returns. A crash or a failed
  // health check rolls back at once (rollback_trial).
  if (metadata_.trial_pending()) {
    auto c = static_cast<component>(metadata_.trial_component);
    if (metadata_.trial_tries_left == 0) {
      // Out of tries through resets (power losses), not a verdict of the
      // software: the image goes back but is not marked as failed.
      pending_report report = describe_slot(c, metadata_.active(c));
      metadata_.set_active(c, other(metadata_.active(c)));
      metadata_.trial_component = no_component;
      if (!persist_metadata()) return;
      ++stats_.updates_rolled_back;
      note_update(record_kind::update_rolled_back, report);
      report.outcome = wire::ROLLED_BACK;
      report.detail = "trial boots exhausted";
      queue_report(report);
    } else {
      --metadata_.trial_tries_left;
      if (!persist_metadata()) return;
    }
  }

  for (component c : boot_chain) {
    stage_info info;
    slot active = metadata_.active(c);
    if (!verify_stage(c, active, info)) {
      if (!verify_stage(c, other(active), info)) {
        if (c == component::app) continue;  // the OS runs without an app
        state_ = device_state::bricked;
        note(record_kind::bricked, c);
        return;
      }
      // The active image is bad: boot the other one and remember it.
      bool failed_trial = metadata_.trial_pending() && metadata_.trial_component == index_of(c);
      metadata_.set_active(c, other(active));
      if (failed_trial) metadata_.trial_component = no_component;
      if (!persist_metadata()) return;
      if (failed_trial) {
        pending_report report = describe_slot(c, active);
        ++stats_.updates_rolled_back;
        note_update(record_kind::update_rolled_back, report);
        report.outcome = wire::ROLLED_BACK;
        report.detail = "trial image invalid";
        queue_report(report);
      } else {
        ++stats_.boot_fallbacks;
        note(record_kind::boot_fallback, c);
        add_event({wall(now), wire::EVENT_BOOT_FALLBACK, {}, 0, 0, info.version, {}});
      }
    }
    hw_.secure_element->extend_measurement(info.manifest_digest);
    stages_[index_of(c)] = std::move(info);
    note(record_kind::software_started, c);
  }

  // A commit interrupted between its metadata write and the counter update
  // is completed here: committed images set the anti-rollback floor.
  for (component c : boot_chain) {
    const auto& st = stages_[index_of(c)];
    bool on_trial = metadata_.trial_pending() && metadata_.trial_component == index_of(c);
    if (st.present && !on_trial) hw_.secure_element->advance_counter(c, st.security_version);
  }
  if (cfg_.guardian) {
    stage_info legacy;
    if (verify_stage(component::legacy_firmware, metadata_.active(component::legacy_firmware), legacy)) {
      stages_[index_of(component::legacy_firmware)] = std::move(legacy);
    }
  }

  note(record_kind::booted, component::app);
  add_event({wall(now), wire::EVENT_BOOTED, {}, 0, 0, stages_[index_of(component::os)].version, {}});
  start_software(now);
  need_attestation_ = true;
  need_update_check_ = true;
  need_telemetry_upload_ = true;
  if (metadata_.download_pending()) resume_download(now);
}

void core_state::start_software(sim_time now) {
  // Names are read back from the verified headers rather than kept in RAM
  // for the device's whole life: the runtime needs them only here.
  running_software sw;
  std::string names[boot_chain_length];
  for (std::size_t i = 0; i < boot_chain_length; ++i) {
    sw.versions[i] = stages_[i].version;
    if (!stages_[i].present) continue;
    const auto c = static_cast<component>(i);
    wire::Manifest manifest;
    if (read_manifest(c, metadata_.active(c), manifest)) names[i] = manifest.image_name();
    sw.image_names[i] = names[i];
  }
  sw.app_present = stages_[index_of(component::app)].present;
  software_ready_ = false;
  hw_.runtime->start(now, sw);
  arm(timer::boot_watchdog, now + cfg_.timers.boot_watchdog);
}

void core_state::on_software_event(sim_time now, const software_event& e) {
  const bool on_trial = metadata_.trial_pending();
  switch (e.what) {
    case software_event::kind::ready:
      if (software_ready_) return;
      software_ready_ = true;
      boot_failures_ = 0;
      disarm(timer::boot_watchdog);
      if (on_trial) arm(timer::health_check, now + cfg_.timers.health_window);
      return;
    case software_event::kind::unhealthy:
      disarm(timer::boot_watchdog);
      if (on_trial) rollback_trial(now, "health check failed");
      return;
    case software_event::kind::boot_failed:
      disarm(timer::boot_watchdog);
      software_failed(now);
      return;
    case software_event::kind::crashed:
      ++stats_.app_crashes;
      note(record_kind::app_crashed, component::app);
      add_event({wall(now), wire::EVENT_APP_CRASH, {}, e.exit_status, e.signal,
                 stages_[index_of(component::app)].version, {}});
      if (on_trial) {
        rollback_trial(now, "crashed during trial");
      } else {
        disarm(timer::health_check);
        start_software(now);  // the OS restarts a crashed application
      }
      return;
  }
}

void core_state::on_boot_watchdog(sim_time now) { software_failed(now); }

void core_state::software_failed(sim_time now) {
  if (metadata_.trial_pending()) {
    rollback_trial(now, "failed to boot");
    return;
  }
  ++boot_failures_;
  if (boot_failures_ < software_start_attempts_max) reboot(now);
}

// The trial image stayed healthy for the whole window: make it permanent.
// Metadata first, counter second; boot() finishes a commit cut in between.
void core_state::on_health_check() {
  if (!metadata_.trial_pending() || !software_ready_) return;
  auto c = static_cast<component>(metadata_.trial_component);
  metadata_.trial_component = no_component;
  metadata_.trial_tries_left = 0;
  if (!persist_metadata()) return;
  const auto& st = stages_[index_of(c)];
  hw_.secure_element->advance_counter(c, st.security_version);
  ++stats_.updates_committed;
  note(record_kind::update_committed, c);
  queue_report({st.image_digest, c, st.version, wire::COMMITTED, reject_reason::none});
}

// The running software failed its trial: the image is marked as failed
// (in the same metadata write as the rollback) so it is not installed again.
void core_state::rollback_trial(sim_time now, const char* why) {
  auto c = static_cast<component>(metadata_.trial_component);
  const auto& failed = stages_[index_of(c)].image_digest;
  std::copy_n(failed.begin(), metadata_.failed_image.size(), metadata_.failed_image.begin());
  metadata_.set_active(c, other(metadata_.active(c)));
  metadata_.trial_component = no_component;
  metadata_.trial_tries_left = 0;
  if (!persist_metadata()) return;
  const auto& st = stages_[index_of(c)];
  ++stats_.updates_rolled_back;
  pending_report report{st.image_digest, c, st.version, wire::ROLLED_BACK, reject_reason::none, why};
  note_update(record_kind::update_rolled_back, report);
  queue_report(report);
  reboot(now);
}

// A controlled reset: RAM state goes except what a real device keeps in
// retained memory across a warm reset (the telemetry buffer and the reports
// not yet sent); the boot chain runs again from flash.
void core_state::reboot(sim_time now) {
  hw_.runtime->stop(now);
  std::uint32_t failures = boot_failures_;
  clear_volatile();
  boot_failures_ = failures;
  state_ = device_state::powered_off;
  boot(now);
}

}  // namespace fleet::fw
