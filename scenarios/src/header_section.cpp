// name, seed and duration of a scenario.
#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "sections.hpp"

namespace fleet::scenario {

void read_header(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  checker c(ctx, at, "scenario");
  if (c.name("name", in.name())) out.name = in.name();
  if (in.has_seed()) out.seed = in.seed();
  if (in.duration().empty()) {
    c.fail("duration", "missing: how long the run lasts, e.g. \"7d\"");
  } else if (const auto d = c.duration("duration", in.duration(), {})) {
    if (c.duration_in("duration", *d, duration{0}, run_duration_max, /*min_open=*/true)) out.length = *d;
  }
}

void read_cloud(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  if (!in.has_cloud()) return;
  checker c(ctx, at.nested("cloud"), "cloud");
  const auto lifetime = c.duration("ca_lifetime", in.cloud().ca_lifetime(), out.cloud.ca_lifetime);
  const auto lead = c.duration("ca_rollover_lead", in.cloud().ca_rollover_lead(), out.cloud.ca_rollover_lead);
  if (!lifetime || !lead) return;
  // Certificates live 24 h: a CA must outlive a few of them.
  if (!c.duration_in("ca_lifetime", *lifetime, 2 * 24h, 10 * 365 * 24h)) return;
  if (!c.duration_in("ca_rollover_lead", *lead, 24h, *lifetime - 24h)) return;
  out.cloud = {*lifetime, *lead};
}

}  // namespace fleet::scenario
