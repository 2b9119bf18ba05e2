#include "engine/fleet_setup.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "fleet/check.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/device/sim_flash.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::actors {
namespace {

template <class T>
const T& accepted(const cloud::op_result<T>& r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(what + ": " + r.message);
  return r.value;
}

/// The revision a device has, drawn by the product's shares.
std::size_t revision_of(const input::product& p, std::uint64_t seed, std::uint64_t device) {
  crypto::random_stream draw(seed, device_entity(device), "hardware-revision");
  const double u = draw.unit();
  double cumulative = 0;
  for (std::size_t r = 0; r < p.revisions.size(); ++r) {
    cumulative += p.revisions[r].share;
    if (u < cumulative) return r;
  }
  return p.revisions.size() - 1;
}

}  // namespace

std::vector<std::uint32_t> breakdown_cells(const input::run_input& s) {
  std::vector<std::uint32_t> first;
  std::uint32_t cells = 0;
  for (const input::group& g : s.fleet.groups) {
    first.push_back(cells);
    cells += static_cast<std::uint32_t>(s.fleet.products[g.product].revisions.size());
  }
  first.push_back(cells);
  FLEET_CHECK(cells <= std::numeric_limits<std::uint16_t>::max(), "breakdown cells fit 16 bits (the loader bounds groups and revisions)");
  return first;
}

fleet_setup::fleet_setup(const input::run_input& s, const partition_plan& plan)
    : s_(s), plan_(plan), first_cells_(breakdown_cells(s)) {
  const crypto::signing_key_pair root = cloud::service_root_of(s.seed);
  root_public_ = root.public_key_bytes;
  cloud::service_settings settings;
  settings.seed = s.seed;
  settings.wall_clock_at_zero = std::chrono::microseconds(run_epoch_us);
  settings.registry.devices_max = static_cast<std::uint32_t>(std::max<std::uint64_t>(plan.devices(), 1));
  settings.partition = plan.index;
  // Its deployments run their share of the devices; the fleet-wide control decides.
  settings.governed_rollouts = true;
  settings.partitions = plan.count;
  // The global budget is the fleet's: each partition holds its devices'
  // share of it, so the partitions together never exceed it over any interval.
  const double share = static_cast<double>(plan.devices()) / static_cast<double>(std::max<std::uint64_t>(1, plan.fleet_devices));
  settings.rates.global.per_second *= share;
  settings.rates.global.burst *= share;
  settings.ca.ca_lifetime = s.cloud.ca_lifetime;
  settings.ca.rollover_lead = s.cloud.ca_rollover_lead;
  service_ = std::make_unique<cloud::security_service>(root, settings);
  tenant_ = accepted(service_->create_tenant("fleetsim"), "tenant");
  for (const auto& p : s.fleet.products) products_.push_back(accepted(service_->create_product(tenant_, p.name), "product " + p.name));
  make_groups();
  upload_images();
  std::uint64_t end = 0;
  for (const auto& g : s.fleet.groups) group_ends_.push_back(end += g.devices);
}

std::uint32_t fleet_setup::group_of(std::uint64_t index) const {
  FLEET_CHECK(index < plan_.fleet_devices, "a device of the fleet");
  return static_cast<std::uint32_t>(std::upper_bound(group_ends_.begin(), group_ends_.end(), index) - group_ends_.begin());
}

void fleet_setup::make_groups() {
  for (const auto& g : s_.fleet.groups) {
    const cloud::product_id product = products_[g.product];
    cloud::group_id id = cloud::no_group;
    for (const cloud::group_id existing : service_->devices().product(product)->groups) {
      if (service_->devices().group(existing)->name == g.name) id = existing;
    }
    if (id == cloud::no_group) {
      id = accepted(service_->create_group(product, g.name, input::update_policy_of(g), cloud::os_feed::retail),
                    "group " + g.name);
    }
    groups_.push_back(id);
  }
}

void fleet_setup::upload_images() {
  for (const auto& image : s_.images) {
    wire::image_spec spec;
    spec.component = fw::to_wire(image.component);
    spec.image_name = image.name;
    spec.version = image.version.to_string();
    spec.product = s_.fleet.products[image.product].name;
    spec.security_version = image.security_version;
    spec.hardware_revisions = image.hardware_revisions;
    spec.expires_at_us = run_epoch_us + image.expires.count();
    spec.chunk_size_bytes = fleet_chunk_bytes;
    const std::string content = wire::synthetic_image_content(image.name, spec.version, image.size_bytes);
    image_ids_.push_back(accepted(service_->upload_image(cloud::sim_time{0}, spec, content), "image " + image.ref()));
    store_.register_image(cloud::built_image_of(*service_->images().find(image_ids_.back())));
    behaviour_.set(image.name, image.version, image.behaviour);
  }
  // Per product: a config per hardware revision, and the factory boot chain.
  fw::rom rom;
  rom.service_root_key = root_public_;
  for (const auto& k : service_->trusted_image_keys()) rom.image_signing_keys.push_back({k.id, k.key});
  product_data_.resize(s_.fleet.products.size());
  for (std::size_t p = 0; p < s_.fleet.products.size(); ++p) {
    for (const auto& rev : s_.fleet.products[p].revisions) {
      fw::config c;
      c.rom_keys = rom;
      c.product = s_.fleet.products[p].name;
      c.hardware_revision = rev.name;
      c.guardian = s_.fleet.products[p].guards.has_value();
      const input::device_timing& timing = s_.fleet.products[p].timing;
      c.timers.update_check_interval = timing.update_check_interval;
      c.timers.attestation_renew_min = timing.renewal_min;
      c.timers.attestation_renew_max = timing.renewal_max;
      product_data_[p].configs.push_back(std::move(c));
    }
  }
  std::vector<std::size_t> firmware = s_.fleet.firmware;
  std::sort(firmware.begin(), firmware.end(), [&](std::size_t a, std::size_t b) {
    return s_.images[a].component < s_.images[b].component;
  });
  for (const std::size_t i : firmware) {
    product_data& product = product_data_[s_.images[i].product];
    product.boot_chain.push_back(cloud::built_image_of(*service_->images().find(image_ids_[i])));
    if (s_.images[i].component == fw::component::legacy_firmware) product.legacy_firmware = i;
  }
}

void fleet_setup::create_deployments() {
  for (const auto& d : s_.deployments) {
    cloud::deployment_spec spec;
    spec.group = groups_[d.group];
    spec.name = d.name;
    spec.policy = d.rollout;
    if (spec.policy.waves.by == cloud::wave_plan::kind::count) {
      for (std::uint32_t& size : spec.policy.waves.sizes) {
        size = std::max<std::uint32_t>(1, size / plan_.count + (plan_.index < size % plan_.count ? 1 : 0));
      }
    }
    spec.repair = d.repair;
    for (const std::size_t i : d.images) spec.images.push_back(image_ids_[i]);
    if (d.rollback_image) spec.rollback_image = image_ids_[*d.rollback_image];
    accepted(service_->create_deployment(cloud::sim_time{0}, spec), "deployment " + d.name);
  }
}

std::vector<wire::SignedManifest> fleet_setup::signed_manifests() const {
  std::vector<wire::SignedManifest> out;
  for (const crypto::digest& id : image_ids_) out.push_back(service_->images().find(id)->signed_manifest);
  return out;
}

fleet_setup::signed_images fleet_setup::signed_image_digests() const {
  std::vector<std::pair<crypto::digest, std::size_t>> pairs;
  for (std::size_t i = 0; i < image_ids_.size(); ++i) {
    pairs.emplace_back(cloud::built_image_of(*service_->images().find(image_ids_[i])).image_digest, i);
  }
  std::sort(pairs.begin(), pairs.end());
  signed_images out;
  for (const auto& [digest, index] : pairs) {
    out.digests.push_back(digest);
    out.scenario_image.push_back(index);
  }
  return out;
}

fw::sim_time fleet_setup::power_on_at(std::uint64_t index) const {
  const input::group& g = s_.fleet.groups[group_of(index)];
  const duration spread = s_.fleet.products[g.product].timing.power_on_spread;
  crypto::random_stream power(s_.seed, device_entity(index), "power-on");
  // below(1) is 0: a spread of 0 powers every device on at time zero.
  const auto bound = static_cast<std::uint64_t>(std::max<std::int64_t>(1, spread.count()));
  return fw::sim_time{static_cast<std::int64_t>(power.below(bound))};
}

std::unique_ptr<device_host> fleet_setup::make_device(std::uint64_t index, std::vector<device_action> faults) {
  FLEET_CHECK(plan_.holds(index), "a device of this partition");
  const fw::sim_time power_on_at = this->power_on_at(index);
  const std::uint32_t group = group_of(index);
  const input::group& g = s_.fleet.groups[group];
  product_data& product = product_data_[g.product];
  const std::size_t revision = revision_of(s_.fleet.products[g.product], s_.seed, index);
  device::device_spec spec;
  spec.run_seed = s_.seed;
  spec.device_index = index;
  spec.config = &product.configs[revision];
  spec.behaviour = &behaviour_;
  if (const auto& guards = s_.fleet.products[g.product].guards) {
    // The legacy device runs the image the guardian holds from the factory
    // (provisioned below with the boot chain), so the two agree on what it runs.
    const input::image& firmware = s_.images[product.legacy_firmware];
    spec.guardian = true;
    spec.legacy.firmware_version = firmware.version;
    spec.legacy.firmware_size_bytes = firmware.size_bytes;
    spec.legacy.reading_interval = guards->reading_interval;
    spec.legacy.first_reading_at = power_on_at + guards->reading_interval;
  }
  const auto cell = static_cast<std::uint16_t>(first_cells_[group] + revision);
  auto host = std::make_unique<device_host>(spec, store_, power_on_at, std::move(faults), cell);
  for (std::size_t c = 0; c < product.boot_chain.size(); ++c) {
    device::provision(host->device().flash(), static_cast<fw::component>(c), fw::slot::a, product.boot_chain[c]);
  }
  // The manufacturer's key record, then the operator claims it into its group.
  const crypto::device_id id =
      accepted(service_->register_device_key(host->device().secure_element().device_public_key()), "device key");
  const std::string hex = crypto::to_hex(crypto::as_view(id));
  const auto claimed = accepted(service_->claim_devices(tenant_, {hex}), "claim");
  FLEET_CHECK(claimed.front() == cloud::claim_result::claimed, "a fleet device was claimed twice");
  // The cloud's device index is the device's slot in the partition: what
  // the cloud side picks by index (a mirror's devices) maps back to it.
  const cloud::device_index in_registry = accepted(service_->move_device(hex, groups_[group_of(index)]), "move");
  FLEET_CHECK(in_registry == plan_.slot_of(index), "a fleet device has another index in the cloud's registry");
  return host;
}

}  // namespace fleet::actors
