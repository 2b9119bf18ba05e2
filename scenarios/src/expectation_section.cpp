// Expectations: the checkers a run is judged by, with what they refer to
// resolved (images, groups, deployments) and their bounds checked.
#include <algorithm>
#include <set>
#include <utility>

#include "checks.hpp"
#include "fleet/cloud/attestation_verifier.hpp"
#include "fleet/cloud/certificate_authority.hpp"
#include "fleet/cloud/session_table.hpp"
#include "fleet/fw/reject_reason.hpp"
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

std::optional<check> read_held(const RolloutHeldAtGate& in, checker& c, const scenario& s) {
  const auto d = find_deployment(c, in.deployment(), s);
  if (!d) return std::nullopt;
  rollout_held_at_gate h{*d, std::nullopt};
  const std::uint32_t waves = s.deployments[*d].rollout.waves.wave_count();
  if (in.has_wave()) {
    if (in.wave() < 1 || in.wave() > waves) {
      c.fail("wave", "deployment " + quote(in.deployment()) + " has waves 1 to " + std::to_string(waves) + ", is " +
                         std::to_string(in.wave()));
      return std::nullopt;
    }
    h.wave = in.wave();
  }
  return h;
}

std::optional<check> read_peak_rate(const PeakRequestRate& in, checker& c, const scenario& s) {
  peak_request_rate p;
  const int bounds = (in.max_per_second() != 0) + (in.max_per_device_per_second() != 0) + (in.max_times_calm_peak() != 0);
  bool ok = true;
  if (bounds != 1) {
    c.fail("max_per_second", bounds == 0 ? "missing: one of max_per_second, max_per_device_per_second, max_times_calm_peak"
                                         : "one bound only: max_per_second, max_per_device_per_second or "
                                           "max_times_calm_peak");
    ok = false;
  } else if (in.max_per_second() != 0) {
    ok = c.in_range("max_per_second", in.max_per_second(), 0, 1e9, /*min_open=*/true);
  } else if (in.max_per_device_per_second() != 0) {
    ok = c.in_range("max_per_device_per_second", in.max_per_device_per_second(), 0, peak_rate_per_device_max,
                    /*min_open=*/true);
  } else {
    ok = c.in_range("max_times_calm_peak", in.max_times_calm_peak(), 0, peak_rate_times_calm_max, /*min_open=*/true);
  }
  const auto from = c.duration("from", in.from(), duration{0});
  const auto to = time_or_end(c, "to", in.to(), s);
  if (!ok || !from || !to) return std::nullopt;
  if (*from >= *to) {
    c.fail("from", "must be before `to` (" + format_duration(*to) + "), is " + format_duration(*from));
    return std::nullopt;
  }
  const bool calm = in.max_times_calm_peak() != 0;
  if (!calm && (!in.calm_from().empty() || !in.calm_to().empty())) {
    c.fail(in.calm_from().empty() ? "calm_to" : "calm_from", "only with max_times_calm_peak");
    return std::nullopt;
  }
  if (calm) {
    if (in.calm_to().empty()) {
      c.fail("calm_to", "missing: the end of the calm span max_times_calm_peak multiplies the peak of");
      return std::nullopt;
    }
    const auto calm_from = c.duration("calm_from", in.calm_from(), duration{0});
    const auto calm_to = time_or_end(c, "calm_to", in.calm_to(), s);
    if (!calm_from || !calm_to) return std::nullopt;
    if (*calm_from >= *calm_to) {
      c.fail("calm_from", "must be before `calm_to` (" + format_duration(*calm_to) + "), is " + format_duration(*calm_from));
      return std::nullopt;
    }
    if (*calm_from < *to && *from < *calm_to) {
      c.fail("calm_from", "the calm span [" + format_duration(*calm_from) + ", " + format_duration(*calm_to) +
                              ") overlaps the span judged [" + format_duration(*from) + ", " + format_duration(*to) + ")");
      return std::nullopt;
    }
    p.calm_from = *calm_from;
    p.calm_to = *calm_to;
  }
  p.max_per_second = in.max_per_second();
  p.max_per_device_per_second = in.max_per_device_per_second();
  p.max_times_calm_peak = in.max_times_calm_peak();
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

/// The names of an enum's values 1 to `count` - 1 (0 is its "none" or "ok").
template <typename E, std::size_t count>
void add_names(std::vector<std::string>& out) {
  for (std::size_t v = 1; v < count; ++v) out.emplace_back(cloud::name_of(static_cast<E>(v)));
}

/// The names a stop of an attack of this kind is recorded under
/// (attack_outcome::stopped_by, actors/src/adversary/): the firmware's
/// reject reason for what devices refuse, the cloud's answer for what it
/// refuses. Empty for the kinds whose stops name no check (the man in the
/// middle's refusals happen on both sides, a flood's are its rate).
std::vector<std::string> checks_of(const attack_kind& kind) {
  std::vector<std::string> out;
  if (in_the_mirror(kind)) {
    for (std::size_t r = 1; r < fw::reject_reason_count; ++r) out.emplace_back(fw::name_of(static_cast<fw::reject_reason>(r)));
    return out;
  }
  if (std::holds_alternative<spoofed_identity>(kind) || std::holds_alternative<cloned_identity>(kind) ||
      std::holds_alternative<replayed_evidence>(kind) || std::holds_alternative<nonce_burning>(kind)) {
    // The evidence's verdict, or a refusal of the challenge or the session.
    add_names<cloud::attestation_outcome, cloud::attestation_outcome_count>(out);
    add_names<cloud::challenge_refusal, cloud::challenge_refusal_count>(out);
    add_names<cloud::open_refusal, cloud::open_refusal_count>(out);
    return out;
  }
  if (std::holds_alternative<forged_certificate>(kind) || std::holds_alternative<expired_certificate>(kind) ||
      std::holds_alternative<stolen_certificate>(kind)) {
    // The CA's verdict, then the refusals of security_service::authenticate_certificate.
    for (std::size_t v = 1; v < cloud::certificate_status_count; ++v) {
      out.emplace_back(cloud::name_of(static_cast<cloud::certificate_status>(v)));
    }
    for (const char* refusal : {"unknown_device", "identity_blocked", "device_quarantined", "proof_missing",
                                "names_another_device", "key_mismatch", "proof_invalid", "replay", "cloned_identity"}) {
      out.emplace_back(refusal);
    }
    return out;
  }
  if (std::holds_alternative<victim_lockout>(kind)) return {"source_budget", "global_budget", "unauthenticated", "refused"};
  return out;
}

/// Every attack kind's schema name, in the schema's order.
template <std::size_t... i>
std::vector<std::string> kind_names(std::index_sequence<i...>) {
  return {kind_name(attack_kind{std::in_place_index<i>})...};
}

std::vector<std::string> all_kind_names() {
  return kind_names(std::make_index_sequence<std::variant_size_v<attack_kind>>{});
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// One `stopped_by` entry: the attacks it covers, and checks their kind records.
std::optional<stopped_by_rule> read_stopped_by_rule(const StoppedBy& in, int index, checker& c, const scenario& s) {
  checker e = c.nested("stopped_by", index);
  stopped_by_rule r;
  if (in.attack().empty() == in.kind().empty()) {
    e.fail("attack", "exactly one of attack (an attack's name) and kind (an attack kind) is needed");
    return std::nullopt;
  }
  if (!in.attack().empty()) {
    r.attack = in.attack();
    for (std::size_t a = 0; a < s.attacks.size(); ++a) {
      if (s.attacks[a].name == in.attack()) r.attacks.push_back(a);
    }
    if (r.attacks.empty()) {
      e.fail("attack", "no attack " + quote(in.attack()) + " in the scenario");
      return std::nullopt;
    }
  } else {
    r.kind = in.kind();
    const std::vector<std::string> kinds = all_kind_names();
    if (std::find(kinds.begin(), kinds.end(), in.kind()) == kinds.end()) {
      e.fail("kind", "no attack kind " + quote(in.kind()) + "; one of " + joined(kinds));
      return std::nullopt;
    }
    for (std::size_t a = 0; a < s.attacks.size(); ++a) {
      if (kind_name(s.attacks[a].kind) == in.kind()) r.attacks.push_back(a);
    }
    if (r.attacks.empty()) {
      e.fail("kind", "the scenario has no " + in.kind() + " attack");
      return std::nullopt;
    }
  }
  const attack_kind& kind = s.attacks[r.attacks.front()].kind;
  const std::vector<std::string> known = checks_of(kind);
  const std::string shown = r.attack.empty() ? r.kind + " attacks" : "attack " + quote(r.attack);
  if (known.empty()) {
    e.fail(r.attack.empty() ? "kind" : "attack", std::string(kind_name(kind)) +
                                                     " records no check for what it stopped: stopped_by cannot name one");
    return std::nullopt;
  }
  if (!e.one_to("check", in.check_size(), stopped_by_checks_max, "the check(s) that must have stopped " + shown)) {
    return std::nullopt;
  }
  bool ok = true;
  for (int i = 0; i < in.check_size(); ++i) {
    const std::string& name = in.check(i);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      e.fail("check", "no check " + quote(name) + " stops " + kind_name(kind) + " attacks; one of " + joined(known), i);
      ok = false;
    } else if (std::find(r.checks.begin(), r.checks.end(), name) != r.checks.end()) {
      e.fail("check", quote(name) + " named twice", i);
      ok = false;
    } else {
      r.checks.push_back(name);
    }
  }
  if (!ok) return std::nullopt;
  return r;
}

std::optional<check> read_every_stopped(const EveryAttackStopped& in, checker& c, const scenario& s) {
  every_attack_stopped out;
  if (!c.at_most("stopped_by", in.stopped_by_size(), stopped_by_max)) return std::nullopt;
  bool ok = true;
  std::set<std::string> seen;  // "attack\nNAME", "kind\nKIND"
  for (int i = 0; i < in.stopped_by_size(); ++i) {
    auto rule = read_stopped_by_rule(in.stopped_by(i), i, c, s);
    if (!rule) {
      ok = false;
      continue;
    }
    const std::string key = rule->attack.empty() ? "kind\n" + rule->kind : "attack\n" + rule->attack;
    if (!seen.insert(key).second) {
      checker e = c.nested("stopped_by", i);
      e.fail(rule->attack.empty() ? "kind" : "attack",
             (rule->attack.empty() ? "kind " + quote(rule->kind) : "attack " + quote(rule->attack)) +
                 " named by an earlier stopped_by");
      ok = false;
      continue;
    }
    out.stopped_by.push_back(std::move(*rule));
  }
  if (!ok) return std::nullopt;
  return out;
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
    case Expectation::kEveryAttackStopped: {
      checker n = c.nested("every_attack_stopped");
      return read_every_stopped(in.every_attack_stopped(), n, s);
    }
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
    case Expectation::kRolloutHeldAtGate: {
      checker n = c.nested("rollout_held_at_gate");
      return read_held(in.rollout_held_at_gate(), n, s);
    }
    case Expectation::CHECK_NOT_SET: break;
  }
  c.fail("check",
         "missing: one of no_bricked_devices, no_unsigned_code_ran, adoption, rollout_halted, rollout_completed, "
         "peak_request_rate, every_attack_stopped, no_certificate_to_attackers, devices_attested, image_never_ran, "
         "attestation_latency, telemetry_accounted, victims_attested, rolled_back_by_cloud, healed, "
         "never_trusted_after_revocation, no_restricted_session_to_attackers, rollout_held_at_gate");
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
