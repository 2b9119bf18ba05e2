// Update checks and results: which deployment offers what to a device, and
// where its outcome reports go.
#include <algorithm>

#include "device_shard.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/wire/limits.hpp"
#include "fleet/wire/version.hpp"
#include "rollout_phase.hpp"

namespace fleet::cloud {

bool security_service::applies(const stored_image& image, const wire::UpdateCheck& check) const {
  const wire::Manifest& m = image.manifest;
  if (m.product() != check.product()) return false;
  if (m.hardware_revisions_size() > 0 &&
      std::find(m.hardware_revisions().begin(), m.hardware_revisions().end(), check.hardware_revision()) ==
          m.hardware_revisions().end()) {
    return false;
  }
  const auto offered = wire::parse_version(m.version());
  if (!offered) return false;
  for (const auto& installed : check.installed()) {
    if (installed.component() != m.component()) continue;
    const auto have = wire::parse_version(installed.version());
    return have && *offered > *have;
  }
  // Not installed at all (an OS running without its app): the image fixes
  // that. Legacy firmware goes only to guardians, which list what they front.
  return m.component() != wire::LEGACY_FIRMWARE;
}

bool security_service::expired(const stored_image& image, sim_time now) const {
  return image.manifest.expires_at_us() <= wall(now).count();
}

void security_service::take_over(sim_time now, std::size_t index) {
  deployment& newer = deployments_[index];
  if (newer.took_over || newer.controller->state() == rollout_state::scheduled) return;
  newer.took_over = true;
  // As on the real platform, a group has one deployment per component: a
  // new one halts the live one it replaces once it starts, so an older build
  // is never offered next to (or instead of) its fix, and a scheduled one
  // does not stop the rollout running before its time.
  std::vector<wire::Component> components;
  for (const crypto::digest& id : newer.images) components.push_back(images_.find(id)->manifest.component());
  for (std::size_t i = 0; i < index; ++i) {
    deployment& d = deployments_[i];
    if (d.group != newer.group || final_state(d.controller->state())) continue;
    for (const crypto::digest& id : d.images) {
      const stored_image* image = images_.find(id);
      if (std::find(components.begin(), components.end(), image->manifest.component()) != components.end()) {
        d.controller->halt(now);
        break;
      }
    }
  }
}

const char* name_of(restricted_refusal r) {
  switch (r) {
    case restricted_refusal::none: return "none";
    case restricted_refusal::not_repair_traffic: return "not_repair_traffic";
    case restricted_refusal::not_a_repair: return "not_a_repair";
  }
  return "?";
}

bool security_service::image_revoked(const crypto::digest& image_id) const {
  const auto meta = image_meta_.find(image_id);
  return meta != image_meta_.end() && meta->second.revoked;
}

bool security_service::repairs(const deployment& d, const crypto::digest& image_id, const stored_image& image) const {
  if (image_revoked(image_id)) return false;
  if (d.repair) return true;
  const auto mine = wire::parse_version(image.manifest.version());
  if (!mine) return false;
  for (const deployment& other : deployments_) {
    if (other.group != d.group || final_state(other.controller->state())) continue;
    for (const crypto::digest& id : other.images) {
      const stored_image* candidate = images_.find(id);
      if (candidate == nullptr || candidate->manifest.component() != image.manifest.component() || image_revoked(id)) {
        continue;
      }
      const auto theirs = wire::parse_version(candidate->manifest.version());
      if (theirs && *theirs > *mine) return false;
    }
  }
  return true;
}

// A restricted session may check for updates (its offer holds repairs
// only), report update results, and fetch chunks of an image that repairs
// it: one of its group's live deployments offers it as a repair.
bool security_service::restricted_allows(context& c) {
  auto refuse = [&](restricted_refusal r) {
    ++counters_.restricted_refused[static_cast<std::size_t>(r)];
    error(c, wire::ERROR_ATTESTATION_FAILED, std::string("restricted_session: ") + name_of(r));
    return false;
  };
  switch (c.request->body_case()) {
    case wire::Envelope::kUpdateCheck:
    case wire::Envelope::kUpdateResult: return true;
    case wire::Envelope::kChunkRequest: break;
    default: return refuse(restricted_refusal::not_repair_traffic);
  }
  crypto::digest id{};
  const stored_image* image = nullptr;
  if (!crypto::to_array(c.request->chunk_request().image_digest(), id) || (image = images_.find(id)) == nullptr) {
    return true;  // on_chunk_request answers it as for anyone (INVALID, NOT_FOUND): nothing is served
  }
  if ((c.shard->verifier().revoked_components(*c.device) & component_bit(image->manifest.component())) == 0) {
    return refuse(restricted_refusal::not_a_repair);
  }
  const device_record* rec = registry_.device(*c.device);
  for (const deployment& d : deployments_) {
    if (rec == nullptr || d.group != rec->group || final_state(d.controller->state())) continue;
    if (std::find(d.images.begin(), d.images.end(), id) != d.images.end() && repairs(d, id, *image)) return true;
  }
  return refuse(restricted_refusal::not_a_repair);
}

std::optional<device_index> security_service::member(deployment& d, sim_time now, device_index device) {
  if (auto it = d.members.find(device); it != d.members.end()) return it->second;
  const device_record* rec = registry_.device(device);
  if (rec == nullptr || rec->group != d.group) return std::nullopt;
  // A late joiner: moved into the group (or claimed) after the deployment was made.
  const auto index = d.controller->add_device(now);
  if (index) d.members.emplace(device, *index);
  return index;
}

void security_service::on_update_check(context& c) {
  ++counters_.update_checks;
  const wire::UpdateCheck& check = c.request->update_check();
  if (check.installed_size() > static_cast<int>(rollback_counters_max)) {
    return error(c, wire::ERROR_INVALID, "too many installed components");
  }
  for (const auto& installed : check.installed()) {
    if (installed.version().size() > wire::name_bytes_max || !wire::parse_version(installed.version())) {
      return error(c, wire::ERROR_INVALID, "unparseable installed version");
    }
    if (installed.component() == wire::OS) {
      registry_.record_update_request(c.now, *c.device, *wire::parse_version(installed.version()));
    }
  }
  const device_record* rec = registry_.device(*c.device);
  const group_info* group = rec == nullptr ? nullptr : registry_.group(rec->group);
  wire::UpdateOffer* offer = c.reply->mutable_update_offer();
  if (group == nullptr) return;  // claimed, in no group: nothing targets it
  // In a restricted session: the components its evidence showed running a
  // revoked image, what a repair may replace.
  const std::uint8_t broken = c.restricted ? c.shard->verifier().revoked_components(*c.device) : 0;
  std::vector<wire::Component> offered;
  for (deployment& d : deployments_) {
    if (d.group != rec->group) continue;
    if (const stored_image* back = rollback_offer(d, c.now, *c.device, check)) {
      if (std::find(offered.begin(), offered.end(), back->manifest.component()) == offered.end() &&
          offer->manifests_size() < static_cast<int>(wire::offer_manifests_max)) {
        *offer->add_manifests() = back->signed_manifest;
        offered.push_back(back->manifest.component());
        ++counters_.rollback_offers;
      }
      continue;
    }
    if (final_state(d.controller->state())) continue;
    std::vector<const stored_image*> wanted;
    for (const crypto::digest& id : d.images) {
      const stored_image* image = images_.find(id);
      if (image == nullptr || !applies(*image, check)) continue;
      if (expired(*image, c.now)) continue;  // every device would refuse it
      if (image_revoked(id)) continue;        // no longer trusted: offered to nobody
      if (c.restricted && ((broken & component_bit(image->manifest.component())) == 0 || !repairs(d, id, *image))) {
        continue;
      }
      if (std::find(offered.begin(), offered.end(), image->manifest.component()) != offered.end()) continue;
      const auto meta = image_meta_.find(id);
      const sim_time released = meta == image_meta_.end() ? sim_time{0} : meta->second.released_at;
      if (eligible(group->policy, kind_of(image->manifest.component()), group->feed, c.now, released) !=
          eligibility::eligible) {
        continue;
      }
      wanted.push_back(image);
    }
    if (wanted.empty()) continue;
    const auto index = member(d, c.now, *c.device);
    if (!index) continue;
    if (!d.controller->decide(c.now, *index).offer) continue;
    for (const stored_image* image : wanted) {
      if (offer->manifests_size() >= static_cast<int>(wire::offer_manifests_max)) break;
      *offer->add_manifests() = image->signed_manifest;
      offered.push_back(image->manifest.component());
    }
  }
  if (offer->manifests_size() == 0) return;
  ++counters_.offers;
  if (key_store_version_ > 0) *offer->mutable_key_store() = key_store_;
}

void security_service::on_update_result(context& c) {
  const wire::UpdateResult& r = c.request->update_result();
  if (r.reason().size() > wire::reason_bytes_max || r.version().size() > wire::name_bytes_max) {
    return error(c, wire::ERROR_INVALID, "update result past limits");
  }
  ++counters_.update_results;
  crypto::digest image{};
  if (crypto::to_array(r.image_digest(), image)) {
    const device_record* rec = registry_.device(*c.device);
    for (deployment& d : deployments_) {
      if (rec == nullptr || d.group != rec->group) continue;
      if (std::find(d.images.begin(), d.images.end(), image) == d.images.end()) continue;
      if (const auto index = member(d, c.now, *c.device)) d.controller->report(c.now, *index, r.outcome());
    }
    for (deployment& d : deployments_) {
      if (rec == nullptr || d.group != rec->group || !d.rollback_image || *d.rollback_image != image) continue;
      if (const auto index = member(d, c.now, *c.device)) d.controller->report_rollback(c.now, *index, r.outcome());
    }
  }
  c.reply->mutable_ack();
}

const stored_image* security_service::rollback_offer(deployment& d, sim_time now, device_index device,
                                                     const wire::UpdateCheck& check) {
  if (!d.rollback_image || d.controller->state() != rollout_state::rollback_requested) return nullptr;
  const stored_image* image = images_.find(*d.rollback_image);
  // What a device would refuse is not offered: the controller counts offers.
  if (image == nullptr || !applies(*image, check) || expired(*image, now)) return nullptr;
  const auto index = member(d, now, device);
  if (!index || !d.controller->decide_rollback(now, *index).offer) return nullptr;
  return image;
}

void security_service::note_app_crashes(sim_time now, device_index device, const wire::TelemetryBatch& batch) {
  const device_record* rec = registry_.device(device);
  if (rec == nullptr) return;
  for (const wire::DeviceEvent& e : batch.events()) {
    if (e.kind() != wire::EVENT_APP_CRASH) continue;
    for (deployment& d : deployments_) {
      if (d.group != rec->group) continue;
      for (const crypto::digest& id : d.images) {
        const stored_image* image = images_.find(id);
        if (image == nullptr || image->manifest.component() != wire::APP || image->manifest.version() != e.version()) {
          continue;
        }
        // Only a device the deployment targets already: a crash report does not make a member.
        const auto it = d.members.find(device);
        if (it != d.members.end() && d.controller->report_failure_after_commit(now, it->second)) {
          ++counters_.failures_after_commit;
        }
      }
    }
  }
}

sim_time security_service::next_deadline() const {
  sim_time next = never;
  const sim_time ca = ca_.next_deadline();
  if (ca != never) next = std::min(next, ca - settings_.wall_clock_at_zero);
  for (const deployment& d : deployments_) next = std::min(next, d.controller->next_deadline());
  // Nonces expire lazily at the verifier's next call: nothing to drive here.
  return next;
}

void security_service::advance(sim_time now) {
  ca_.advance(wall(now));
  for (deployment& d : deployments_) d.controller->advance(now);
  for (std::size_t i = 0; i < deployments_.size(); ++i) take_over(now, i);
}

}  // namespace fleet::cloud
