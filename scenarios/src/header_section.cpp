// name, seed and duration of a scenario, and what it sets of the cloud.
#include <algorithm>

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

namespace {

void read_ca(checker& c, const Cloud& in, cloud_settings& out) {
  const auto lifetime = c.duration("ca_lifetime", in.ca_lifetime(), out.ca_lifetime);
  const auto lead = c.duration("ca_rollover_lead", in.ca_rollover_lead(), out.ca_rollover_lead);
  if (!lifetime || !lead) return;
  // Certificates live 24 h: a CA must outlive a few of them.
  if (!c.duration_in("ca_lifetime", *lifetime, 2 * 24h, 10 * 365 * 24h)) return;
  if (!c.duration_in("ca_rollover_lead", *lead, 24h, *lifetime - 24h)) return;
  out.ca_lifetime = *lifetime;
  out.ca_rollover_lead = *lead;
}

void read_key_rotations(checker& c, const Cloud& in, duration run_length, cloud_settings& out) {
  if (!c.at_most("image_key_rotation", in.image_key_rotation_size(), image_key_rotations_max)) return;
  for (int i = 0; i < in.image_key_rotation_size(); ++i) {
    checker r = c.nested("image_key_rotation", i);
    const std::string& text = in.image_key_rotation(i).at();
    if (text.empty()) {
      r.fail("at", "missing: when the key is rotated, since the start of the run");
      continue;
    }
    const auto when = r.duration("at", text, {});
    if (when && r.before_end("at", *when, run_length)) out.image_key_rotations.push_back(*when);
  }
  std::sort(out.image_key_rotations.begin(), out.image_key_rotations.end());
}

}  // namespace

void read_cloud(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  if (!in.has_cloud()) return;
  checker c(ctx, at.nested("cloud"), "cloud");
  read_ca(c, in.cloud(), out.cloud);
  read_key_rotations(c, in.cloud(), out.length, out.cloud);
}

}  // namespace fleet::scenario
