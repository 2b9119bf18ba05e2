#include "fleet/cloud_server/operator_rates.hpp"

#include <algorithm>

#include "fleet/check.hpp"

namespace fleet::cloud_server {

const char* name_of(operator_operation op) {
  switch (op) {
    case operator_operation::rotation: return "image-signing key rotations";
    case operator_operation::upload: return "image uploads";
    case operator_operation::deployment: return "deployments";
  }
  return "?";
}

std::optional<operator_operation> operation_of(const state::Command& command) {
  switch (command.kind_case()) {
    case state::Command::kRotateImageSigningKey: return operator_operation::rotation;
    case state::Command::kUploadImage: return operator_operation::upload;
    case state::Command::kCreateDeployment: return operator_operation::deployment;
    default: return std::nullopt;
  }
}

operator_rates::operator_rates(operator_rate_limits limits)
    : rates_{limits.rotations, limits.uploads, limits.deployments} {
  for (const operation_rate& r : rates_) FLEET_CHECK(r.burst >= 1 && r.interval.count() > 0, "an empty operator rate");
}

cloud::duration operator_rates::wait(operator_operation op, cloud::sim_time now) const {
  const operation_rate& r = rates_[index(op)];
  // The bucket holds `burst` when full_at <= now; each run pushes full_at
  // one interval later. A run fits while full_at stays within
  // (burst - 1) intervals of now.
  const cloud::duration tolerance = r.interval * (r.burst - 1);
  const cloud::sim_time allowed_at = full_at_[index(op)] - tolerance;
  return allowed_at > now ? allowed_at - now : cloud::duration{0};
}

void operator_rates::charge(operator_operation op, cloud::sim_time now) {
  cloud::sim_time& full_at = full_at_[index(op)];
  full_at = std::max(full_at, now) + rates_[index(op)].interval;
}

}  // namespace fleet::cloud_server
