#include "fleet/testing/service_setup.hpp"

#include <sstream>

#include "fleet/check.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/service_endpoint.hpp"

namespace fleet::testing {
namespace {

cloud::service_settings on_the_default_epoch(cloud::service_settings s) {
  s.wall_clock_at_zero = std::chrono::microseconds(default_epoch_us);
  return s;
}

bool final_state(cloud::rollout_state s) {
  return s == cloud::rollout_state::halted || s == cloud::rollout_state::aborted ||
         s == cloud::rollout_state::rollback_requested;
}

/// Splits one CSV line of the export; the version (last column) may be quoted.
std::vector<std::string> columns_of(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(std::move(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  out.push_back(std::move(cell));
  return out;
}

}  // namespace

cloud::rollout_policy release_policy(fw::sim_time now) {
  cloud::rollout_policy p;
  p.start_at = now;
  p.retries.failed = cloud::retries_max;
  p.retries.rejected = cloud::retries_max;
  p.retries.timed_out = cloud::retries_max;
  return p;
}

service_setup::service_setup(const test_keys& keys, cloud::service_settings settings)
    : root_(keys.service_root.public_key_bytes), service_(keys.service_root, on_the_default_epoch(settings)) {
  const auto tenant = service_.create_tenant(default_tenant);
  FLEET_CHECK(tenant.ok(), "service_setup: tenant refused");
  tenant_ = tenant.value;
  const auto product = service_.create_product(tenant_, default_product);
  FLEET_CHECK(product.ok(), "service_setup: product refused");
  const auto group = service_.default_group_of(product.value, cloud::default_group::production);
  FLEET_CHECK(group.ok(), "service_setup: no Production group");
  group_ = group.value;
  factory_ = upload_factory_images(service_, keys);
}

std::string service_setup::enroll(const crypto::public_key& device_key) {
  const auto id = service_.register_device_key(device_key);
  FLEET_CHECK(id.ok(), "service_setup: device key refused");
  std::string hex = crypto::to_hex(crypto::as_view(id.value));
  const auto claimed = service_.claim_devices(tenant_, {hex});
  FLEET_CHECK(claimed.ok() && claimed.value.size() == 1 && (claimed.value[0] == cloud::claim_result::claimed ||
                                                             claimed.value[0] == cloud::claim_result::already_claimed),
              "service_setup: device not claimed");
  FLEET_CHECK(service_.move_device(hex, group_).ok(), "service_setup: device not moved into the group");
  return hex;
}

wire::built_image service_setup::upload(fw::sim_time now, const wire::built_image& image) {
  return upload_built(service_, image, now);
}

wire::built_image service_setup::publish(fw::sim_time now, const wire::built_image& image) {
  wire::built_image stored = upload(now, image);
  for (const release& r : releases_) {
    if (r.component != stored.manifest.component()) continue;
    const auto status = service_.deployment_status(r.deployment);
    if (status.ok() && !final_state(status.value.state)) {
      FLEET_CHECK(service_.halt(now, r.deployment).ok(), "service_setup: superseded deployment not halted");
    }
  }
  cloud::deployment_spec spec;
  spec.group = group_;
  spec.images = {stored.image_digest};
  spec.policy = release_policy(now);
  spec.name = stored.manifest.image_name() + " " + stored.manifest.version();
  const auto created = service_.create_deployment(now, spec);
  FLEET_CHECK(created.ok(), "service_setup: deployment refused");
  releases_.push_back({stored.image_digest, stored.manifest.component(), created.value.id});
  return stored;
}

std::optional<cloud::deployment_id> service_setup::deployment_of(const crypto::digest& image_digest) const {
  for (auto it = releases_.rbegin(); it != releases_.rend(); ++it) {
    if (it->image == image_digest) return it->deployment;
  }
  return std::nullopt;
}

cloud::rollout_status service_setup::status_of(const crypto::digest& image_digest) const {
  const auto deployment = deployment_of(image_digest);
  FLEET_CHECK(deployment.has_value(), "service_setup: image not published");
  const auto status = service_.deployment_status(*deployment);
  FLEET_CHECK(status.ok(), "service_setup: published deployment not found");
  return status.value;
}

fw::rom service_setup::rom(const std::vector<std::uint32_t>& image_key_ids) const {
  const fw::rom all = service_rom(service_, root_);
  fw::rom out;
  out.service_root_key = all.service_root_key;
  for (const std::uint32_t id : image_key_ids) {
    bool found = false;
    for (const auto& k : all.image_signing_keys) {
      if (k.id != id) continue;
      out.image_signing_keys.push_back(k);
      found = true;
    }
    FLEET_CHECK(found, "service_setup::rom: the service has no image-signing key with this id");
  }
  return out;
}

void service_setup::ensure_image_key(fw::sim_time now, std::uint32_t id) {
  while (service_.images().current_key_id() < id) {
    FLEET_CHECK(service_.rotate_image_signing_key(now).ok(), "service_setup: image-signing key not made");
  }
}

std::vector<exported_event> service_setup::events(fw::sim_time now, const crypto::device_id& id) const {
  const auto csv = service_.export_error_reports(now, tenant_, crypto::to_hex(crypto::as_view(id)));
  FLEET_CHECK(csv.ok(), "service_setup: export refused");
  std::vector<exported_event> out;
  std::istringstream lines(csv.value);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    const auto c = columns_of(line);
    FLEET_CHECK(c.size() == 7, "service_setup: export row without 7 columns");
    out.push_back({c[2], std::stoi(c[3]), std::stoi(c[4]), c[5], c[6]});
  }
  return out;
}

}  // namespace fleet::testing
