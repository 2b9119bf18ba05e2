// Expectations: the checkers a run is judged by, with what they refer to
// resolved (images, groups, deployments) and their bounds checked.
#include <algorithm>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"

namespace fleet::scenario {
namespace {

std::optional<std::size_t> find_deployment(checker& c, const std::string& name, const scenario& s) {
  if (name.empty()) {
    c.fail("deployment", "missing");
    return std::nullopt;
  }
  for (std::size_t d = 0; d < s.deployments.size(); ++d) {
    if (s.deployments[d].name == name) return d;
  }
  c.fail("deployment", "no deployment " + quote(name) + " in the scenario");
  return std::nullopt;
}

/// The end of a time range: `text`, or the run's end when empty.
std::optional<duration> time_or_end(checker& c, std::string_view field, const std::string& text, const scenario& s) {
  const auto t = c.duration(field, text, s.length);
  if (!t) return std::nullopt;
  if (*t > s.length && s.length.count() > 0) {
    c.fail(field, "after the end of the run (" + format_duration(s.length) + "), is " + format_duration(*t));
    return std::nullopt;
  }
  return t;
}

/// The group `name` of the image's product: empty is none (`ok`); unknown
/// fails at `group` and clears `ok`.
std::optional<std::size_t> product_group(checker& c, const std::string& name, const image& img, const names& known,
                                         const scenario& s, bool& ok) {
  ok = true;
  if (name.empty()) return std::nullopt;
  const std::string& product_name = s.fleet.products[img.product].name;
  const auto it = known.groups.find(group_key(product_name, name));
  if (it == known.groups.end()) {
    c.fail("group", "product " + quote(product_name) + " has no group " + quote(name) + " in the fleet");
    ok = false;
    return std::nullopt;
  }
  return it->second.index;
}

std::optional<check> read_adoption(const Adoption& in, checker& c, const names& known, const scenario& s) {
  adoption a;
  const auto found = resolve_image(c, "image", -1, in.image(), known.images);
  const bool percent_ok = c.in_range("percent", in.percent(), 0, 100, /*min_open=*/true);
  const auto by = time_or_end(c, "by", in.by(), s);
  if (!found || !percent_ok || !by) return std::nullopt;
  const image& img = s.images[*found];
  if (img.component != fw::component::app) {
    c.fail("image", quote(img.ref()) + " is not an APP image (" + schema_name(img.component) + "): adoption counts app versions");
    return std::nullopt;
  }
  a.image = *found;
  a.percent = in.percent();
  a.by = *by;
  bool group_ok = true;
  a.group = product_group(c, in.group(), img, known, s, group_ok);
  if (!group_ok) return std::nullopt;
  return a;
}

std::optional<check> read_attested(const DevicesAttested& in, checker& c, const names& known, const scenario& s) {
  devices_attested a;
  const bool percent_ok = c.in_range("percent", in.percent(), 0, 100, /*min_open=*/true);
  const auto by = time_or_end(c, "by", in.by(), s);
  if (!percent_ok || !by) return std::nullopt;
  a.percent = in.percent();
  a.by = *by;
  if (!in.group().empty()) {
    // Groups are named per product: the first product with one of this name.
    for (const auto& [key, where] : known.groups) {
      if (key.substr(key.find('\n') + 1) == in.group()) {
        a.group = where.index;
        break;
      }
    }
    if (!a.group) {
      c.fail("group", "no group " + quote(in.group()) + " in the fleet");
      return std::nullopt;
    }
  }
  return a;
}

std::optional<check> read_healed(const Healed& in, checker& c, const names& known, const scenario& s) {
  healed h;
  const auto found = resolve_image(c, "image", -1, in.image(), known.images);
  bool ok = found.has_value();
  if (in.has_percent()) {
    ok = c.in_range("percent", in.percent(), 0, 100, /*min_open=*/true) && ok;
    h.percent = in.percent();
  }
  const auto by = time_or_end(c, "by", in.by(), s);
  if (!ok || !by) return std::nullopt;
  const image& img = s.images[*found];
  bool heals = false;
  for (const auto& r : s.cloud.revocations) {
    const image& revoked = s.images[r.image];
    if (r.image == *found) {
      c.fail("image", quote(img.ref()) + " is revoked itself (cloud.revoke): it repairs nothing");
      return std::nullopt;
    }
    heals = heals || (revoked.product == img.product && revoked.component == img.component);
  }
  if (!heals) {
    c.fail("image", "cloud.revoke revokes no " + std::string(schema_name(img.component)) + " image of product " +
                        quote(s.fleet.products[img.product].name) + ": " + quote(img.ref()) + " heals nothing");
    return std::nullopt;
  }
  h.image = *found;
  h.by = *by;
  bool group_ok = true;
  h.group = product_group(c, in.group(), img, known, s, group_ok);
  if (!group_ok) return std::nullopt;
  return h;
}

std::optional<check> read_never_trusted(const NeverTrustedAfterRevocation& in, checker& c, const names& known,
                                        const scenario& s) {
  const auto found = resolve_image(c, "image", -1, in.image(), known.images);
  if (!found) return std::nullopt;
  for (const auto& r : s.cloud.revocations) {
    if (r.image == *found) return never_trusted_after_revocation{*found};
  }
  c.fail("image", quote(in.image()) + " is not revoked (cloud.revoke): there is no revocation to judge after");
  return std::nullopt;
}

std::optional<check> read_halted(const RolloutHalted& in, checker& c, const scenario& s) {
  const auto d = find_deployment(c, in.deployment(), s);
  rollout_halted h;
  bool ok = d.has_value();
  if (in.has_before_wave()) {
    if (d && (in.before_wave() < 1 || in.before_wave() > s.deployments[*d].rollout.waves.wave_count())) {
      c.fail("before_wave", "deployment " + quote(in.deployment()) + " has waves 1 to " +
                                std::to_string(s.deployments[*d].rollout.waves.wave_count()) + ", is " +
                                std::to_string(in.before_wave()));
      ok = false;
    }
    h.before_wave = in.before_wave();
  }
  if (in.has_max_percent()) {
    ok = c.in_range("max_percent", in.max_percent(), 0, 100) && ok;
    h.max_percent = in.max_percent();
  }
  if (!ok) return std::nullopt;
  h.deployment = *d;
  return h;
}

std::optional<check> read_peak_rate(const PeakRequestRate& in, checker& c, const scenario& s) {
  peak_request_rate p;
  const bool bound_ok = c.in_range("max_per_second", in.max_per_second(), 0, 1e9, /*min_open=*/true);
  const auto from = c.duration("from", in.from(), duration{0});
  const auto to = time_or_end(c, "to", in.to(), s);
  if (!bound_ok || !from || !to) return std::nullopt;
  if (*from >= *to) {
    c.fail("from", "must be before `to` (" + format_duration(*to) + "), is " + format_duration(*from));
    return std::nullopt;
  }
  p.max_per_second = in.max_per_second();
  p.from = *from;
  p.to = *to;
  return p;
}

std::optional<check> read_latency(const AttestationLatency& in, checker& c, const scenario& s) {
  attestation_latency l;
  bool ok = true;
  if (in.quantile() != 0) {
    ok = c.in_range("quantile", in.quantile(), 0, 1, /*min_open=*/true);
    l.quantile = in.quantile();
  }
  // Required: an empty `max` reads as 0, which the range refuses.
  const auto max = c.duration("max", in.max(), duration{0});
  ok = max && c.duration_in("max", *max, duration{0}, std::chrono::hours(24 * 365), /*min_open=*/true) && ok;
  const auto from = c.duration("from", in.from(), duration{0});
  const auto to = time_or_end(c, "to", in.to(), s);
  if (!ok || !max || !from || !to) return std::nullopt;
  if (*from >= *to) {
    c.fail("from", "must be before `to` (" + format_duration(*to) + "), is " + format_duration(*from));
    return std::nullopt;
  }
  l.max = *max;
  l.from = *from;
  l.to = *to;
  return l;
}

std::optional<check> read_rolled_back(const RolledBackByCloud& in, checker& c, const scenario& s) {
  const auto d = find_deployment(c, in.deployment(), s);
  const auto by = time_or_end(c, "by", in.by(), s);
  rolled_back_by_cloud r;
  bool ok = d.has_value() && by.has_value();
  switch (in.amount_case()) {
    case RolledBackByCloud::kAtLeast:
      ok = c.count_in("at_least", in.at_least(), 1, 4'000'000) && ok;
      r.at_least = in.at_least();
      break;
    case RolledBackByCloud::kPercent:
      ok = c.in_range("percent", in.percent(), 0, 100, /*min_open=*/true) && ok;
      r.percent = in.percent();
      break;
    case RolledBackByCloud::AMOUNT_NOT_SET:
      c.fail("at_least", "missing: at_least or percent");
      ok = false;
      break;
  }
  if (d && !s.deployments[*d].rollback_image) {
    // One the file names was refused where it is written: nothing more to say here.
    if (!s.deployments[*d].rollback_image_named) {
      c.fail("deployment", "deployment " + quote(in.deployment()) +
                               " names no rollback image (rollout.rollback.image): the cloud rolls nothing back");
    }
    ok = false;
  }
  if (!ok) return std::nullopt;
  r.deployment = *d;
  r.by = *by;
  return r;
}

std::optional<check> read_check(const Expectation& in, checker& c, const names& known, const scenario& s) {
  switch (in.check_case()) {
    case Expectation::kNoBrickedDevices: return no_bricked_devices{};
    case Expectation::kNoUnsignedCodeRan: return no_unsigned_code_ran{};
    case Expectation::kAdoption: {
      checker n = c.nested("adoption");
      return read_adoption(in.adoption(), n, known, s);
    }
    case Expectation::kRolloutHalted: {
      checker n = c.nested("rollout_halted");
      return read_halted(in.rollout_halted(), n, s);
    }
    case Expectation::kRolloutCompleted: {
      checker n = c.nested("rollout_completed");
      const auto d = find_deployment(n, in.rollout_completed().deployment(), s);
      if (!d) return std::nullopt;
      return rollout_completed{*d};
    }
    case Expectation::kPeakRequestRate: {
      checker n = c.nested("peak_request_rate");
      return read_peak_rate(in.peak_request_rate(), n, s);
    }
    case Expectation::kDevicesAttested: {
      checker n = c.nested("devices_attested");
      return read_attested(in.devices_attested(), n, known, s);
    }
    case Expectation::kImageNeverRan: {
      checker n = c.nested("image_never_ran");
      const auto found = resolve_image(n, "image", -1, in.image_never_ran().image(), known.images);
      if (!found) return std::nullopt;
      return image_never_ran{*found};
    }
    case Expectation::kAttestationLatency: {
      checker n = c.nested("attestation_latency");
      return read_latency(in.attestation_latency(), n, s);
    }
    case Expectation::kTelemetryAccounted: return telemetry_accounted{};
    case Expectation::kEveryAttackStopped: return every_attack_stopped{};
    case Expectation::kNoCertificateToAttackers: return no_certificate_to_attackers{};
    case Expectation::kVictimsAttested: {
      checker n = c.nested("victims_attested");
      victims_attested v;
      if (in.victims_attested().has_percent()) {
        if (!n.in_range("percent", in.victims_attested().percent(), 0, 100, /*min_open=*/true)) return std::nullopt;
        v.percent = in.victims_attested().percent();
      }
      const bool any = std::any_of(s.attacks.begin(), s.attacks.end(),
                                   [](const attack& a) { return spares_its_victims(a.kind); });
      if (!any) {
        n.fail("percent", "no attack of the scenario names victims that keep their keys: there is nobody to judge");
        return std::nullopt;
      }
      return v;
    }
    case Expectation::kRolledBackByCloud: {
      checker n = c.nested("rolled_back_by_cloud");
      return read_rolled_back(in.rolled_back_by_cloud(), n, s);
    }
    case Expectation::kHealed: {
      checker n = c.nested("healed");
      return read_healed(in.healed(), n, known, s);
    }
    case Expectation::kNeverTrustedAfterRevocation: {
      checker n = c.nested("never_trusted_after_revocation");
      return read_never_trusted(in.never_trusted_after_revocation(), n, known, s);
    }
    case Expectation::kNoRestrictedSessionToAttackers: return no_restricted_session_to_attackers{};
    case Expectation::CHECK_NOT_SET: break;
  }
  c.fail("check",
         "missing: one of no_bricked_devices, no_unsigned_code_ran, adoption, rollout_halted, rollout_completed, "
         "peak_request_rate, every_attack_stopped, no_certificate_to_attackers, devices_attested, image_never_ran, "
         "attestation_latency, telemetry_accounted, victims_attested, rolled_back_by_cloud, healed, "
         "never_trusted_after_revocation, no_restricted_session_to_attackers");
  return std::nullopt;
}

}  // namespace

void read_expectations(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out) {
  checker top(ctx, at, "scenario");
  if (!top.at_most("expect", in.expect_size(), expectations_max)) return;
  name_table seen;
  for (int i = 0; i < in.expect_size(); ++i) {
    const Expectation& e = in.expect(i);
    checker c(ctx, at.nested("expect", i), label("expect", e.name(), i));
    const auto what = read_check(e, c, known, out);
    if (!what) continue;
    expectation item{e.name(), *what};
    if (item.name.empty()) {
      // Unnamed: the check's name, with the index when another has it already.
      item.name = check_name(*what);
      if (seen.count(item.name) > 0) item.name += "[" + std::to_string(i) + "]";
      seen.emplace(item.name, named{out.expectations.size(), {}});
    } else if (c.name("name", item.name)) {
      c.define(seen, item.name, out.expectations.size(), "name", "expectation " + quote(item.name));
    }
    out.expectations.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
