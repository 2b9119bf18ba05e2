#pragma once
// Small fleets for the engine's tests, as scenario text: what a user writes.

#include <gtest/gtest.h>

#include <string>

#include "fleet/scenario/loader.hpp"

namespace fleet::actors::testing {

/// `devices` thermostats on two revisions take app 1.1.0 in two waves.
/// `app_behaviour`: the behaviour block of 1.1.0 (empty: a good build).
inline std::string staged_rollout(int devices, const std::string& app_behaviour = "",
                                  const std::string& abort = "") {
  return "name: \"engine-test\"\n"
         "seed: 7\n"
         "duration: \"4d\"\n"
         "fleet {\n"
         "  product { name: \"thermostat\" hardware_rev { name: \"A\" share: 0.5 } hardware_rev { name: \"B\" share: 0.5 } }\n"
         "  group { name: \"Production\" product: \"thermostat\" devices: " + std::to_string(devices) + " }\n"
         "  firmware: \"boot@1.0.0\" firmware: \"mon@1.0.0\" firmware: \"os@1.0.0\" firmware: \"app@1.0.0\"\n"
         "  network { latency_median: \"40ms\" latency_p99: \"200ms\" }\n"
         "}\n"
         "image { name: \"boot\" version: \"1.0.0\" component: BOOTLOADER product: \"thermostat\" size: \"16KiB\" }\n"
         "image { name: \"mon\" version: \"1.0.0\" component: SECURITY_MONITOR product: \"thermostat\" size: \"16KiB\" }\n"
         "image { name: \"os\" version: \"1.0.0\" component: OS product: \"thermostat\" size: \"32KiB\" }\n"
         "image { name: \"app\" version: \"1.0.0\" component: APP product: \"thermostat\" size: \"32KiB\" }\n"
         "image { name: \"app\" version: \"1.1.0\" component: APP product: \"thermostat\" security_version: 2 size: \"32KiB\" " +
         app_behaviour + " }\n"
         "deployment { name: \"app-1.1.0\" image: \"app@1.1.0\" group: \"Production\" start: \"1h\"\n"
         "  rollout { wave { percent: 20 } wave { percent: 100 } gate { success_threshold: 0.9 min_wave_duration: \"2h\" } " +
         abort + " } }\n";
}

/// `devices` guardians, each fronting a legacy device that takes a reading
/// every `reading_interval`, take legacy firmware 2.0.0 in two waves
/// (a device whose download failed is offered it again).
inline std::string guardian_fleet(int devices, const std::string& reading_interval = "1h") {
  return "name: \"guardian-test\"\n"
         "seed: 7\n"
         "duration: \"3d\"\n"
         "fleet {\n"
         "  product { name: \"pump\" hardware_rev { name: \"A\" share: 1 } guardian { reading_interval: \"" +
         reading_interval + "\" } }\n"
         "  group { name: \"Production\" product: \"pump\" devices: " + std::to_string(devices) + " }\n"
         "  firmware: \"boot@1.0.0\" firmware: \"mon@1.0.0\" firmware: \"os@1.0.0\" firmware: \"app@1.0.0\"\n"
         "  firmware: \"legacy@1.0.0\"\n"
         "  network { latency_median: \"40ms\" latency_p99: \"200ms\" }\n"
         "}\n"
         "image { name: \"boot\" version: \"1.0.0\" component: BOOTLOADER product: \"pump\" size: \"16KiB\" }\n"
         "image { name: \"mon\" version: \"1.0.0\" component: SECURITY_MONITOR product: \"pump\" size: \"16KiB\" }\n"
         "image { name: \"os\" version: \"1.0.0\" component: OS product: \"pump\" size: \"32KiB\" }\n"
         "image { name: \"app\" version: \"1.0.0\" component: APP product: \"pump\" size: \"32KiB\" }\n"
         "image { name: \"legacy\" version: \"1.0.0\" component: LEGACY_FIRMWARE product: \"pump\" size: \"48KiB\" }\n"
         "image { name: \"legacy\" version: \"2.0.0\" component: LEGACY_FIRMWARE product: \"pump\" "
         "security_version: 2 size: \"64KiB\" }\n"
         "deployment { name: \"legacy-2.0.0\" image: \"legacy@2.0.0\" group: \"Production\" start: \"1h\"\n"
         "  rollout { wave { percent: 20 } wave { percent: 100 } gate { success_threshold: 0.5 min_wave_duration: \"2h\" }"
         " retries { failed: 3 } } }\n";
}
/// guardian_fleet's images, in scenario order.
inline constexpr std::size_t guardian_legacy_1_0_0 = 4, guardian_legacy_2_0_0 = 5;

inline scenario::scenario load(const std::string& text) {
  scenario::load_result r = scenario::load_text(text, "test.textproto");
  for (const auto& e : r.errors) ADD_FAILURE() << scenario::to_string(e);
  return r.value ? *r.value : scenario::scenario{};
}

}  // namespace fleet::actors::testing
