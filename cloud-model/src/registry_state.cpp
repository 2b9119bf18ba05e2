// The registry in a snapshot: tenants, products, groups and device records.
// Children lists, the tenants' device listings and the ID index are rebuilt
// from them (ids are positions, devices are in claim order), so a snapshot
// cannot hold a listing that disagrees with the records.
#include "device_id_table.hpp"
#include "fleet/cloud/registry.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void registry::save(state::RegistryState& out) const {
  for (std::size_t t = 1; t < tenants_.size(); ++t) out.add_tenants()->set_name(tenants_[t].name);
  for (std::size_t p = 1; p < products_.size(); ++p) {
    state::ProductState* product = out.add_products();
    product->set_name(products_[p].name);
    product->set_tenant(products_[p].tenant);
  }
  for (std::size_t g = 1; g < groups_.size(); ++g) {
    state::GroupState* group = out.add_groups();
    group->set_name(groups_[g].name);
    group->set_product(groups_[g].product);
    group->set_policy(static_cast<std::uint32_t>(groups_[g].policy));
    group->set_feed(static_cast<std::uint32_t>(groups_[g].feed));
  }
  out.mutable_devices()->Reserve(static_cast<int>(devices_.size()));
  for (const device_record& r : devices_) {
    state::DeviceRecordState* d = out.add_devices();
    d->set_id(codec::bytes(r.id));
    if (r.key_registered) d->set_public_key(codec::bytes(r.public_key));
    d->set_tenant(r.tenant);
    d->set_group(r.group);
    d->set_last_update_request(codec::us(r.last_update_request));
    d->set_last_attestation(codec::us(r.last_attestation));
    d->set_os_major(r.last_os_version.major);
    d->set_os_minor(r.last_os_version.minor);
    d->set_os_patch(r.last_os_version.patch);
    d->set_verdict(static_cast<std::uint32_t>(r.last_attestation_verdict));
  }
  codec::put_counts(out.mutable_claims(), counters_.claims);
  out.set_claim_requests_refused(counters_.claim_requests_refused);
  out.set_moves(counters_.moves);
}

restore_status registry::restore(const state::RegistryState& in) {
  if (static_cast<std::size_t>(in.tenants_size()) > tenants_max) return refused("more tenants than tenants_max");
  for (const auto& t : in.tenants()) {
    if (check_name(t.name()) != create_refusal::none) return refused("a tenant name is empty or too long");
    tenants_.push_back({t.name(), {}});
    tenant_devices_.emplace_back();
  }
  for (const auto& p : in.products()) {
    if (check_name(p.name()) != create_refusal::none) return refused("a product name is empty or too long");
    if (tenant(p.tenant()) == nullptr) return refused("a product of an unknown tenant");
    if (tenants_[p.tenant()].products.size() >= products_per_tenant_max) return refused("too many products");
    tenants_[p.tenant()].products.push_back(static_cast<product_id>(products_.size()));
    products_.push_back({p.name(), p.tenant(), {}});
  }
  for (const auto& g : in.groups()) {
    if (check_name(g.name()) != create_refusal::none) return refused("a group name is empty or too long");
    if (product(g.product()) == nullptr) return refused("a group of an unknown product");
    if (g.policy() > static_cast<std::uint32_t>(group_update_policy::no_updates) ||
        g.feed() > static_cast<std::uint32_t>(os_feed::retail_eval)) {
      return refused("a group's policy or feed is out of range");
    }
    product_info& owner = products_[g.product()];
    if (owner.groups.size() >= groups_per_product_max) return refused("too many groups");
    owner.groups.push_back(static_cast<group_id>(groups_.size()));
    groups_.push_back({g.name(), g.product(), owner.tenant, static_cast<group_update_policy>(g.policy()),
                       static_cast<os_feed>(g.feed())});
  }
  // Every product has its default groups first (default_group_of reads them).
  for (std::size_t p = 1; p < products_.size(); ++p) {
    if (products_[p].groups.size() < default_group_count) return refused("a product without its default groups");
  }
  if (static_cast<std::size_t>(in.devices_size()) > limits_.devices_max) return refused("more devices than devices_max");
  devices_.reserve(static_cast<std::size_t>(in.devices_size()));
  for (const auto& d : in.devices()) {
    device_record r;
    if (!codec::take(d.id(), r.id)) return refused("a device ID is not 64 bytes");
    r.key_registered = !d.public_key().empty();
    if (r.key_registered && !codec::take(d.public_key(), r.public_key)) return refused("a device key is not 32 bytes");
    if (tenant(d.tenant()) == nullptr) return refused("a device of an unknown tenant");
    if (d.group() != no_group && (group(d.group()) == nullptr || groups_[d.group()].tenant != d.tenant())) {
      return refused("a device in an unknown group or one of another tenant");
    }
    r.tenant = d.tenant();
    r.group = d.group();
    r.last_update_request = codec::time(d.last_update_request());
    r.last_attestation = codec::time(d.last_attestation());
    if (d.os_major() > 0xffff || d.os_minor() > 0xffff || d.os_patch() > 0xffff) return refused("a version past 65535");
    r.last_os_version = {static_cast<std::uint16_t>(d.os_major()), static_cast<std::uint16_t>(d.os_minor()),
                         static_cast<std::uint16_t>(d.os_patch())};
    if (d.verdict() > static_cast<std::uint32_t>(attestation_verdict::failed)) return refused("a verdict out of range");
    r.last_attestation_verdict = static_cast<attestation_verdict>(d.verdict());
    if (index_->find(r.id, devices_)) return refused("a device ID claimed twice");
    const auto index = static_cast<device_index>(devices_.size());
    devices_.push_back(r);
    index_->insert(index, devices_);
    tenant_devices_[r.tenant].push_back(index);
  }
  if (!codec::take_counts(in.claims(), counters_.claims)) return refused("claim counters of another size");
  counters_.claim_requests_refused = in.claim_requests_refused();
  counters_.moves = in.moves();
  return restored();
}

}  // namespace fleet::cloud
