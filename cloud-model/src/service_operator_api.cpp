// The operator side of the security service (the future gRPC surface):
// refusals as values, each with a status category and what is wrong.
#include <sstream>

#include "device_shard.hpp"
#include "fleet/check.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::cloud {
namespace {

template <class T>
op_result<T> refuse(op_status s, std::string message) {
  op_result<T> r;
  r.status = s;
  r.message = std::move(message);
  return r;
}

template <class T>
op_result<T> done(T value) {
  op_result<T> r;
  r.value = std::move(value);
  return r;
}

op_status status_of(create_refusal r) {
  switch (r) {
    case create_refusal::none: return op_status::ok;
    case create_refusal::unknown_parent: return op_status::not_found;
    case create_refusal::duplicate_name: return op_status::failed_precondition;
    case create_refusal::limit_reached: return op_status::resource_exhausted;
    default: return op_status::invalid_argument;
  }
}

}  // namespace

crypto::signing_key_pair service_root_of(std::uint64_t seed) {
  return crypto::signing_key_from_seed(crypto::random_stream(seed, 0, "service-root").next_seed());
}

const char* name_of(op_status s) {
  switch (s) {
    case op_status::ok: return "ok";
    case op_status::invalid_argument: return "invalid_argument";
    case op_status::not_found: return "not_found";
    case op_status::failed_precondition: return "failed_precondition";
    case op_status::resource_exhausted: return "resource_exhausted";
  }
  return "?";
}

security_service::security_service(const crypto::signing_key_pair& service_root, service_settings settings)
    : settings_(std::move(settings)),
      root_(service_root),
      registry_(settings_.registry),
      ca_(service_root, crypto::random_stream(settings_.seed, 0, "service-ca"), settings_.ca),
      images_(crypto::random_stream(settings_.seed, 0, "service-images"), settings_.images),
      rates_(settings_.rates) {
  if (settings_.shard_count < 1) settings_.shard_count = 1;
  if (settings_.shard_count > shards_max) settings_.shard_count = shards_max;
  FLEET_CHECK(settings_.partitions >= 1 && settings_.partition < settings_.partitions, "a partition of the fleet");
  const device_lookup lookup = [this](const crypto::device_id& id) { return this->lookup(id); };
  for (std::uint32_t i = 0; i < settings_.shard_count; ++i) {
    shards_.push_back(std::make_unique<device_shard>(settings_.sessions, settings_.attestation,
                                                     settings_.telemetry, lookup));
  }
}

security_service::~security_service() = default;

std::optional<device_index> security_service::find_hex(std::string_view hex_id) const {
  const auto id = parse_device_id(hex_id);
  if (!id) return std::nullopt;
  return registry_.find(*id);
}

op_result<tenant_id> security_service::create_tenant(std::string_view name) {
  const create_result r = registry_.create_tenant(name);
  if (!r.ok()) return refuse<tenant_id>(status_of(r.refusal), std::string("tenant: ") + name_of(r.refusal));
  return done<tenant_id>(r.id);
}

op_result<product_id> security_service::create_product(tenant_id tenant, std::string_view name) {
  const create_result r = registry_.create_product(tenant, name);
  if (!r.ok()) return refuse<product_id>(status_of(r.refusal), std::string("product: ") + name_of(r.refusal));
  return done<product_id>(r.id);
}

op_result<group_id> security_service::default_group_of(product_id product, default_group which) const {
  const group_id g = registry_.default_group_of(product, which);
  if (g == no_group) return refuse<group_id>(op_status::not_found, "no such product");
  return done<group_id>(g);
}

op_result<group_id> security_service::create_group(product_id product, std::string_view name,
                                                   group_update_policy policy, os_feed feed) {
  const create_result r = registry_.create_group(product, name, policy, feed);
  if (!r.ok()) return refuse<group_id>(status_of(r.refusal), std::string("group: ") + name_of(r.refusal));
  return done<group_id>(r.id);
}

op_result<group_id> security_service::set_group_policy(group_id group, group_update_policy policy) {
  if (!registry_.set_group_policy(group, policy)) return refuse<group_id>(op_status::not_found, "no such group");
  return done<group_id>(group);
}

op_result<std::vector<claim_result>> security_service::claim_devices(tenant_id tenant,
                                                                      const std::vector<std::string>& hex_ids) {
  claim_response r = registry_.claim(tenant, hex_ids);
  switch (r.refusal) {
    case claim_refusal::none: break;
    case claim_refusal::unknown_tenant: return refuse<std::vector<claim_result>>(op_status::not_found, "no such tenant");
    case claim_refusal::too_many_ids:
      return refuse<std::vector<claim_result>>(op_status::resource_exhausted,
                                               "at most " + std::to_string(claim_ids_max) + " device IDs a request");
  }
  // The manufacturer's key record takes effect for the newly claimed.
  for (std::size_t i = 0; i < hex_ids.size(); ++i) {
    if (r.results[i] != claim_result::claimed) continue;
    const auto id = parse_device_id(hex_ids[i]);
    const auto key = id ? manufacturer_keys_.find(*id) : manufacturer_keys_.end();
    if (key != manufacturer_keys_.end()) registry_.register_key(*registry_.find(*id), key->second);
  }
  return done(std::move(r.results));
}

op_result<device_index> security_service::move_device(std::string_view hex_id, group_id group) {
  const auto device = find_hex(hex_id);
  if (!device) return refuse<device_index>(op_status::not_found, "no such device (claimed, 128 hex characters)");
  switch (registry_.move(*device, group)) {
    case move_result::moved:
    case move_result::unchanged: return done<device_index>(*device);
    case move_result::unknown_device: return refuse<device_index>(op_status::not_found, "no such device");
    case move_result::unknown_group: return refuse<device_index>(op_status::not_found, "no such group");
    case move_result::other_tenant:
      return refuse<device_index>(op_status::failed_precondition, "the group belongs to another tenant");
  }
  return refuse<device_index>(op_status::invalid_argument, "move refused");
}

op_result<crypto::device_id> security_service::register_device_key(const crypto::public_key& key) {
  const crypto::device_id id = crypto::derive_device_id(key);
  const auto [it, added] = manufacturer_keys_.emplace(id, key);
  if (!added && it->second != key) {
    return refuse<crypto::device_id>(op_status::failed_precondition, "another key is recorded for this ID");
  }
  if (const auto device = registry_.find(id)) registry_.register_key(*device, key);
  return done(id);
}

op_result<device_page> security_service::list_devices(tenant_id tenant, std::uint32_t from, std::size_t limit) const {
  if (registry_.tenant(tenant) == nullptr) return refuse<device_page>(op_status::not_found, "no such tenant");
  if (limit == 0 || limit > list_page_max) {
    return refuse<device_page>(op_status::invalid_argument,
                               "page size must be in [1, " + std::to_string(list_page_max) + "]");
  }
  return done(registry_.list(tenant, from, limit));
}

op_result<device_view> security_service::show_device(std::string_view hex_id) const {
  const auto device = find_hex(hex_id);
  if (!device) return refuse<device_view>(op_status::not_found, "no such device");
  device_view v;
  v.index = *device;
  v.record = *registry_.device(*device);
  v.shard = shard_of(v.record.id);
  const device_shard& shard = *shards_[v.shard];
  v.telemetry = shard.telemetry().of(*device);
  v.quarantined = shard.verifier().quarantined(*device);
  v.blocked = blocked(*device);
  v.session_live = shard.sessions().live_source(v.record.last_attestation == never ? sim_time{0}
                                                                                   : v.record.last_attestation,
                                                *device)
                       .has_value();
  return done(std::move(v));
}

op_result<bool> security_service::unblock_device(std::string_view hex_id) {
  const auto device = find_hex(hex_id);
  if (!device) return refuse<bool>(op_status::not_found, "no such device");
  if (!blocked(*device)) return refuse<bool>(op_status::failed_precondition, "device is not blocked");
  blocked_[*device] = 0;
  return done(true);
}

op_result<crypto::digest> security_service::upload_image(sim_time now, const wire::image_spec& spec,
                                                         const std::string& content) {
  const upload_result r = images_.upload(now, spec, content);
  if (!r.ok()) {
    const op_status s = r.refusal == upload_refusal::store_full ? op_status::resource_exhausted
                        : r.refusal == upload_refusal::conflict  ? op_status::failed_precondition
                                                                 : op_status::invalid_argument;
    return refuse<crypto::digest>(s, std::string("image: ") + name_of(r.refusal));
  }
  if (!r.duplicate) {
    image_meta_[r.image_id] = {now};
    mark_known_good(*images_.find(r.image_id));
  }
  return done(r.image_id);
}

op_result<std::uint32_t> security_service::rotate_image_signing_key(sim_time now, key_rotation how) {
  if (images_.rotate_signing_key(now, how) != rotate_result::rotated) {
    return refuse<std::uint32_t>(op_status::resource_exhausted, "too many image-signing keys");
  }
  if (how == key_rotation::revoke_previous) {
    // Devices that install a re-signed image measure its new manifest.
    for (const stored_image* image : images_.all()) mark_known_good(*image);
    publish_key_store();
  }
  return done(images_.current_key_id());
}

void security_service::mark_known_good(const stored_image& image) {
  crypto::digest id{};
  crypto::to_array(image.manifest.image_digest(), id);
  const bool revoked = image_revoked(id);
  for (auto& shard : shards_) {
    known_good_set& good = shard->verifier().known_good();
    good.add(image.manifest.product(), image.manifest_digest, image.manifest.component(), image.manifest.version(), id);
    // Signed again after a key rotation, a revoked image stays revoked.
    if (revoked) good.revoke(image.manifest.product(), id);
  }
}

op_result<bool> security_service::revoke_image(sim_time, const crypto::digest& image_id) {
  const stored_image* image = images_.find(image_id);
  if (image == nullptr) return refuse<bool>(op_status::not_found, "no such image: " + crypto::to_hex(crypto::as_view(image_id)));
  image_meta& meta = image_meta_[image_id];
  if (meta.revoked) {
    return refuse<bool>(op_status::failed_precondition, "image " + image->manifest.image_name() + "@" +
                                                            image->manifest.version() + " is already revoked");
  }
  meta.revoked = true;
  for (auto& shard : shards_) shard->verifier().known_good().revoke(image->manifest.product(), image_id);
  ++counters_.images_revoked;
  return done(true);
}

void security_service::publish_key_store() {
  wire::KeyStore store;
  store.set_version(++key_store_version_);
  for (const trusted_image_key& k : images_.trusted_keys()) {
    wire::TrustedImageKey* key = store.add_keys();
    key->set_id(k.id);
    key->set_public_key(crypto::to_string(k.key));
  }
  for (const std::uint32_t id : images_.revoked_key_ids()) store.add_revoked_key_ids(id);
  key_store_.set_key_store(wire::serialize(store));
  key_store_.set_signature(crypto::to_string(crypto::sign(key_store_.key_store(), root_.secret_key_bytes)));
}

op_result<deployment_created> security_service::create_deployment(sim_time now, const deployment_spec& spec) {
  const group_info* group = registry_.group(spec.group);
  if (group == nullptr) return refuse<deployment_created>(op_status::not_found, "no such group");
  if (deployments_.size() >= deployments_max) {
    return refuse<deployment_created>(op_status::resource_exhausted, "too many deployments");
  }
  if (spec.images.empty() || spec.images.size() > deployment_images_max) {
    return refuse<deployment_created>(op_status::invalid_argument,
                                      "a deployment names 1 to " + std::to_string(deployment_images_max) + " images");
  }
  const product_info* product = registry_.product(group->product);
  std::vector<wire::Component> components;
  for (const crypto::digest& id : spec.images) {
    const stored_image* image = images_.find(id);
    if (image == nullptr) return refuse<deployment_created>(op_status::not_found, "no such image: " + crypto::to_hex(crypto::as_view(id)));
    if (expired(*image, now)) {
      return refuse<deployment_created>(op_status::failed_precondition,
                                        "image " + image->manifest.image_name() + "@" + image->manifest.version() +
                                            " has expired: every device would refuse it");
    }
    if (image_revoked(id)) {
      return refuse<deployment_created>(op_status::failed_precondition,
                                        "image " + image->manifest.image_name() + "@" + image->manifest.version() +
                                            " is revoked: no longer trusted");
    }
    if (image->manifest.product() != product->name) {
      return refuse<deployment_created>(op_status::invalid_argument, "image built for product " +
                                                                         image->manifest.product() + ", group is of " + product->name);
    }
    for (auto c : components) {
      if (c == image->manifest.component()) {
        return refuse<deployment_created>(op_status::invalid_argument, "two images of one component");
      }
    }
    components.push_back(image->manifest.component());
  }
  if (spec.rollback_image) {
    if (images_.find(*spec.rollback_image) == nullptr) {
      return refuse<deployment_created>(op_status::not_found,
                                        "no such rollback image: " + crypto::to_hex(crypto::as_view(*spec.rollback_image)));
    }
    if (std::string problem = rollback_image_problem(spec); !problem.empty()) {
      return refuse<deployment_created>(op_status::invalid_argument, "rollback image: " + problem);
    }
  }
  deployment_created created;
  created.errors = validate(spec.policy);
  if (!created.errors.empty()) {
    std::string message = "rollout policy:";
    for (const auto& e : created.errors) message += " " + e.field + ": " + e.problem + ";";
    op_result<deployment_created> r = refuse<deployment_created>(op_status::invalid_argument, message);
    r.value = std::move(created);
    return r;
  }
  deployment d;
  d.name = spec.name;
  d.group = spec.group;
  d.images = spec.images;
  d.rollback_image = spec.rollback_image;
  d.repair = spec.repair;
  // Members: the group's devices now, in claim order (the tenant's listing).
  std::vector<device_index> members;
  for (device_index dev : registry_.devices_of(group->tenant)) {
    if (registry_.device(dev)->group == spec.group) members.push_back(dev);
  }
  deployment_params params;
  params.seed = settings_.seed ^ (0x9e37'79b9'7f4a'7c15ull * (deployments_.size() + 1));
  params.devices = static_cast<std::uint32_t>(members.size());
  params.wall_clock_at_zero = settings_.wall_clock_at_zero;
  params.governed = settings_.governed_rollouts;
  d.controller = std::make_unique<rollout_controller>(spec.policy, params, now);
  for (std::size_t i = 0; i < members.size(); ++i) d.members.emplace(members[i], static_cast<device_index>(i));
  deployments_.push_back(std::move(d));
  take_over(now, deployments_.size() - 1);
  created.id = static_cast<deployment_id>(deployments_.size());
  created.devices = params.devices;
  return done(std::move(created));
}

namespace {

rollback_image_facts facts_of(const wire::Manifest& m) {
  rollback_image_facts f;
  f.ref = m.image_name() + "@" + m.version();
  f.product = m.product();
  f.version = wire::parse_version(m.version()).value_or(wire::version{});
  f.security_version = m.security_version();
  f.hardware_revisions.assign(m.hardware_revisions().begin(), m.hardware_revisions().end());
  return f;
}

}  // namespace

std::string security_service::rollback_image_problem(const deployment_spec& spec) const {
  if (!spec.policy.rollback.failed_share && !spec.policy.rollback.failed_devices) {
    return "the rollback policy has no trigger (failed_share or failed_devices): it would never be offered";
  }
  const wire::Manifest& target = images_.find(*spec.rollback_image)->manifest;
  for (const crypto::digest& id : spec.images) {
    const stored_image* image = images_.find(id);
    if (image != nullptr && image->manifest.component() == target.component()) {
      return rollback_target_problem(facts_of(image->manifest), facts_of(target));
    }
  }
  return target.image_name() + "@" + target.version() + " is of a component none of the deployment's images has: "
         "there is nothing of it to roll back";
}

op_result<std::optional<device_outcome>> security_service::deployment_outcome_of(deployment_id id,
                                                                                device_index device) const {
  if (id == 0 || id > deployments_.size()) {
    return refuse<std::optional<device_outcome>>(op_status::not_found, "no such deployment");
  }
  if (registry_.device(device) == nullptr) {
    return refuse<std::optional<device_outcome>>(op_status::not_found, "no such device");
  }
  const deployment& d = deployments_[id - 1];
  const auto it = d.members.find(device);
  if (it == d.members.end()) return done(std::optional<device_outcome>{});
  return done(std::optional<device_outcome>{d.controller->outcome_of(it->second)});
}

op_result<rollout_status> security_service::deployment_status(deployment_id id) const {
  if (id == 0 || id > deployments_.size()) return refuse<rollout_status>(op_status::not_found, "no such deployment");
  return done(deployments_[id - 1].controller->status());
}

op_result<rollout_share_report> security_service::deployment_share_report(deployment_id id) {
  if (id == 0 || id > deployments_.size()) {
    return refuse<rollout_share_report>(op_status::not_found, "no such deployment");
  }
  rollout_controller& c = *deployments_[id - 1].controller;
  if (!c.governed()) return refuse<rollout_share_report>(op_status::failed_precondition, "not a governed deployment");
  return done(c.share_report());
}

op_result<bool> security_service::follow_deployment(sim_time now, deployment_id id, const rollout_orders& orders) {
  if (id == 0 || id > deployments_.size()) return refuse<bool>(op_status::not_found, "no such deployment");
  rollout_controller& c = *deployments_[id - 1].controller;
  if (!c.governed()) return refuse<bool>(op_status::failed_precondition, "not a governed deployment");
  // Orders may come from another process: their shape is checked before the controller takes them.
  if (orders.opened_at.size() != c.wave_count() || orders.current_wave >= c.wave_count() ||
      orders.state > rollout_state::rollback_requested || orders.paused_by > pause_cause::gate_failed ||
      orders.changes.size() > history_max) {
    return refuse<bool>(op_status::invalid_argument, "orders of another deployment's shape, or out of range");
  }
  c.follow(orders);
  take_over(now, id - 1);
  return done(true);
}

telemetry_counters security_service::telemetry_totals() const {
  telemetry_counters sum;
  for (const auto& shard : shards_) {
    const telemetry_counters& c = shard->telemetry().counters();
    sum.batches += c.batches;
    sum.stored += c.stored;
    sum.duplicates += c.duplicates;
    sum.gaps += c.gaps;
    sum.device_dropped += c.device_dropped;
    sum.dropped_per_device_bound += c.dropped_per_device_bound;
    sum.dropped_age += c.dropped_age;
    sum.dropped_store_full += c.dropped_store_full;
    sum.versions_not_interned += c.versions_not_interned;
    for (std::size_t r = 0; r < sum.refused.size(); ++r) sum.refused[r] += c.refused[r];
  }
  return sum;
}

op_result<std::vector<transition>> security_service::deployment_history(deployment_id id) const {
  if (id == 0 || id > deployments_.size()) {
    return refuse<std::vector<transition>>(op_status::not_found, "no such deployment");
  }
  const auto& history = deployments_[id - 1].controller->history();
  return done(std::vector<transition>(history.begin(), history.end()));
}

namespace {
op_result<rollout_state> command(rollout_controller& c, command_result r) {
  if (r != command_result::done) {
    return refuse<rollout_state>(op_status::failed_precondition,
                                 std::string("not allowed while ") + name_of(c.state()));
  }
  return done(c.state());
}
}  // namespace

op_result<rollout_state> security_service::pause(sim_time now, deployment_id id) {
  if (id == 0 || id > deployments_.size()) return refuse<rollout_state>(op_status::not_found, "no such deployment");
  rollout_controller& c = *deployments_[id - 1].controller;
  return command(c, c.pause(now));
}

op_result<rollout_state> security_service::resume(sim_time now, deployment_id id) {
  if (id == 0 || id > deployments_.size()) return refuse<rollout_state>(op_status::not_found, "no such deployment");
  rollout_controller& c = *deployments_[id - 1].controller;
  return command(c, c.resume(now));
}

op_result<rollout_state> security_service::halt(sim_time now, deployment_id id) {
  if (id == 0 || id > deployments_.size()) return refuse<rollout_state>(op_status::not_found, "no such deployment");
  rollout_controller& c = *deployments_[id - 1].controller;
  return command(c, c.halt(now));
}

op_result<std::string> security_service::export_error_reports(sim_time now, tenant_id tenant,
                                                               std::optional<std::string> hex_id) const {
  if (registry_.tenant(tenant) == nullptr) return refuse<std::string>(op_status::not_found, "no such tenant");
  export_filter filter;
  filter.tenant = tenant;
  if (hex_id) {
    const auto device = find_hex(*hex_id);
    if (!device || registry_.device(*device)->tenant != tenant) {
      return refuse<std::string>(op_status::not_found, "no such device in this tenant");
    }
    filter.device = *device;
    return done(shards_[shard_of(registry_.device(*device)->id)]->telemetry().export_csv(registry_, filter, now));
  }
  // Each shard exports its devices; their rows are joined under one header.
  std::string out;
  for (const auto& shard : shards_) {
    const std::string part = shard->telemetry().export_csv(registry_, filter, now);
    const auto eol = part.find('\n');
    if (out.empty()) {
      out = part;
    } else if (eol != std::string::npos) {
      out.append(part, eol + 1, std::string::npos);
    }
  }
  return done(std::move(out));
}

attestation_counters security_service::attestation_totals() const {
  attestation_counters t;
  for (const auto& s : shards_) {
    const attestation_counters& c = s->verifier().counters();
    t.challenges_issued += c.challenges_issued;
    for (std::size_t i = 0; i < t.challenges_refused.size(); ++i) t.challenges_refused[i] += c.challenges_refused[i];
    for (std::size_t i = 0; i < t.outcomes.size(); ++i) t.outcomes[i] += c.outcomes[i];
    t.quarantined_now += c.quarantined_now;
  }
  return t;
}

session_counters security_service::session_totals() const {
  session_counters t;
  for (const auto& s : shards_) {
    const session_counters& c = s->sessions().counters();
    t.opened += c.opened;
    t.restricted_opened += c.restricted_opened;
    t.replaced += c.replaced;
    t.expired += c.expired;
    t.ended += c.ended;
    t.authenticated += c.authenticated;
    for (std::size_t i = 0; i < t.auth_refused.size(); ++i) t.auth_refused[i] += c.auth_refused[i];
    for (std::size_t i = 0; i < t.open_refused.size(); ++i) t.open_refused[i] += c.open_refused[i];
  }
  return t;
}

}  // namespace fleet::cloud
