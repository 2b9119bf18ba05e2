#pragma once
// The firmware's attack tests: a device world to start from, and what they
// ask of it afterwards.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"

namespace fleet::testing {

/// A device powered on and holding its certificate.
inline std::unique_ptr<device_world> attested(world_options options = {}) {
  auto w = std::make_unique<device_world>(std::move(options));
  w->power_on();
  EXPECT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, std::chrono::minutes(1)));
  return w;
}

/// Inputs the firmware refused for `r`.
inline std::uint32_t rejected(const device_world& w, fw::reject_reason r) {
  return w.firmware().stats().rejected[static_cast<std::size_t>(r)];
}

/// Whether software with this image digest ever started.
inline bool ran(const device_world& w, const crypto::digest& image) {
  for (const auto& r : w.records()) {
    if (r.kind == fw::record_kind::software_started && r.digest == image) return true;
  }
  return false;
}

/// An offered image refused on its manifest for `why`: never downloaded,
/// never run, the factory app (1.0.0) still running.
inline void expect_refused_on_its_manifest(const device_world& w, const wire::built_image& image,
                                           fw::reject_reason why) {
  EXPECT_GT(rejected(w, why), 0u);
  EXPECT_EQ(w.firmware().stats().chunks_downloaded, 0u);
  EXPECT_FALSE(ran(w, image.image_digest));
  EXPECT_EQ(w.firmware().running_version(fw::component::app), (wire::version{1, 0, 0}));
}

}  // namespace fleet::testing
