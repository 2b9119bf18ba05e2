#include "fleet/actors/run_input.hpp"

#include <algorithm>

#include "fleet/cloud/registry.hpp"
#include "fleet/overloaded.hpp"

namespace fleet::actors::input {

cloud::group_update_policy update_policy_of(const group& g) {
  for (std::size_t i = 0; i < cloud::default_group_count; ++i) {
    const auto which = static_cast<cloud::default_group>(i);
    if (g.name == cloud::name_of(which)) return cloud::default_policy_of(which);
  }
  return cloud::group_update_policy::update_all;
}

std::uint64_t run_input::device_count() const {
  std::uint64_t n = 0;
  for (const group& g : fleet.groups) n += g.devices;
  return n;
}

std::uint32_t run_input::partition_count() const {
  const std::uint64_t devices = std::max<std::uint64_t>(1, device_count());
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(cloud.partitions.value_or(partitions_for(devices)), devices));
}

std::uint32_t partitions_for(std::uint64_t devices) {
  // Enough to share two to sixteen cores; more costs a message and a
  // report per partition at every tick (quickstart at 100,000 devices on 2
  // threads: 128.8 s with 16, 135.5 s with 64, bench/README.md).
  constexpr std::uint32_t default_max = 16;
  std::uint32_t p = 1;
  while (p < default_max && std::uint64_t{p} * 2 * 1000 <= devices) p *= 2;
  return p;
}

const char* kind_name(const fault_kind& k) {
  return std::visit(overloaded{[](const cloud_outage&) { return "cloud_outage"; },
                               [](const partition&) { return "partition"; },
                               [](const degraded_network&) { return "degraded_network"; },
                               [](const power_loss&) { return "power_loss"; },
                               [](const offline&) { return "offline"; },
                               [](const clock_jump&) { return "clock_jump"; },
                               [](const bit_rot&) { return "bit_rot"; },
                               [](const slow_link&) { return "slow_link"; }},
                    k);
}

const char* kind_name(const attack_kind& k) {
  return std::visit(overloaded{[](const spoofed_identity&) { return "spoofed_identity"; },
                               [](const cloned_identity&) { return "cloned_identity"; },
                               [](const replayed_evidence&) { return "replayed_evidence"; },
                               [](const man_in_the_middle&) { return "man_in_the_middle"; },
                               [](const request_flood&) { return "request_flood"; },
                               [](const rogue_image&) { return "rogue_image"; },
                               [](const tampered_image&) { return "tampered_image"; },
                               [](const rollback_image&) { return "rollback_image"; },
                               [](const mix_and_match&) { return "mix_and_match"; },
                               [](const freeze&) { return "freeze"; },
                               [](const endless_data&) { return "endless_data"; },
                               [](const forged_certificate&) { return "forged_certificate"; },
                               [](const expired_certificate&) { return "expired_certificate"; },
                               [](const leaked_signing_key&) { return "leaked_signing_key"; },
                               [](const stolen_certificate&) { return "stolen_certificate"; },
                               [](const victim_lockout&) { return "victim_lockout"; },
                               [](const nonce_burning&) { return "nonce_burning"; }},
                    k);
}

bool spares_its_victims(const attack_kind& k) {
  return !std::holds_alternative<cloned_identity>(k) && !std::holds_alternative<request_flood>(k) &&
         !std::holds_alternative<man_in_the_middle>(k) && !in_the_mirror(k);
}

bool in_the_mirror(const attack_kind& k) {
  return std::holds_alternative<rogue_image>(k) || std::holds_alternative<tampered_image>(k) ||
         std::holds_alternative<rollback_image>(k) || std::holds_alternative<mix_and_match>(k) ||
         std::holds_alternative<freeze>(k) || std::holds_alternative<endless_data>(k) ||
         std::holds_alternative<leaked_signing_key>(k);
}

}  // namespace fleet::actors::input
