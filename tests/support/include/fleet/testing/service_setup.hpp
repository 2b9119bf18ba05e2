#pragma once
// The real security service (cloud-model) set up as a tenant's operator
// would for a test, the demo or a benchmark: tenant "contoso", product
// "thermostat" with its default groups, the factory boot chain uploaded (the
// service signs it, and its measurements become known good), devices
// enrolled into Production, releases deployed to that group. A device_world
// runs against one of these unless it is given another endpoint.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fleet/cloud/security_service.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::testing {

inline constexpr char default_tenant[] = "contoso";

/// One telemetry event as the operator's CSV export shows it.
struct exported_event {
  std::string kind;  ///< "booted", "app_crash", "update", "legacy_data", ...
  std::int32_t exit_status = 0;
  std::int32_t signal = 0;
  std::string update_outcome;  ///< "committed", "rolled_back", ...; empty for other kinds
  std::string version;
};

/// The policy publish() deploys with: the whole group in one wave from
/// `now`, no ramp, and a device whose attempt failed, was rejected or timed
/// out offered the image again at its next check (up to retries_max times),
/// as a cloud that keeps offering the current release does.
cloud::rollout_policy release_policy(fw::sim_time now);

class service_setup {
 public:
  /// The service signs with its own keys; `keys.service_root` is its root
  /// (the key device ROMs hold). Its wall clock starts at default_epoch_us.
  service_setup(const test_keys& keys, cloud::service_settings settings);

  cloud::security_service& service() { return service_; }
  const cloud::security_service& service() const { return service_; }
  cloud::tenant_id tenant() const { return tenant_; }
  cloud::group_id group() const { return group_; }
  /// The factory boot chain as the service signed it, in boot order.
  const std::vector<wire::built_image>& factory() const { return factory_; }

  /// Registers the device key (the manufacturer's record), claims the device
  /// into the tenant and moves it into the group; returns its hex ID.
  std::string enroll(const crypto::public_key& device_key);

  /// Uploads the content and spec of an image built on the device side; the
  /// service signs it. Returns the image as the service stores and serves it.
  wire::built_image upload(fw::sim_time now, const wire::built_image& image);
  /// Uploads the image and deploys it to the group with release_policy(now).
  /// A live deployment of the same component published before is halted
  /// first: the new release supersedes it.
  wire::built_image publish(fw::sim_time now, const wire::built_image& image);
  /// The deployment publish() made for the image with this digest.
  std::optional<cloud::deployment_id> deployment_of(const crypto::digest& image_digest) const;
  /// Its status; fails the check when the image was not published.
  cloud::rollout_status status_of(const crypto::digest& image_digest) const;

  /// The ROM of a device of this service: the root key and the service's
  /// image-signing keys with these ids (each must exist).
  fw::rom rom(const std::vector<std::uint32_t>& image_key_ids) const;
  /// Makes image-signing keys until the service holds `id`; new uploads are
  /// signed with the last one made.
  void ensure_image_key(fw::sim_time now, std::uint32_t id);

  /// The device's telemetry as the service stores it, oldest first, read
  /// from the operator's CSV export.
  std::vector<exported_event> events(fw::sim_time now, const crypto::device_id& id) const;

 private:
  struct release {
    crypto::digest image{};
    wire::Component component = wire::COMPONENT_UNSPECIFIED;
    cloud::deployment_id deployment = 0;
  };

  crypto::public_key root_{};
  cloud::security_service service_;
  cloud::tenant_id tenant_ = 0;
  cloud::group_id group_ = 0;
  std::vector<wire::built_image> factory_;
  std::vector<release> releases_;
};

}  // namespace fleet::testing
