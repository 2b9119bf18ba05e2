// name, seed and duration of a scenario, and what it sets of the cloud.
#include <algorithm>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/rescale.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"

namespace fleet::scenario {

void read_header(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  checker c(ctx, at, "scenario");
  if (c.name("name", in.name())) out.name = in.name();
  if (in.has_seed()) out.seed = in.seed();
  if (in.has_min_devices() && c.count_in("min_devices", in.min_devices(), 1, fleet_devices_max)) {
    out.min_devices = in.min_devices();
  }
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

void read_engine(checker& c, const Cloud& in, cloud_settings& out) {
  if (const auto every = c.duration("control_interval", in.control_interval(), out.control_interval)) {
    if (c.duration_in("control_interval", *every, control_interval_min, control_interval_max)) {
      out.control_interval = *every;
    }
  }
  // More than the devices is allowed: a rescaled fleet (--devices) has at
  // most one partition a device (engine_input.cpp).
  if (in.has_partitions() && c.count_in("partitions", in.partitions(), 1, partitions_max)) {
    out.partitions = in.partitions();
  }
}

}  // namespace

void read_revocations(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out) {
  if (!in.has_cloud()) return;
  checker c(ctx, at.nested("cloud"), "cloud");
  if (!c.at_most("revoke", in.cloud().revoke_size(), revocations_max)) return;
  for (int i = 0; i < in.cloud().revoke_size(); ++i) {
    const Revocation& r = in.cloud().revoke(i);
    checker n = c.nested("revoke", i);
    const auto image = resolve_image(n, "image", -1, r.image(), known.images);
    std::optional<duration> when;
    if (r.at().empty()) {
      n.fail("at", "missing: when trust in the image is revoked, since the start of the run");
    } else {
      when = n.duration("at", r.at(), {});
      if (when && !n.before_end("at", *when, out.length)) when.reset();
    }
    if (!image || !when) continue;
    const bool again = std::any_of(out.cloud.revocations.begin(), out.cloud.revocations.end(),
                                   [&](const cloud_settings::revocation& earlier) { return earlier.image == *image; });
    if (again) {
      n.fail("image", quote(r.image()) + " is revoked twice");
      continue;
    }
    out.cloud.revocations.push_back({*image, *when});
  }
  std::stable_sort(out.cloud.revocations.begin(), out.cloud.revocations.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
}

void check_min_devices(const source_map& at, context& ctx, const scenario& s) {
  if (!s.min_devices) return;
  checker c(ctx, at, "scenario");
  const std::uint64_t declared = *s.min_devices;
  const std::uint64_t own = s.device_count();
  if (declared > own) {
    c.fail("min_devices", format_count(declared) + " is more than the fleet's own " + format_count(own) +
                              " devices, which the file means at");
    return;
  }
  // A smaller size the file vouches for must pass the floors rescale() applies on its own.
  if (const auto floor = below_automatic_floor(s, declared)) {
    c.fail("min_devices", format_count(declared) + " is below " + format_count(floor->smallest) + ", the least at which " +
                              floor->entity + " keeps " + floor->field + " meaningful: at " +
                              format_count(declared) + ", " + floor->problem);
  }
}

void read_cloud(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  if (!in.has_cloud()) return;
  checker c(ctx, at.nested("cloud"), "cloud");
  read_ca(c, in.cloud(), out.cloud);
  read_key_rotations(c, in.cloud(), out.length, out.cloud);
  read_engine(c, in.cloud(), out.cloud);
}

}  // namespace fleet::scenario
