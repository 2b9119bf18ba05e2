#include "fleet/testing/service_endpoint.hpp"

#include "fleet/check.hpp"
#include "fleet/testing/images.hpp"

namespace fleet::testing {

wire::built_image built_from(const cloud::stored_image& image) { return cloud::built_image_of(image); }

fw::rom service_rom(const cloud::security_service& service, const crypto::public_key& service_root) {
  fw::rom rom;
  rom.service_root_key = service_root;
  for (const auto& k : service.trusted_image_keys()) rom.image_signing_keys.push_back({k.id, k.key});
  return rom;
}

wire::built_image upload_built(cloud::security_service& service, const wire::built_image& image, fw::sim_time now) {
  const wire::Manifest& m = image.manifest;
  wire::image_spec spec;
  spec.component = m.component();
  spec.image_name = m.image_name();
  spec.version = m.version();
  spec.product = m.product();
  spec.security_version = m.security_version();
  spec.hardware_revisions.assign(m.hardware_revisions().begin(), m.hardware_revisions().end());
  spec.expires_at_us = m.expires_at_us();
  spec.chunk_size_bytes = m.chunk_size_bytes();
  const auto r = service.upload_image(now, spec, image_content(image));
  FLEET_CHECK(r.ok(), "image refused by the service");
  return built_from(*service.images().find(r.value));
}

std::vector<wire::built_image> upload_factory_images(cloud::security_service& service, const test_keys& keys,
                                                     fw::sim_time now) {
  std::vector<wire::built_image> out;
  for (const auto& image : factory_images(keys)) out.push_back(upload_built(service, image, now));
  return out;
}

}  // namespace fleet::testing
