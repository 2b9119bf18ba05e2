#pragma once
// Signed test images: synthetic content, signed with the test keys.

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::testing {

inline constexpr char default_product[] = "thermostat";
inline constexpr char default_hardware_revision[] = "rev-a";
/// 2026-01-01T00:00:00Z in microseconds: wall-clock time at sim_time zero.
inline constexpr std::int64_t default_epoch_us = 1767225600000000;
/// Images expire ten years after the default epoch unless a test says otherwise.
inline constexpr std::int64_t default_image_expiry_us =
    default_epoch_us + std::int64_t{10} * 365 * 24 * 3600 * 1000000;
inline constexpr std::uint32_t test_chunk_bytes = 4096;

/// Image name used for `component` when a test does not pick one.
std::string default_image_name(wire::Component component, const std::string& product);

/// Byte size of the factory image of each boot stage (16, 16, 64, 32 KiB).
std::uint64_t factory_image_bytes(wire::Component component);

/// A spec with the defaults above: product, every hardware revision, key 1,
/// 4 KiB chunks, default expiry, security version 1.
wire::image_spec image_spec_for(wire::Component component, const std::string& version,
                                const std::string& product = default_product);

/// Builds the image of `spec` from synthetic content of `size_bytes`, signed
/// with test image key `spec.signing_key_id` (1 or 2).
wire::built_image make_image(const test_keys& keys, const wire::image_spec& spec,
                             std::uint64_t size_bytes);

/// Shorthand for the common case.
wire::built_image make_image(const test_keys& keys, wire::Component component,
                             const std::string& version, std::uint32_t security_version = 1,
                             std::uint64_t size_bytes = 0 /* 0: factory size */,
                             std::uint32_t signing_key_id = 1,
                             const std::string& product = default_product);

/// The four boot stages (bootloader, security monitor, OS, app), in boot order,
/// at `version`, security version 1, signed with key 1.
std::vector<wire::built_image> factory_images(const test_keys& keys,
                                              const std::string& product = default_product,
                                              const std::string& version = "1.0.0");

/// The whole image as one string (the chunks joined).
std::string image_content(const wire::built_image& image);

}  // namespace fleet::testing
