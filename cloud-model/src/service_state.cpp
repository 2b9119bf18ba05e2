// The security service in a snapshot: its own fields in the core part, then
// each unit's part, in the order save() writes and restore() reads them
// (security_service.hpp). Each unit checks its own part; this file checks
// what ties them together (settings, counts, indices into the registry).
#include <algorithm>

#include "device_shard.hpp"
#include "fleet/cloud/security_service.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void security_service::save(const std::function<void(const state::ServicePart&)>& write) const {
  // One message reused for every part: cleared before each (repeated
  // fields would otherwise pile up).
  state::ServicePart part;
  {
    state::ServiceCore& core = *part.mutable_core();
    core.set_seed(settings_.seed);
    core.set_shard_count(shard_count());
    core.set_wall_clock_at_zero_us(settings_.wall_clock_at_zero.count());
    state::ServiceCounters& c = *core.mutable_counters();
    c.set_requests(counters_.requests);
    c.set_ignored(counters_.ignored);
    c.set_invalid(counters_.invalid);
    c.set_rate_limited(counters_.rate_limited);
    c.set_unauthenticated(counters_.unauthenticated);
    c.set_attestation_failed(counters_.attestation_failed);
    c.set_not_found(counters_.not_found);
    c.set_certificates_issued(counters_.certificates_issued);
    c.set_certificate_checks_refused(counters_.certificate_checks_refused);
    c.set_clones_flagged(counters_.clones_flagged);
    c.set_revocations(counters_.revocations);
    c.set_blocked_refused(counters_.blocked_refused);
    c.set_update_checks(counters_.update_checks);
    c.set_offers(counters_.offers);
    c.set_chunks_served(counters_.chunks_served);
    c.set_update_results(counters_.update_results);
    c.set_telemetry_batches(counters_.telemetry_batches);
    c.set_failures_after_commit(counters_.failures_after_commit);
    c.set_rollback_offers(counters_.rollback_offers);
    c.set_images_revoked(counters_.images_revoked);
    c.set_restricted_sessions(counters_.restricted_sessions);
    codec::put_counts(c.mutable_restricted_refused(), counters_.restricted_refused);
    for (const auto& [id, meta] : image_meta_) {
      state::ImageRelease* r = core.add_image_meta();
      r->set_image_id(codec::bytes(id));
      r->set_released_at(codec::us(meta.released_at));
      r->set_revoked(meta.revoked);
    }
    for (const auto& [id, key] : manufacturer_keys_) core.add_manufacturer_keys(codec::bytes(key));
    core.mutable_draws()->Add(draws_.begin(), draws_.end());
    core.set_blocked(std::string(blocked_.begin(), blocked_.end()));
    *core.mutable_key_store() = key_store_;
    core.set_key_store_version(key_store_version_);
    core.set_images(static_cast<std::uint32_t>(images_.images()));
    core.set_deployments(static_cast<std::uint32_t>(deployments_.size()));
    write(part);
  }
  part.Clear();
  registry_.save(*part.mutable_registry());
  write(part);
  part.Clear();
  ca_.save(*part.mutable_ca());
  write(part);
  part.Clear();
  images_.save(*part.mutable_images());
  write(part);
  for (const stored_image* image : images_.all()) {
    part.Clear();
    image_service::save_image(*image, *part.mutable_image());
    write(part);
  }
  part.Clear();
  rates_.save(*part.mutable_rates());
  write(part);
  for (const auto& shard : shards_) {
    part.Clear();
    shard->sessions().save(*part.mutable_sessions());
    write(part);
    part.Clear();
    shard->verifier().save(*part.mutable_verifier());
    write(part);
    part.Clear();
    shard->certificate_uses().save(*part.mutable_certificate_requests());
    write(part);
    part.Clear();
    shard->telemetry().save(*part.mutable_telemetry());
    write(part);
  }
  for (const deployment& d : deployments_) {
    part.Clear();
    state::DeploymentState& o = *part.mutable_deployment();
    o.set_name(d.name);
    o.set_group(d.group);
    for (const crypto::digest& image : d.images) o.add_images(codec::bytes(image));
    o.set_took_over(d.took_over);
    o.set_repair(d.repair);
    if (d.rollback_image) o.set_rollback_image(codec::bytes(*d.rollback_image));
    std::vector<std::pair<device_index, device_index>> members(d.members.begin(), d.members.end());
    std::sort(members.begin(), members.end());
    for (const auto& [device, index] : members) {
      state::DeploymentMember* m = o.add_members();
      m->set_device(device);
      m->set_index(index);
    }
    d.controller->save(*o.mutable_controller());
    write(part);
  }
}

restore_status security_service::restore(const std::function<bool(state::ServicePart&)>& next) {
  if (counters_.requests != 0 || registry_.tenant(1) != nullptr || registry_.devices() != 0 || images_.images() != 0 ||
      !deployments_.empty()) {
    return refused("a snapshot is restored into a fresh service only");
  }
  state::ServicePart part;
  std::size_t read = 0;
  // The next part, which must be of `kind`.
  auto expect = [&](state::ServicePart::PartCase kind, const char* what) -> restore_status {
    part.Clear();
    if (!next(part)) return refused("part " + std::to_string(read + 1) + " (" + what + ") is missing");
    ++read;
    if (part.part_case() != kind) return refused("part " + std::to_string(read) + " is not the " + what);
    return restored();
  };
  auto at = [&](const char* what) { return "part " + std::to_string(read) + " (" + what + ")"; };

  if (auto r = expect(state::ServicePart::kCore, "service core"); !r.ok()) return r;
  const state::ServiceCore core = std::move(*part.mutable_core());
  if (core.seed() != settings_.seed || core.shard_count() != shard_count() ||
      core.wall_clock_at_zero_us() != settings_.wall_clock_at_zero.count()) {
    return refused(at("service core") + ": saved by a service with another seed, shard count or time zero");
  }
  if (core.images() > settings_.images.images_max || core.deployments() > deployments_max) {
    return refused(at("service core") + ": more images or deployments than their limits");
  }

  if (auto r = expect(state::ServicePart::kRegistry, "registry"); !r.ok()) return r;
  if (auto r = codec::within(at("registry"), registry_.restore(part.registry())); !r.ok()) return r;
  if (auto r = expect(state::ServicePart::kCa, "certificate authority"); !r.ok()) return r;
  if (auto r = codec::within(at("certificate authority"), ca_.restore(part.ca())); !r.ok()) return r;
  if (auto r = expect(state::ServicePart::kImages, "image service"); !r.ok()) return r;
  if (auto r = codec::within(at("image service"), images_.restore(part.images())); !r.ok()) return r;
  for (std::uint32_t i = 0; i < core.images(); ++i) {
    if (auto r = expect(state::ServicePart::kImage, "stored image"); !r.ok()) return r;
    if (auto r = codec::within(at("stored image"), images_.restore_image(part.image())); !r.ok()) return r;
  }
  if (auto r = expect(state::ServicePart::kRates, "rate limiter"); !r.ok()) return r;
  if (auto r = codec::within(at("rate limiter"), rates_.restore(part.rates())); !r.ok()) return r;
  for (auto& shard : shards_) {
    if (auto r = expect(state::ServicePart::kSessions, "session table"); !r.ok()) return r;
    if (auto r = codec::within(at("session table"), shard->sessions().restore(part.sessions())); !r.ok()) return r;
    if (auto r = expect(state::ServicePart::kVerifier, "attestation verifier"); !r.ok()) return r;
    if (auto r = codec::within(at("attestation verifier"), shard->verifier().restore(part.verifier())); !r.ok()) return r;
    if (auto r = expect(state::ServicePart::kCertificateRequests, "certificate requests"); !r.ok()) return r;
    if (auto r = codec::within(at("certificate requests"), shard->certificate_uses().restore(
                                                               part.certificate_requests(), settings_.registry.devices_max));
        !r.ok()) {
      return r;
    }
    if (auto r = expect(state::ServicePart::kTelemetry, "telemetry store"); !r.ok()) return r;
    if (auto r = codec::within(at("telemetry store"), shard->telemetry().restore(part.telemetry())); !r.ok()) return r;
  }
  for (std::uint32_t i = 0; i < core.deployments(); ++i) {
    if (auto r = expect(state::ServicePart::kDeployment, "deployment"); !r.ok()) return r;
    if (auto r = codec::within(at("deployment"), restore_deployment(part.deployment())); !r.ok()) return r;
  }
  if (next(part)) return refused("more parts than the service core announces");
  return codec::within("service core", restore_core(core));
}

restore_status security_service::restore_core(const state::ServiceCore& core) {
  const state::ServiceCounters& c = core.counters();
  counters_ = {c.requests(),           c.ignored(),
               c.invalid(),            c.rate_limited(),
               c.unauthenticated(),    c.attestation_failed(),
               c.not_found(),          c.certificates_issued(),
               c.certificate_checks_refused(), c.clones_flagged(),
               c.revocations(),        c.blocked_refused(),
               c.update_checks(),      c.offers(),
               c.chunks_served(),      c.update_results(),
               c.telemetry_batches(),  c.failures_after_commit(),
               c.rollback_offers(),    c.images_revoked(),
               c.restricted_sessions()};
  if (!codec::take_counts(c.restricted_refused(), counters_.restricted_refused)) {
    return refused("restricted refusals of another size");
  }
  for (const auto& r : core.image_meta()) {
    crypto::digest id{};
    if (!codec::take(r.image_id(), id) || images_.find(id) == nullptr) return refused("a release time of no stored image");
    image_meta_[id] = {codec::time(r.released_at()), r.revoked()};
  }
  for (const std::string& k : core.manufacturer_keys()) {
    crypto::public_key key{};
    if (!codec::take(k, key)) return refused("a manufacturer key is not 32 bytes");
    if (!manufacturer_keys_.emplace(crypto::derive_device_id(key), key).second) return refused("a key recorded twice");
  }
  const std::size_t indices_max = settings_.registry.devices_max;
  if (static_cast<std::size_t>(core.draws_size()) > indices_max || core.blocked().size() > indices_max) {
    return refused("draws or blocked flags past devices_max");
  }
  draws_.assign(core.draws().begin(), core.draws().end());
  blocked_.assign(core.blocked().begin(), core.blocked().end());
  if (std::any_of(blocked_.begin(), blocked_.end(), [](std::uint8_t b) { return b > 1; })) {
    return refused("a blocked flag other than 0 or 1");
  }
  key_store_ = core.key_store();
  key_store_version_ = core.key_store_version();
  return restored();
}

restore_status security_service::restore_deployment(const state::DeploymentState& in) {
  // A share's state means nothing without its governor's, which no snapshot holds yet.
  if (settings_.governed_rollouts) return refused("a governed service restores no deployment");
  deployment d;
  d.name = in.name();
  if (registry_.group(in.group()) == nullptr) return refused("a deployment of an unknown group");
  d.group = in.group();
  if (in.images_size() < 1 || static_cast<std::size_t>(in.images_size()) > deployment_images_max) {
    return refused("a deployment names 1 to " + std::to_string(deployment_images_max) + " images");
  }
  for (const std::string& image : in.images()) {
    crypto::digest id{};
    if (!codec::take(image, id) || images_.find(id) == nullptr) return refused("a deployment of no stored image");
    d.images.push_back(id);
  }
  d.took_over = in.took_over();
  d.repair = in.repair();
  if (!in.rollback_image().empty()) {
    crypto::digest id{};
    if (!codec::take(in.rollback_image(), id) || images_.find(id) == nullptr) {
      return refused("a rollback image that is not stored");
    }
    d.rollback_image = id;
  }
  if (auto r = rollout_controller::restore(in.controller(), d.controller); !r.ok()) return r;
  for (const auto& m : in.members()) {
    if (m.device() >= registry_.devices() || m.index() >= d.controller->devices()) {
      return refused("a member past the registry or the rollout");
    }
    if (!d.members.emplace(m.device(), m.index()).second) return refused("a member saved twice");
  }
  deployments_.push_back(std::move(d));
  return restored();
}

}  // namespace fleet::cloud
