#include "fleet/cloud/registry.hpp"

#include "fleet/check.hpp"
#include "device_id_table.hpp"

namespace fleet::cloud {
namespace {

struct default_group_setup {
  const char* name;
  group_update_policy policy;
  os_feed feed;
};

// Azure Sphere's defaults: Development takes OS updates but not app updates
// (developers sideload apps); the OS Evaluation groups get RetailEval.
constexpr default_group_setup default_groups[default_group_count] = {
    {"Development", group_update_policy::no_3rd_party_app_updates, os_feed::retail},
    {"Field Test", group_update_policy::update_all, os_feed::retail},
    {"Production", group_update_policy::update_all, os_feed::retail},
    {"Field Test OS Evaluation", group_update_policy::update_all, os_feed::retail_eval},
    {"Production OS Evaluation", group_update_policy::update_all, os_feed::retail_eval},
};

const std::vector<device_index> no_devices;

}  // namespace

std::optional<crypto::device_id> parse_device_id(std::string_view hex) {
  crypto::device_id id{};
  if (!crypto::from_hex(hex, id)) return std::nullopt;
  return id;
}

registry::registry(registry_limits limits)
    : limits_(limits), tenants_(1), products_(1), groups_(1), tenant_devices_(1),
      index_(std::make_unique<device_id_table>()) {}
registry::~registry() = default;
registry::registry(registry&&) noexcept = default;
registry& registry::operator=(registry&&) noexcept = default;

create_refusal registry::check_name(std::string_view name) {
  if (name.empty()) return create_refusal::empty_name;
  if (name.size() > registry_name_bytes_max) return create_refusal::name_too_long;
  return create_refusal::none;
}

create_result registry::create_tenant(std::string_view name) {
  if (auto r = check_name(name); r != create_refusal::none) return {r, 0};
  for (std::size_t t = 1; t < tenants_.size(); ++t)
    if (tenants_[t].name == name) return {create_refusal::duplicate_name, 0};
  if (tenants_.size() - 1 >= tenants_max) return {create_refusal::limit_reached, 0};
  tenants_.push_back({std::string(name), {}});
  tenant_devices_.emplace_back();
  return {create_refusal::none, static_cast<tenant_id>(tenants_.size() - 1)};
}

create_result registry::create_product(tenant_id tid, std::string_view name) {
  if (tenant(tid) == nullptr) return {create_refusal::unknown_parent, 0};
  if (auto r = check_name(name); r != create_refusal::none) return {r, 0};
  auto& owner = tenants_[tid];
  for (product_id p : owner.products)
    if (products_[p].name == name) return {create_refusal::duplicate_name, 0};
  if (owner.products.size() >= products_per_tenant_max) return {create_refusal::limit_reached, 0};
  const auto id = static_cast<product_id>(products_.size());
  products_.push_back({std::string(name), tid, {}});
  owner.products.push_back(id);
  for (const auto& g : default_groups) {
    const create_result made = create_group(id, g.name, g.policy, g.feed);
    FLEET_CHECK(made.ok(), "default group of a new product refused");
  }
  return {create_refusal::none, id};
}

create_result registry::create_group(product_id pid, std::string_view name,
                                     group_update_policy policy, os_feed feed) {
  if (product(pid) == nullptr) return {create_refusal::unknown_parent, 0};
  if (auto r = check_name(name); r != create_refusal::none) return {r, 0};
  auto& owner = products_[pid];
  for (group_id g : owner.groups)
    if (groups_[g].name == name) return {create_refusal::duplicate_name, 0};
  if (owner.groups.size() >= groups_per_product_max) return {create_refusal::limit_reached, 0};
  const auto id = static_cast<group_id>(groups_.size());
  groups_.push_back({std::string(name), pid, owner.tenant, policy, feed});
  owner.groups.push_back(id);
  return {create_refusal::none, id};
}

bool registry::set_group_policy(group_id g, group_update_policy policy) {
  if (group(g) == nullptr) return false;
  groups_[g].policy = policy;
  return true;
}

claim_response registry::claim(tenant_id tid, const std::vector<std::string>& hex_ids) {
  claim_response out;
  if (tenant(tid) == nullptr) {
    out.refusal = claim_refusal::unknown_tenant;
  } else if (hex_ids.size() > claim_ids_max) {
    out.refusal = claim_refusal::too_many_ids;
  }
  if (out.refusal != claim_refusal::none) {
    ++counters_.claim_requests_refused;
    return out;
  }
  out.results.reserve(hex_ids.size());
  for (const auto& hex : hex_ids) {
    const claim_result r = claim_one(tid, hex);
    ++counters_.claims[static_cast<std::size_t>(r)];
    out.results.push_back(r);
  }
  return out;
}

claim_result registry::claim_one(tenant_id tid, std::string_view hex_id) {
  const auto id = parse_device_id(hex_id);
  if (!id) return claim_result::malformed_id;
  if (auto known = index_->find(*id, devices_)) {
    return devices_[*known].tenant == tid ? claim_result::already_claimed
                                              : claim_result::claimed_by_other;
  }
  if (devices_.size() >= limits_.devices_max) return claim_result::registry_full;
  const auto index = static_cast<device_index>(devices_.size());
  device_record record;
  record.id = *id;
  record.tenant = tid;
  devices_.push_back(record);
  index_->insert(index, devices_);
  tenant_devices_[tid].push_back(index);
  return claim_result::claimed;
}

move_result registry::move(device_index d, group_id g) {
  if (d >= devices_.size()) return move_result::unknown_device;
  const group_info* target = group(g);
  if (target == nullptr) return move_result::unknown_group;
  device_record& record = devices_[d];
  if (target->tenant != record.tenant) return move_result::other_tenant;
  if (record.group == g) return move_result::unchanged;
  record.group = g;
  ++counters_.moves;
  return move_result::moved;
}

key_result registry::register_key(device_index d, const crypto::public_key& key) {
  if (d >= devices_.size()) return key_result::unknown_device;
  device_record& record = devices_[d];
  // The ID is the hash of the key: a key that does not hash to it belongs to
  // another device, whatever the caller believes.
  if (crypto::derive_device_id(key) != record.id) return key_result::id_mismatch;
  if (record.key_registered) return key_result::unchanged;
  record.public_key = key;
  record.key_registered = true;
  return key_result::registered;
}

void registry::record_update_request(sim_time now, device_index d, const wire::version& os_version) {
  FLEET_CHECK(d < devices_.size(), "update request recorded for an unknown device");
  devices_[d].last_update_request = now;
  devices_[d].last_os_version = os_version;
}

void registry::record_attestation(sim_time now, device_index d, bool passed) {
  FLEET_CHECK(d < devices_.size(), "attestation recorded for an unknown device");
  devices_[d].last_attestation = now;
  devices_[d].last_attestation_verdict = passed ? attestation_verdict::passed : attestation_verdict::failed;
}

std::optional<device_index> registry::find(const crypto::device_id& id) const {
  return index_->find(id, devices_);
}

const device_record* registry::device(device_index index) const {
  return index < devices_.size() ? &devices_[index] : nullptr;
}

device_page registry::list(tenant_id tid, std::uint32_t from, std::size_t limit) const {
  device_page page;
  const auto& all = devices_of(tid);
  if (limit > list_page_max) limit = list_page_max;
  if (from >= all.size()) return page;
  const std::size_t end = std::min(all.size(), std::size_t{from} + limit);
  page.devices.assign(all.begin() + from, all.begin() + static_cast<std::ptrdiff_t>(end));
  if (end < all.size()) page.next = static_cast<std::uint32_t>(end);
  return page;
}

const std::vector<device_index>& registry::devices_of(tenant_id t) const {
  return tenant(t) != nullptr ? tenant_devices_[t] : no_devices;
}

const tenant_info* registry::tenant(tenant_id id) const {
  return id != 0 && id < tenants_.size() ? &tenants_[id] : nullptr;
}
const product_info* registry::product(product_id id) const {
  return id != 0 && id < products_.size() ? &products_[id] : nullptr;
}
const group_info* registry::group(group_id id) const {
  return id != 0 && id < groups_.size() ? &groups_[id] : nullptr;
}

group_id registry::default_group_of(product_id p, default_group which) const {
  const product_info* info = product(p);
  if (info == nullptr) return no_group;
  return info->groups[static_cast<std::size_t>(which)];
}

const char* name_of(claim_result r) {
  switch (r) {
    case claim_result::claimed: return "claimed";
    case claim_result::already_claimed: return "already_claimed";
    case claim_result::claimed_by_other: return "claimed_by_other";
    case claim_result::malformed_id: return "malformed_id";
    case claim_result::registry_full: return "registry_full";
    case claim_result::count_: break;
  }
  return "?";
}

const char* name_of(create_refusal r) {
  switch (r) {
    case create_refusal::none: return "none";
    case create_refusal::unknown_parent: return "unknown_parent";
    case create_refusal::empty_name: return "empty_name";
    case create_refusal::name_too_long: return "name_too_long";
    case create_refusal::duplicate_name: return "duplicate_name";
    case create_refusal::limit_reached: return "limit_reached";
  }
  return "?";
}

const char* name_of(move_result r) {
  switch (r) {
    case move_result::moved: return "moved";
    case move_result::unchanged: return "unchanged";
    case move_result::unknown_device: return "unknown_device";
    case move_result::unknown_group: return "unknown_group";
    case move_result::other_tenant: return "other_tenant";
  }
  return "?";
}

const char* name_of(default_group g) { return default_groups[static_cast<std::size_t>(g)].name; }
group_update_policy default_policy_of(default_group g) { return default_groups[static_cast<std::size_t>(g)].policy; }

}  // namespace fleet::cloud
