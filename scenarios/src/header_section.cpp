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

}  // namespace fleet::scenario
