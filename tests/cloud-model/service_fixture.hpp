#pragma once
// The security service with a tenant, a product and the factory images, and
// REAL firmware cores talking to it (device_world over a service_endpoint):
// shared by the service's tests.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fleet/cloud/security_service.hpp"
#include "fleet/testing/device_world.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/wire/envelope.hpp"
#include "service_state.pb.h"

namespace fleet::cloud {

using fleet::testing::device_world;
using fleet::testing::service_endpoint;

inline service_settings default_settings(std::uint32_t shards = 1) {
  service_settings s;
  s.seed = 7;
  s.shard_count = shards;
  s.wall_clock_at_zero = std::chrono::microseconds(testing::default_epoch_us);
  return s;
}

inline rollout_policy staged_policy(sim_time now) {
  rollout_policy p;
  p.start_at = now;
  p.waves = wave_plan::by_percent({50, 100});
  p.gate.success_threshold = 0.5;
  return p;
}

/// A service with tenant "contoso", product "thermostat" and the factory
/// images uploaded; devices enrolled into its Production group.
struct service_fixture {
  explicit service_fixture(service_settings settings = default_settings())
      : service(keys.service_root, settings) {
    tenant = service.create_tenant("contoso").value;
    product = service.create_product(tenant, testing::default_product).value;
    production = service.default_group_of(product, cloud::default_group::production).value;
    factory = testing::upload_factory_images(service, keys);
  }

  std::unique_ptr<device_world> make_world(testing::cloud_endpoint& endpoint, std::uint64_t seed = 1) {
    testing::world_options o;
    o.seed = seed;
    o.endpoint = &endpoint;
    o.rom = testing::service_rom(service, keys.service_root.public_key_bytes);
    o.factory = factory;
    auto w = std::make_unique<device_world>(o);
    enroll(w->device().secure_element().device_public_key());
    return w;
  }

  std::string enroll(const crypto::public_key& key) {
    const auto id = service.register_device_key(key);
    EXPECT_TRUE(id.ok());
    const std::string hex = crypto::to_hex(crypto::as_view(id.value));
    const auto claimed = service.claim_devices(tenant, {hex});
    EXPECT_TRUE(claimed.ok());
    EXPECT_TRUE(service.move_device(hex, production).ok());
    return hex;
  }

  wire::built_image upload_app(sim_time now, const std::string& version) {
    const auto spec = testing::image_spec_for(wire::APP, version);
    const auto image = testing::make_image(keys, spec, testing::factory_image_bytes(wire::APP));
    const auto r = service.upload_image(now, spec, testing::image_content(image));
    EXPECT_TRUE(r.ok()) << r.message;
    return testing::built_from(*service.images().find(r.value));
  }

  deployment_id deploy(sim_time now, const wire::built_image& image, rollout_policy policy) {
    deployment_spec spec;
    spec.group = production;
    spec.images = {image.image_digest};
    spec.policy = std::move(policy);
    spec.name = "v" + image.manifest.version();
    const auto r = service.create_deployment(now, spec);
    EXPECT_TRUE(r.ok()) << r.message;
    return r.value.id;
  }

  /// Uploads an image of `spec` and returns a staged deployment of it to Production.
  deployment_spec spec_for(const wire::image_spec& spec, std::uint64_t size_bytes) {
    const auto image = testing::make_image(keys, spec, size_bytes);
    const auto up = service.upload_image(sim_time{0}, spec, testing::image_content(image));
    EXPECT_TRUE(up.ok()) << up.message;
    deployment_spec d;
    d.group = production;
    d.images = {up.value};
    d.policy = staged_policy(sim_time{0});
    return d;
  }

  testing::test_keys keys{1};
  security_service service;
  tenant_id tenant = 0;
  product_id product = 0;
  group_id production = 0;
  std::vector<wire::built_image> factory;
};


inline bool attested(const device_world& w) { return w.count(fw::record_kind::attested) > 0; }

/// The last envelope the device sent with this body.
inline std::optional<wire::Envelope> last_sent(const device_world& w, wire::Envelope::BodyCase body) {
  for (auto it = w.sent_by_device().rbegin(); it != w.sent_by_device().rend(); ++it) {
    wire::Envelope e;
    if (e.ParseFromString(*it) && e.body_case() == body) return e;
  }
  return std::nullopt;
}

inline std::optional<wire::Envelope> last_received(const device_world& w, wire::Envelope::BodyCase body) {
  for (auto it = w.sent_to_device().rbegin(); it != w.sent_to_device().rend(); ++it) {
    wire::Envelope e;
    if (e.ParseFromString(*it) && e.body_case() == body) return e;
  }
  return std::nullopt;
}

inline wire::Envelope reply_of(const std::vector<std::string>& replies) {
  EXPECT_EQ(replies.size(), 1u);
  wire::Envelope e;
  if (!replies.empty()) {
    EXPECT_TRUE(e.ParseFromString(replies.front()));
  }
  return e;
}

// ---------------------------------------------------------------- lifecycle

struct attested_fixture : service_fixture {
  attested_fixture() {
    using namespace std::chrono_literals;
    world = make_world(link);
    world->power_on();
    EXPECT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
    world->run_for(2min);  // update check and telemetry settle: the device is idle
  }
  service_endpoint link{service, 1};
  std::unique_ptr<device_world> world;
};

/// A request in the attested device's name authenticated by its
/// certificate, with a proof signed by `signer` (none: the device's own key).
inline wire::Envelope certificate_request(device_world& w, const wire::Envelope& issued, std::uint64_t sequence,
                                          const crypto::secret_key* signer = nullptr) {
  wire::Envelope e;
  e.set_device_id(issued.device_id());
  e.set_sequence(sequence);
  *e.mutable_certificate() = issued.certificate_issued().certificate();
  e.mutable_update_check()->set_product(testing::default_product);
  if (signer != nullptr) {
    wire::prove_possession(e, *signer);
  } else {
    e.set_certificate_proof(crypto::to_string(w.device().secure_element().sign(wire::certificate_proof_input(e))));
  }
  return e;
}

/// A service's snapshot, part by part, serialized.
using parts = std::vector<std::string>;

inline parts saved(const security_service& s) {
  parts out;
  s.save([&](const state::ServicePart& p) { out.push_back(p.SerializeAsString()); });
  return out;
}

/// Restores `snapshot` into a service fresh from construction.
inline restore_status restore_into(security_service& fresh, const parts& snapshot) {
  std::size_t next = 0;
  return fresh.restore([&](state::ServicePart& p) { return next < snapshot.size() && p.ParseFromString(snapshot[next++]); });
}

}  // namespace fleet::cloud
