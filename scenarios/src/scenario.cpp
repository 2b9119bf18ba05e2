#include "fleet/scenario/scenario.hpp"

#include <algorithm>
#include <variant>

#include "fleet/overloaded.hpp"

#include "fleet/cloud/registry.hpp"

namespace fleet::scenario {

const char* check_name(const check& c) {
  return std::visit(overloaded{[](const no_bricked_devices&) { return "no_bricked_devices"; },
                               [](const no_unsigned_code_ran&) { return "no_unsigned_code_ran"; },
                               [](const adoption&) { return "adoption"; },
                               [](const rollout_halted&) { return "rollout_halted"; },
                               [](const rollout_completed&) { return "rollout_completed"; },
                               [](const peak_request_rate&) { return "peak_request_rate"; },
                               [](const every_attack_stopped&) { return "every_attack_stopped"; },
                               [](const no_certificate_to_attackers&) { return "no_certificate_to_attackers"; },
                               [](const devices_attested&) { return "devices_attested"; },
                               [](const image_never_ran&) { return "image_never_ran"; },
                               [](const attestation_latency&) { return "attestation_latency"; },
                               [](const telemetry_accounted&) { return "telemetry_accounted"; },
                               [](const victims_attested&) { return "victims_attested"; },
                               [](const rolled_back_by_cloud&) { return "rolled_back_by_cloud"; },
                               [](const healed&) { return "healed"; },
                               [](const never_trusted_after_revocation&) { return "never_trusted_after_revocation"; },
                               [](const no_restricted_session_to_attackers&) {
                                 return "no_restricted_session_to_attackers";
                               },
                               [](const rollout_held_at_gate&) { return "rollout_held_at_gate"; }},
                    c);
}

std::vector<duration> census_times_of(const std::vector<expectation>& expectations) {
  std::vector<duration> out;
  for (const auto& e : expectations) {
    if (const auto* a = std::get_if<adoption>(&e.what)) out.push_back(a->by);
    if (const auto* a = std::get_if<devices_attested>(&e.what)) out.push_back(a->by);
    if (const auto* a = std::get_if<rolled_back_by_cloud>(&e.what)) out.push_back(a->by);
    if (const auto* h = std::get_if<healed>(&e.what)) out.push_back(h->by);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace fleet::scenario
