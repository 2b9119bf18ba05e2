#include "fleet/device/behaviour.hpp"

#include "fleet/check.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::device {
namespace {

bool is_probability(double p) { return p >= 0 && p <= 1; }

}  // namespace

double version_behaviour::boot_failure_for(std::string_view hardware_revision) const {
  for (const auto& [revision, p] : boot_failure_by_revision)
    if (revision == hardware_revision) return p;
  return boot_failure_probability;
}

behaviour_model::behaviour_model(version_behaviour fallback) : fallback_(std::move(fallback)) {}

void behaviour_model::set(std::string image_name, const wire::version& v, version_behaviour b) {
  FLEET_CHECK(table_.size() < behaviour_entries_max || table_.count(std::pair(image_name, v)),
                     "behaviour table past behaviour_entries_max");
  FLEET_CHECK(b.boot_failure_by_revision.size() <= wire::hardware_revisions_max,
                     "more revision overrides than hardware_revisions_max");
  FLEET_CHECK(is_probability(b.boot_failure_probability) &&
                         is_probability(b.health_check_failure_probability),
                     "probability outside [0, 1]");
  for (const auto& override_entry : b.boot_failure_by_revision)
    FLEET_CHECK(is_probability(override_entry.second), "probability outside [0, 1]");
  FLEET_CHECK(b.crash_rate_per_hour >= 0, "negative crash rate");
  FLEET_CHECK(b.boot_duration.count() >= 0, "negative boot duration");
  table_.insert_or_assign(key(std::move(image_name), v), std::move(b));
}

const version_behaviour& behaviour_model::lookup(std::string_view image_name,
                                                 const wire::version& v) const {
  auto it = table_.find(std::pair<std::string_view, wire::version>(image_name, v));
  return it == table_.end() ? fallback_ : it->second;
}

}  // namespace fleet::device
