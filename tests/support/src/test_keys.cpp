#include "fleet/testing/test_keys.hpp"

#include <utility>

#include "fleet/check.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::testing {

test_keys::test_keys(std::uint64_t seed) {
  crypto::random_stream stream(seed, 0, "test-keys");
  service_root = crypto::signing_key_from_seed(stream.next_seed());
  for (auto& key : tenant_ca) key = crypto::signing_key_from_seed(stream.next_seed());
  for (auto& key : image_signing) key = crypto::signing_key_from_seed(stream.next_seed());
}

const crypto::signing_key_pair& test_keys::ca(std::uint32_t id) const {
  FLEET_CHECK(id >= 1 && id <= key_slots, "test_keys::ca: no such tenant CA");
  return tenant_ca[id - 1];
}

const crypto::signing_key_pair& test_keys::image_key(std::uint32_t id) const {
  FLEET_CHECK(id >= 1 && id <= key_slots, "test_keys::image_key: no such image-signing key");
  return image_signing[id - 1];
}

fw::config test_keys::make_device_config(
    std::string product, std::string hardware_revision,
    const std::vector<std::uint32_t>& trusted_image_keys) const {
  fw::config cfg;
  cfg.rom_keys.service_root_key = service_root.public_key_bytes;
  for (std::uint32_t id : trusted_image_keys) {
    cfg.rom_keys.image_signing_keys.push_back({id, image_key(id).public_key_bytes});
  }
  cfg.product = std::move(product);
  cfg.hardware_revision = std::move(hardware_revision);
  return cfg;
}

}  // namespace fleet::testing
