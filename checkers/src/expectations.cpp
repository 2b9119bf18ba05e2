#include "fleet/checkers/expectations.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <utility>
#include <string>

#include "fleet/scenario/units.hpp"

namespace fleet::scenario {
namespace {

using actors::expectation_result;
using actors::run_result;

std::string percent_text(double p) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", p);
  return buf;
}

double share_percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

const actors::census* census_at(const run_result& run, duration at) {
  for (const auto& c : run.censuses) {
    if (c.at == at) return &c;
  }
  return nullptr;
}

expectation_result judge(const scenario&, const run_result& run, const no_bricked_devices&) {
  const std::uint64_t bricked = run.counters.bricked;
  return {{}, bricked == 0,
          std::to_string(bricked) + " of " + std::to_string(run.devices) +
              " devices bricked (no valid boot chain) at the end"};
}

expectation_result judge(const scenario&, const run_result& run, const no_unsigned_code_ran&) {
  const std::uint64_t bad = run.counters.unsigned_code_started;
  return {{}, bad == 0,
          std::to_string(bad) + " software starts of an image no scenario key signed, of " +
              std::to_string(run.counters.boots) + " boots"};
}

expectation_result judge(const scenario& s, const run_result& run, const adoption& a) {
  const image& img = s.images[a.image];
  const actors::census* c = census_at(run, a.by);
  if (c == nullptr) {
    return {{}, false, "the run stopped before " + format_duration(a.by) + ": no census to judge"};
  }
  std::uint64_t on_version = 0;
  std::uint64_t in_scope = 0;
  for (std::size_t g = 0; g < s.fleet.groups.size(); ++g) {
    const bool counted = a.group ? g == *a.group : s.fleet.groups[g].product == img.product;
    if (!counted) continue;
    for (const auto& [version, devices] : c->app_versions_by_group[g]) {
      in_scope += devices;
      if (version == img.version.to_string()) on_version += devices;
    }
  }
  const double share = share_percent(on_version, in_scope);
  const std::string scope = a.group ? "group " + s.fleet.groups[*a.group].name : "product " + s.fleet.products[img.product].name;
  return {{}, in_scope > 0 && share >= a.percent,
          percent_text(share) + " of " + std::to_string(in_scope) + " devices (" + scope + ") ran " + img.ref() +
              " at " + format_duration(a.by) + ", at least " + percent_text(a.percent) + " expected"};
}

expectation_result judge(const scenario& s, const run_result& run, const devices_attested& a) {
  const actors::census* c = census_at(run, a.by);
  if (c == nullptr) return {{}, false, "the run stopped before " + format_duration(a.by) + ": no census to judge"};
  std::uint64_t attested = 0;
  std::uint64_t in_scope = 0;
  for (std::size_t g = 0; g < s.fleet.groups.size(); ++g) {
    if (a.group && g != *a.group) continue;
    attested += c->attested_by_group[g];
    for (const auto& entry : c->app_versions_by_group[g]) in_scope += entry.second;
  }
  const double share = share_percent(attested, in_scope);
  const std::string scope = a.group ? "group " + s.fleet.groups[*a.group].name : "the fleet";
  return {{}, in_scope > 0 && share >= a.percent,
          percent_text(share) + " of " + std::to_string(in_scope) + " devices (" + scope +
              ") held a valid certificate at " + format_duration(a.by) + ", at least " + percent_text(a.percent) +
              " expected"};
}

expectation_result judge(const scenario& s, const run_result& run, const image_never_ran& n) {
  const std::uint64_t starts = n.image < run.image_starts.size() ? run.image_starts[n.image] : 0;
  return {{}, starts == 0, std::to_string(starts) + " software starts of " + s.images[n.image].ref()};
}

/// "p99", "p99.9", "p50"
std::string quantile_text(double q) {
  char text[32];
  std::snprintf(text, sizeof text, "p%g", q * 100);
  return text;
}

expectation_result judge(const scenario&, const run_result& run, const attestation_latency& l) {
  constexpr std::chrono::hours hour{1};
  const auto first = static_cast<std::size_t>(l.from / hour);
  const auto last = static_cast<std::size_t>((l.to + hour - std::chrono::microseconds{1}) / hour);  // exclusive
  actors::sim_histogram window;
  for (std::size_t h = first; h < std::min(last, run.attestation_time_by_hour.size()); ++h) {
    window += run.attestation_time_by_hour[h];
  }
  const auto at_hour = [](std::size_t h) { return std::chrono::hours(static_cast<std::int64_t>(h)); };
  const std::string span = "from " + format_duration(at_hour(first)) + " to " + format_duration(at_hour(last));
  const double max_seconds = static_cast<double>(l.max.count()) / 1e6;
  char bound[64];
  std::snprintf(bound, sizeof bound, "expected at most %g s", max_seconds);
  if (window.count() == 0) return {{}, false, "no attestation completed " + span + "; " + bound};
  const double took = window.quantile_bound(l.quantile);
  char seen[128];
  std::snprintf(seen, sizeof seen, "at most %g s (the bound of its bucket)", took);
  return {{}, took <= max_seconds,
          quantile_text(l.quantile) + " of " + format_count(window.count()) + " attestations completed " + span +
              ": " + seen + "; " + bound};
}

expectation_result judge(const scenario&, const run_result& run, const telemetry_accounted&) {
  const actors::run_counters& c = run.counters;
  const std::uint64_t accounted = c.telemetry_delivered + c.telemetry_dropped + c.telemetry_lost_to_power +
                                  c.telemetry_buffered;
  const bool devices_agree = accounted == c.telemetry_generated;
  const bool cloud_agrees = c.telemetry_received == c.telemetry_delivered;
  std::string detail = format_count(c.telemetry_generated) + " events generated: " +
                       format_count(c.telemetry_delivered) + " delivered, " + format_count(c.telemetry_dropped) +
                       " dropped (buffer full), " + format_count(c.telemetry_lost_to_power) + " lost to power, " +
                       format_count(c.telemetry_buffered) + " still buffered; the cloud took " +
                       format_count(c.telemetry_received);
  if (!devices_agree) {
    detail += "; " + format_count(c.telemetry_generated > accounted ? c.telemetry_generated - accounted
                                                                    : accounted - c.telemetry_generated) +
              " not accounted for";
  }
  if (!cloud_agrees) detail += "; the cloud took a different number than the devices saw delivered";
  return {{}, devices_agree && cloud_agrees, detail};
}

bool stopped(const std::string& state) {
  return state == "halted" || state == "aborted" || state == "rollback_requested";
}

expectation_result judge(const scenario& s, const run_result& run, const rollout_halted& h) {
  const actors::deployment_outcome& d = run.deployments.at(h.deployment);
  const double reached = share_percent(d.notified, d.devices);
  bool passed = stopped(d.state);
  std::string detail = "deployment " + s.deployments[h.deployment].name + " ended " + d.state + " after opening " +
                       std::to_string(d.waves_opened) + " wave(s), offered to " + std::to_string(d.notified) +
                       " of " + std::to_string(d.devices) + " devices (" + percent_text(reached) + ")";
  if (h.before_wave) {
    passed = passed && d.waves_opened < *h.before_wave;
    detail += "; expected stopped before wave " + std::to_string(*h.before_wave);
  }
  if (h.max_percent) {
    passed = passed && reached <= *h.max_percent;
    detail += "; expected offered to at most " + percent_text(*h.max_percent);
  }
  if (!h.before_wave && !h.max_percent) detail += "; expected stopped";
  return {{}, passed, detail};
}

expectation_result judge(const scenario& s, const run_result& run, const rollout_completed& c) {
  const actors::deployment_outcome& d = run.deployments.at(c.deployment);
  return {{}, d.state == "completed",
          "deployment " + s.deployments[c.deployment].name + " ended " + d.state + ": " + std::to_string(d.succeeded) +
              " of " + std::to_string(d.devices) + " devices succeeded"};
}

// Paused, and by a failed gate: the controller's last change is gate_failed
// (an operator's pause, a gate hold waiting for the operator, an abort or a
// halt all end otherwise).
expectation_result judge(const scenario& s, const run_result& run, const rollout_held_at_gate& h) {
  const actors::deployment_outcome& d = run.deployments.at(h.deployment);
  const std::string last = d.transitions.empty() ? "none" : d.transitions.back().reason;
  bool passed = d.state == "paused" && last == "gate_failed";
  std::string detail = "deployment " + s.deployments[h.deployment].name + " ended " + d.state + " (last change: " +
                       last + ") at wave " + std::to_string(d.waves_opened) + ", offered to " +
                       format_count(d.notified) + " of " + format_count(d.devices) + " devices (" +
                       percent_text(share_percent(d.notified, d.devices)) + "): " + format_count(d.succeeded) +
                       " succeeded, " + format_count(d.failed) + " failed; expected held by its gate";
  if (h.wave) {
    passed = passed && d.waves_opened == *h.wave;
    detail += " at wave " + std::to_string(*h.wave);
  }
  return {{}, passed, detail};
}

expectation_result judge(const scenario& s, const run_result& run, const rolled_back_by_cloud& r) {
  const deployment& dep = s.deployments[r.deployment];
  const actors::census* c = census_at(run, r.by);
  if (c == nullptr || r.deployment >= c->rollback_by_deployment.size()) {
    return {{}, false, "the run stopped before " + format_duration(r.by) + ": no census to judge"};
  }
  const actors::rollback_census& back = c->rollback_by_deployment[r.deployment];
  const std::string image = s.images[*dep.rollback_image].ref();
  bool passed = back.took > 0;
  std::string expected;
  if (r.at_least) {
    passed = passed && back.running >= *r.at_least;
    expected = "at least " + format_count(*r.at_least) + " expected";
  } else {
    passed = passed && share_percent(back.running, back.took) >= *r.percent;
    expected = "at least " + percent_text(*r.percent) + " expected";
  }
  return {{}, passed,
          format_count(back.running) + " of the " + format_count(back.took) + " devices that committed deployment " +
              dep.name + "'s image ran " + image + " at " + format_duration(r.by) + " (" +
              percent_text(share_percent(back.running, back.took)) + "; the cloud counted " +
              format_count(back.committed) + " rollback commits), " + expected};
}

/// A rate for people: one decimal from 1 up, two significant digits below
/// (a bound of 0.001 must not read as 0.0).
std::string rate_text(double per_second) {
  char text[64];
  std::snprintf(text, sizeof text, per_second >= 1 ? "%.1f" : "%.2g", per_second);
  return text;
}

/// The busiest simulated minute of [from, to): its requests and its index.
std::pair<std::uint32_t, std::size_t> busiest_minute(const run_result& run, duration from, duration to) {
  constexpr std::int64_t minute_us = 60'000'000;
  const auto first = static_cast<std::size_t>(from.count() / minute_us);
  const auto last = static_cast<std::size_t>((to.count() + minute_us - 1) / minute_us);  // exclusive
  std::uint32_t peak = 0;
  std::size_t peak_minute = first;
  for (std::size_t m = first; m < std::min(last, run.requests_per_minute.size()); ++m) {
    if (run.requests_per_minute[m] > peak) {
      peak = run.requests_per_minute[m];
      peak_minute = m;
    }
  }
  return {peak, peak_minute};
}

expectation_result judge(const scenario&, const run_result& run, const peak_request_rate& p) {
  const auto [peak, peak_minute] = busiest_minute(run, p.from, p.to);
  const double per_second = static_cast<double>(peak) / 60.0;
  double bound = p.max_per_second;
  std::string why;
  bool judged = true;
  if (p.max_per_device_per_second > 0) {
    bound = p.max_per_device_per_second * static_cast<double>(run.devices);
    char text[96];
    std::snprintf(text, sizeof text, " (%g a device, %s devices)", p.max_per_device_per_second,
                  format_count(run.devices).c_str());
    why = text;
  } else if (p.max_times_calm_peak > 0) {
    const std::uint32_t calm = busiest_minute(run, p.calm_from, p.calm_to).first;
    const double calm_per_second = static_cast<double>(calm) / 60.0;
    bound = p.max_times_calm_peak * calm_per_second;
    char times[32];
    std::snprintf(times, sizeof times, "%g", p.max_times_calm_peak);
    why = std::string(" (") + times + " times the calm peak, " + rate_text(calm_per_second) + " requests/s between " +
          format_duration(p.calm_from) + " and " + format_duration(p.calm_to) + ")";
    // No request in the calm span: nothing to compare with, so no verdict to trust.
    if (calm == 0) {
      judged = false;
      why += ": no request in the calm span";
    }
  }
  return {{}, judged && per_second <= bound,
          "peak " + rate_text(per_second) + " requests/s (the minute from " +
              format_duration(duration{static_cast<std::int64_t>(peak_minute) * 60'000'000}) + ") between " +
              format_duration(p.from) + " and " + format_duration(p.to) + ", at most " + rate_text(bound) +
              " expected" + why};
}

/// "bad_signature 59, unknown_signing_key 27": the checks that stopped an attack.
std::string stops_text(const std::map<std::string, std::uint64_t>& stopped_by) {
  std::string out;
  for (const auto& [check, n] : stopped_by) out += (out.empty() ? "" : ", ") + check + " " + format_count(n);
  return out.empty() ? "no check named" : out;
}

/// The names the cloud records for a refusal of an identity it flagged as
/// cloned (security_service::blocked): the certificate path's and the
/// challenge's and session's. The block is checked before anything else
/// the identity presents (cheap refusals first), so an attack on an
/// identity another attack got flagged meets it before its own check.
constexpr std::array<const char*, 2> blocked_identity_stops{"identity_blocked", "identity blocked: flagged as cloned"};

/// Whether the run saw the clone detection stop an attack: the layer that
/// raises identity blocks, so a block is that layer's doing, not a stand-in
/// for a check that was lost.
bool clone_detection_seen(const run_result& run) {
  for (const actors::attack_outcome& a : run.attacks) {
    const auto it = a.stopped_by.find("cloned_identity");
    if (it != a.stopped_by.end() && it->second > 0) return true;
  }
  return false;
}

/// Whether every stop of `a` was by one of `rule.checks` (or by a block an
/// earlier clone detection raised, when `blocks_raised`) and each check
/// stopped one at least; what was seen otherwise, appended to `detail`.
bool stopped_as_expected(const actors::attack_outcome& a, const stopped_by_rule& rule, bool blocks_raised,
                         std::string& detail) {
  std::uint64_t named = 0;
  std::string missing;
  std::string expected;
  for (const std::string& check : rule.checks) {
    const auto it = a.stopped_by.find(check);
    const std::uint64_t n = it == a.stopped_by.end() ? 0 : it->second;
    named += n;
    if (n == 0) missing += (missing.empty() ? "" : ", ") + check;
    expected += (expected.empty() ? "" : ", ") + check;
  }
  std::uint64_t blocked = 0;
  if (blocks_raised) {
    for (const char* block : blocked_identity_stops) {
      if (std::find(rule.checks.begin(), rule.checks.end(), block) != rule.checks.end()) continue;  // counted as named
      const auto it = a.stopped_by.find(block);
      if (it != a.stopped_by.end()) blocked += it->second;
    }
  }
  if (named + blocked == a.stopped && missing.empty()) return true;
  detail += "; " + a.name + " was stopped by " + stops_text(a.stopped_by);
  if (named + blocked < a.stopped) {
    detail += " (" + format_count(a.stopped - named - blocked) + " of " + format_count(a.stopped) + " stops by another check)";
  }
  detail += ", expected by " + expected;
  if (blocked > 0) detail += " or a block the clone detection raised";
  if (!missing.empty()) detail += " (" + missing + " stopped none)";
  return false;
}

expectation_result judge(const scenario& s, const run_result& run, const every_attack_stopped& e) {
  if (s.attacks.empty()) return {{}, false, "the scenario has no attacks: nothing was tried"};
  bool passed = true;
  std::string detail;
  for (const actors::attack_outcome& a : run.attacks) {
    const bool held = a.tried > 0 && a.got_through == 0 && a.stopped > 0;
    passed = passed && held;
    if (!detail.empty()) detail += "; ";
    detail += a.name + ": " + std::to_string(a.stopped) + " of " + std::to_string(a.tried) + " stopped, " +
              std::to_string(a.got_through) + " got through";
  }
  const bool blocks_raised = clone_detection_seen(run);
  for (const stopped_by_rule& rule : e.stopped_by) {
    for (const std::size_t a : rule.attacks) {
      if (a < run.attacks.size()) passed = stopped_as_expected(run.attacks[a], rule, blocks_raised, detail) && passed;
    }
  }
  return {{}, passed, detail};
}

expectation_result judge(const scenario& s, const run_result& run, const victims_attested& v) {
  std::uint64_t victims = 0;
  std::uint64_t attested = 0;
  std::string detail;
  for (std::size_t i = 0; i < run.attacks.size() && i < s.attacks.size(); ++i) {
    const actors::attack_outcome& a = run.attacks[i];
    if (!spares_its_victims(s.attacks[i].kind)) continue;
    victims += a.victims;
    attested += a.victims_attested;
    if (!detail.empty()) detail += "; ";
    detail += a.name + ": " + std::to_string(a.victims_attested) + " of " + std::to_string(a.victims);
  }
  const double share = share_percent(attested, victims);
  return {{}, victims > 0 && share >= v.percent,
          detail + " victims held a valid certificate at the end (" + percent_text(share) + ", at least " +
              percent_text(v.percent) + " expected)"};
}

expectation_result judge(const scenario&, const run_result& run, const no_certificate_to_attackers&) {
  std::uint64_t certificates = 0;
  for (const actors::attack_outcome& a : run.attacks) certificates += a.certificates;
  return {{}, certificates == 0,
          std::to_string(certificates) + " certificates issued to attackers, of " +
              std::to_string(run.counters.certificates_issued) + " issued"};
}

// Devices that run the repair and hold a valid certificate at `by`, of every
// device in scope: a device off at `by` (offline, or without power) is not healed.
expectation_result judge(const scenario& s, const run_result& run, const healed& h) {
  const image& img = s.images[h.image];
  const actors::census* c = census_at(run, h.by);
  if (c == nullptr) return {{}, false, "the run stopped before " + format_duration(h.by) + ": no census to judge"};
  const std::string running = std::string(fw::name_of(img.component)) + "@" + img.version.to_string();
  std::uint64_t on_repair = 0;
  std::uint64_t in_scope = 0;
  for (std::size_t g = 0; g < s.fleet.groups.size() && g < c->attested_running_by_group.size(); ++g) {
    const bool counted = h.group ? g == *h.group : s.fleet.groups[g].product == img.product;
    if (!counted) continue;
    for (const auto& entry : c->app_versions_by_group[g]) in_scope += entry.second;
    const auto it = c->attested_running_by_group[g].find(running);
    if (it != c->attested_running_by_group[g].end()) on_repair += it->second;
  }
  const double share = share_percent(on_repair, in_scope);
  const std::string scope =
      h.group ? "group " + s.fleet.groups[*h.group].name : "product " + s.fleet.products[img.product].name;
  return {{}, in_scope > 0 && share >= h.percent,
          percent_text(share) + " of " + std::to_string(in_scope) + " devices (" + scope + ") held a valid certificate running " +
              img.ref() + " at " + format_duration(h.by) + ", at least " + percent_text(h.percent) + " expected"};
}

expectation_result judge(const scenario& s, const run_result& run, const never_trusted_after_revocation& n) {
  const std::string ref = s.images[n.image].ref();
  for (const actors::revocation_outcome& r : run.revocations) {
    if (r.image != ref) continue;
    return {{}, r.certificates_on_revoked == 0,
            std::to_string(r.certificates_on_revoked) + " certificates accepted by devices running " + ref +
                " after its revocation at " + format_duration(r.at) + " (" + std::to_string(r.affected_online + r.affected_offline) +
                " devices ran it then)"};
  }
  return {{}, false, "the run has no record of a revocation of " + ref + ": nothing to judge"};
}

expectation_result judge(const scenario&, const run_result& run, const no_restricted_session_to_attackers&) {
  std::uint64_t granted = 0;
  std::uint64_t tried = 0;
  for (const actors::attack_outcome& a : run.attacks) {
    granted += a.restricted_sessions;
    tried += a.tried;
  }
  return {{}, granted == 0,
          std::to_string(granted) + " restricted sessions granted to attackers, in " + std::to_string(tried) +
              " attempts; the devices accepted " + std::to_string(run.counters.restricted_sessions)};
}

}  // namespace

}  // namespace fleet::scenario

namespace fleet::checkers {

std::vector<actors::expectation_result> check_expectations(const scenario::scenario& s, const actors::run_result& run) {
  std::vector<actors::expectation_result> out;
  for (const scenario::expectation& e : s.expectations) {
    actors::expectation_result r =
        std::visit([&](const auto& what) { return scenario::judge(s, run, what); }, e.what);
    r.name = e.name;
    out.push_back(std::move(r));
  }
  return out;
}

bool all_passed(const std::vector<actors::expectation_result>& results) {
  return std::all_of(results.begin(), results.end(), [](const actors::expectation_result& r) { return r.passed; });
}

}  // namespace fleet::checkers
