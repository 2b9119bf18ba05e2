#include "fleet/testing/images.hpp"

#include "fleet/check.hpp"

namespace fleet::testing {

std::string default_image_name(wire::Component component, const std::string& product) {
  switch (component) {
    case wire::BOOTLOADER: return "bootloader";
    case wire::SECURITY_MONITOR: return "security-monitor";
    case wire::OS: return "device-os";
    case wire::APP: return product + "-app";
    case wire::LEGACY_FIRMWARE: return product + "-legacy-firmware";
    default: break;
  }
  FLEET_CHECK(false, "default_image_name: not a software component");
  return {};
}

std::uint64_t factory_image_bytes(wire::Component component) {
  switch (component) {
    case wire::BOOTLOADER: return 16 * 1024;
    case wire::SECURITY_MONITOR: return 16 * 1024;
    case wire::OS: return 64 * 1024;
    case wire::APP: return 32 * 1024;
    case wire::LEGACY_FIRMWARE: return 16 * 1024;
    default: break;
  }
  FLEET_CHECK(false, "factory_image_bytes: not a software component");
  return 0;
}

wire::image_spec image_spec_for(wire::Component component, const std::string& version,
                                const std::string& product) {
  wire::image_spec spec;
  spec.component = component;
  spec.image_name = default_image_name(component, product);
  spec.version = version;
  spec.product = product;
  spec.security_version = 1;
  spec.expires_at_us = default_image_expiry_us;
  spec.signing_key_id = 1;
  spec.chunk_size_bytes = test_chunk_bytes;
  return spec;
}

wire::built_image make_image(const test_keys& keys, const wire::image_spec& spec,
                             std::uint64_t size_bytes) {
  return wire::build_image(spec,
                           wire::synthetic_image_content(spec.image_name, spec.version, size_bytes),
                           keys.image_key(spec.signing_key_id).secret_key_bytes);
}

wire::built_image make_image(const test_keys& keys, wire::Component component,
                             const std::string& version, std::uint32_t security_version,
                             std::uint64_t size_bytes, std::uint32_t signing_key_id,
                             const std::string& product) {
  wire::image_spec spec = image_spec_for(component, version, product);
  spec.security_version = security_version;
  spec.signing_key_id = signing_key_id;
  return make_image(keys, spec, size_bytes == 0 ? factory_image_bytes(component) : size_bytes);
}

std::vector<wire::built_image> factory_images(const test_keys& keys, const std::string& product,
                                              const std::string& version) {
  std::vector<wire::built_image> images;
  for (wire::Component c : {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::APP}) {
    images.push_back(make_image(keys, c, version, 1, 0, 1, product));
  }
  return images;
}

std::string image_content(const wire::built_image& image) {
  std::string out;
  for (const auto& chunk : image.chunks) out += chunk;
  return out;
}

}  // namespace fleet::testing
