// The update client: periodic checks, manifest checks, a chunked and
// resumable download into the inactive slot, final verification, deferral,
// install for a trial boot, and reports of every outcome.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>

#include "core_state.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::fw {
namespace {

bool same_prefix(const crypto::digest& d, const std::array<std::uint8_t, 16>& prefix) {
  return std::equal(prefix.begin(), prefix.end(), d.begin());
}

}  // namespace

update_step update_step_of(bool trial_pending, bool download_pending, bool image_verified) {
  if (trial_pending) return update_step::trial;
  if (image_verified) return update_step::staged;
  return download_pending ? update_step::downloading : update_step::none;
}

manifest_context core_state::manifest_context_at(sim_time now) const {
  manifest_context ctx;
  ctx.cfg = &cfg_;
  ctx.store = key_store_.get();
  ctx.wall_time_us = wall(now);
  for (std::size_t i = 0; i < component_count; ++i) {
    auto c = static_cast<component>(i);
    ctx.rollback_counters[i] = hw_.secure_element->read_counter(c);
    if (stages_[i].present) ctx.installed[i] = stages_[i].version;
  }
  return ctx;
}

void core_state::send_update_check(sim_time now) {
  wire::Envelope env;
  auto* check = env.mutable_update_check();
  check->set_product(cfg_.product);
  check->set_hardware_revision(cfg_.hardware_revision);
  for (std::size_t i = 0; i < component_count; ++i) {
    const auto& st = stages_[i];
    if (!st.present) continue;
    auto* installed = check->add_installed();
    installed->set_component(to_wire(static_cast<component>(i)));
    installed->set_version(st.version.to_string());
    installed->set_security_version(st.security_version);
    installed->set_image_digest(crypto::to_string(st.image_digest));
  }
  send_request(now, request_kind::update_check, env, true);
}

void core_state::on_offer(sim_time now, const wire::UpdateOffer& offer) {
  request_succeeded();
  need_update_check_ = false;
  const auto& t = cfg_.timers;
  arm(timer::update_check, now + t.update_check_interval + jitter(t.update_check_jitter));
  if (offer.manifests_size() > static_cast<int>(wire::offer_manifests_max)) {
    return reject(reject_reason::oversized);
  }
  // Taken before the manifests are checked: they may be signed with a key
  // only this store names.
  if (offer.has_key_store()) {
    if (const reject_reason why = take_key_store(offer.key_store()); why != reject_reason::none) return reject(why);
  }
  const manifest_context ctx = manifest_context_at(now);
  std::unique_ptr<verified_manifest> best;
  const wire::SignedManifest* best_signed = nullptr;
  for (const auto& signed_manifest : offer.manifests()) {
    auto vm = std::make_unique<verified_manifest>();
    reject_reason why = verify_manifest(signed_manifest, manifest_purpose::install, ctx, *vm);
    if (why != reject_reason::none) {
      // Refused manifests are reported: a pattern of them is an attack signal.
      reject(why);
      ++stats_.updates_rejected;
      wire::Manifest claimed;  // unverified: only echoed back, never acted on
      claimed.ParseFromString(signed_manifest.manifest());
      pending_report report{};
      report.outcome = wire::REJECTED;
      report.reason = why;
      report.comp = from_wire(claimed.component()).value_or(component::app);
      report.version = wire::parse_version(claimed.version()).value_or(wire::version{});
      // Echoed so the service can count the refusal against its deployment.
      crypto::to_array(claimed.image_digest(), report.image_digest);
      note_update(record_kind::update_rejected, report);
      queue_report(report);
      continue;
    }
    if (std::equal(metadata_.failed_image.begin(), metadata_.failed_image.end(), vm->image_digest.begin())) {
      // Already reported ROLLED_BACK; refusing again quietly avoids a loop.
      reject(reject_reason::failed_before);
      continue;
    }
    // One update at a time, earliest boot stage first.
    if (!best || vm->comp < best->comp) {
      best = std::move(vm);
      best_signed = &signed_manifest;
    }
  }
  if (best) start_download(std::move(*best), *best_signed);
}

void core_state::start_download(verified_manifest target, const wire::SignedManifest& signed_manifest) {
  const component c = target.comp;
  const slot into = other(metadata_.active(c));
  if (!flash_ok(hw_.flash->erase_slot(c, into))) return;
  if (!flash_ok(hw_.flash->write_header(c, into, wire::serialize(signed_manifest)))) return;
  std::array<std::uint8_t, 16> prefix{};
  std::copy_n(target.manifest_digest.begin(), prefix.size(), prefix.begin());
  metadata_.begin_download(c, prefix);
  if (!persist_metadata()) return;
  download_ = std::make_unique<download_state>();
  download_->target = std::move(target);
  download_->into = into;
  download_failures_ = 0;
}

// After a reboot or power loss: the slot header says what was being fetched,
// the metadata how far it got. Everything is checked again before use.
void core_state::resume_download(sim_time now) {
  const auto c = static_cast<component>(metadata_.download_component);
  const slot into = other(metadata_.active(c));
  verified_manifest vm;
  reject_reason why = verify_manifest_bytes(hw_.flash->read_header(c, into), manifest_purpose::install,
                                            manifest_context_at(now), vm);
  const auto chunks = static_cast<std::uint32_t>(vm.manifest.chunk_digests_size());
  if (why != reject_reason::none || vm.comp != c || !same_prefix(vm.manifest_digest, metadata_.download_manifest) ||
      metadata_.download_chunks_done > chunks) {
    metadata_.clear_download();
    persist_metadata();
    return;
  }
  download_ = std::make_unique<download_state>();
  download_->target = std::move(vm);
  download_->into = into;
  download_->next_chunk = metadata_.download_chunks_done;
  if (download_->next_chunk == chunks) finish_download(now);
}

void core_state::send_chunk_request(sim_time now) {
  wire::Envelope env;
  auto* request = env.mutable_chunk_request();
  request->set_image_digest(crypto::to_string(download_->target.image_digest));
  request->set_index(download_->next_chunk);
  send_request(now, request_kind::chunk, env, true);
}

void core_state::on_chunk(sim_time now, const wire::Chunk& chunk) {
  const auto& m = download_->target.manifest;
  const std::uint32_t index = download_->next_chunk;
  if (chunk.image_digest() != crypto::as_view(download_->target.image_digest) || chunk.index() != index) {
    return download_failed(now, reject_reason::unexpected);
  }
  // The signed size bounds what is accepted: never a byte more.
  const std::uint64_t expected = chunk_bytes(m, index);
  if (chunk.data().size() > expected) return download_failed(now, reject_reason::chunk_too_large);
  if (chunk.data().size() < expected) return download_failed(now, reject_reason::bad_size);
  if (crypto::as_view(crypto::sha256(chunk.data())) != m.chunk_digests(static_cast<int>(index))) {
    return download_failed(now, reject_reason::chunk_digest_mismatch);
  }
  request_succeeded();
  const component c = download_->target.comp;
  if (!flash_ok(hw_.flash->write_chunk(c, download_->into, index, chunk.data()))) return;
  ++stats_.chunks_downloaded;
  ++download_->next_chunk;
  metadata_.download_chunks_done = download_->next_chunk;
  if (!persist_metadata()) return;
  if (download_->next_chunk == static_cast<std::uint32_t>(m.chunk_digests_size())) finish_download(now);
}

void core_state::download_failed(sim_time now, reject_reason why) {
  if (why != reject_reason::none) reject(why);
  ++download_failures_;
  if (download_failures_ >= cfg_.download_failures_max) {
    finish_request();
    return abandon_download(wire::FAILED, why);
  }
  request_failed(now);
}

// Reads back what flash holds: a torn or rotted chunk shows here, before
// the image is ever installed.
void core_state::finish_download(sim_time now) {
  const auto& target = download_->target;
  const component c = target.comp;
  crypto::sha256_stream image;
  const auto chunks = static_cast<std::uint32_t>(target.manifest.chunk_digests_size());
  bool sizes_ok = true;
  for (std::uint32_t i = 0; i < chunks && sizes_ok; ++i) {
    std::string_view data = hw_.flash->read_chunk(c, download_->into, i);
    sizes_ok = data.size() == chunk_bytes(target.manifest, i);
    image.update(data);
  }
  if (!sizes_ok || image.finish() != target.image_digest) {
    download_->next_chunk = 0;
    metadata_.download_chunks_done = 0;
    if (!persist_metadata()) return;
    reject(reject_reason::image_digest_mismatch);
    ++download_failures_;
    if (download_failures_ >= cfg_.download_failures_max) {
      abandon_download(wire::FAILED, reject_reason::image_digest_mismatch);
    }
    return;
  }
  download_->complete = true;
  const pending_report downloaded = report_of(target, wire::DOWNLOADED);
  note_update(record_kind::update_downloaded, downloaded);
  queue_report(downloaded);
  if (c == component::legacy_firmware) return flash_legacy();
  maybe_install(now);
}

// The application may put off an OS update for os_deferral_max in total.
// Each deferral is charged in full to the pending download's metadata record
// before it starts (in the same record that names the image, so a new image
// starts from nothing). A reboot or power loss inside a deferral forfeits
// what was left of it instead of handing the allowance out again, and a torn
// write of the charge loses the power before the deferral begins: either way
// the granted total stays within the cap. No clock is compared across boots,
// so a device clock set wrong or jumping back cannot stretch it; inside a
// boot the deferral ends on the core's own timer.
void core_state::maybe_install(sim_time now) {
  if (!download_ || !download_->complete) return;
  const auto& target = download_->target;
  if (target.comp == component::os) {
    const duration granted = std::chrono::seconds(metadata_.deferral_granted_s);
    const duration left = cfg_.timers.os_deferral_max - granted;
    const duration asked = left.count() > 0 ? hw_.runtime->os_update_deferral(now, granted) : duration{0};
    if (asked.count() > 0) {
      const duration grant = std::min(asked, left);
      // Rounded up to whole seconds: the charge is never less than the grant.
      const auto grant_s = std::chrono::ceil<std::chrono::seconds>(grant).count();
      metadata_.deferral_granted_s = static_cast<std::uint32_t>(
          std::min<std::int64_t>(std::int64_t{metadata_.deferral_granted_s} + grant_s,
                                 std::numeric_limits<std::uint32_t>::max()));
      if (!persist_metadata()) return;
      arm(timer::os_deferral_end, now + grant);
      const pending_report deferred = report_of(target, wire::DEFERRED);
      note_update(record_kind::update_deferred, deferred);
      queue_report(deferred);
      return;
    }
  }
  install(now);
}

// One metadata write switches the slot and arms the trial: a power loss
// leaves either the old image active or the new one on trial.
void core_state::install(sim_time now) {
  const auto& target = download_->target;
  const component c = target.comp;
  metadata_.set_active(c, download_->into);
  metadata_.trial_component = static_cast<std::uint8_t>(index_of(c));
  metadata_.trial_tries_left = static_cast<std::uint8_t>(std::min<std::uint32_t>(cfg_.trial_boot_tries, 255));
  metadata_.clear_download();
  if (!persist_metadata()) return;
  note_update(record_kind::update_installed, report_of(target, wire::INSTALLED));
  reboot(now);
}

// Guardian mode: the legacy device has no checks of its own, so it gets
// only the bytes the guardian just verified in its own flash.
void core_state::flash_legacy() {
  const auto& target = download_->target;
  const auto chunks = static_cast<std::uint32_t>(target.manifest.chunk_digests_size());
  for (std::uint32_t i = 0; i < chunks; ++i) {
    std::string data(hw_.flash->read_chunk(component::legacy_firmware, download_->into, i));
    if (!flash_ok(hw_.legacy->write_firmware_chunk(i, data))) return;
  }
  if (!flash_ok(hw_.legacy->finish_firmware(target.version, target.manifest.size_bytes()))) return;
  metadata_.set_active(component::legacy_firmware, download_->into);
  metadata_.clear_download();
  if (!persist_metadata()) return;
  hw_.secure_element->advance_counter(component::legacy_firmware, target.manifest.security_version());
  auto& st = stages_[index_of(component::legacy_firmware)];
  st.present = true;
  st.version = target.version;
  st.security_version = target.manifest.security_version();
  st.manifest_digest = target.manifest_digest;
  st.image_digest = target.image_digest;
  ++stats_.legacy_flashes;
  note(record_kind::legacy_flashed, component::legacy_firmware);
  queue_report(report_of(target, wire::COMMITTED));
  download_.reset();
}

void core_state::abandon_download(wire::UpdateOutcome outcome, reject_reason why, const char* detail) {
  const auto target = download_->target;
  download_.reset();
  download_failures_ = 0;
  metadata_.clear_download();
  if (!persist_metadata()) return;
  ++stats_.updates_failed;
  pending_report failed = report_of(target, outcome, why);
  failed.detail = detail;
  note_update(record_kind::update_failed, failed);
  queue_report(failed);
}

void core_state::queue_report(const pending_report& r) {
  if (reports_.size() >= pending_reports_max) reports_.erase(reports_.begin());
  reports_.push_back(r);
}

void core_state::report_delivered() {
  if (reports_.empty()) return;
  reports_.erase(reports_.begin());
  if (reports_.empty()) reports_.shrink_to_fit();  // idle devices keep no heap here
}

void core_state::send_update_result(sim_time now) {
  const pending_report& r = reports_.front();
  wire::Envelope env;
  auto* result = env.mutable_update_result();
  result->set_image_digest(crypto::to_string(r.image_digest));
  result->set_component(to_wire(r.comp));
  result->set_version(r.version.to_string());
  result->set_outcome(r.outcome);
  result->set_reason(r.detail != nullptr ? r.detail : r.reason == reject_reason::none ? "" : name_of(r.reason));
  send_request(now, request_kind::update_result, env, true);
}

}  // namespace fleet::fw
