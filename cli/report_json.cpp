#include "report_json.hpp"

#include <sys/resource.h>

namespace fleet::cli {
namespace {

using json = nlohmann::ordered_json;

double seconds(actors::sim_time t) { return static_cast<double>(t.count()) / 1e6; }

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

json to_json(const crypto::op_counts& o) {
  return {{"signs", o.signs},          {"verifies", o.verifies},     {"key_exchanges", o.key_exchanges},
          {"macs", o.macs},            {"hash_calls", o.hash_calls}, {"hashed_bytes", o.hashed_bytes}};
}

json to_json(const actors::run_counters& c) {
  return {{"boots", c.boots},
          {"attestations", c.attestations},
          {"attestation_failures", c.attestation_failures},
          {"certificates_issued", c.certificates_issued},
          {"updates_downloaded", c.updates_downloaded},
          {"updates_installed", c.updates_installed},
          {"updates_committed", c.updates_committed},
          {"updates_rolled_back", c.updates_rolled_back},
          {"updates_rejected", c.updates_rejected},
          {"updates_failed", c.updates_failed},
          {"bricked", c.bricked},
          {"app_crashes", c.app_crashes},
          {"messages_sent", c.messages_sent},
          {"messages_lost", c.messages_lost},
          {"messages_lost_to_faults", c.messages_lost_to_faults},
          {"requests_dropped_by_outages", c.requests_dropped_by_outages},
          {"unsigned_code_started", c.unsigned_code_started},
          {"attacks_stopped", c.attacks_stopped},
          {"faults_injected", c.faults_injected},
          {"telemetry_generated", c.telemetry_generated},
          {"telemetry_delivered", c.telemetry_delivered},
          {"telemetry_dropped", c.telemetry_dropped},
          {"telemetry_lost_to_power", c.telemetry_lost_to_power},
          {"telemetry_buffered", c.telemetry_buffered},
          {"telemetry_received", c.telemetry_received},
          {"legacy_flashed", c.legacy_flashed},
          {"key_stores_taken", c.key_stores_taken},
          {"restricted_sessions", c.restricted_sessions},
          {"faults_armed", c.faults_armed},
          {"writes_torn", c.writes_torn}};
}

/// An interrupted run judges nothing: `passed` is null there, so that a
/// script testing `passed == false` does not count it as a failure.
json to_json(const actors::expectation_result& e, bool judged) {
  return {{"name", e.name},
          {"passed", judged ? json(e.passed) : json(nullptr)},
          {"verdict", expectation_verdict(e, judged)},
          {"detail", e.detail}};
}

json expectations_of(const actors::run_result& r) {
  json a = json::array();
  for (const actors::expectation_result& e : r.expectations) a.push_back(to_json(e, r.complete));
  return a;
}

json to_json(const actors::attack_outcome& a) {
  return {{"name", a.name},       {"kind", a.kind},
          {"at_seconds", seconds(a.at)}, {"duration_seconds", seconds(a.length)},
          {"tried", a.tried},     {"stopped", a.stopped},
          {"got_through", a.got_through}, {"certificates", a.certificates},
          {"restricted_sessions", a.restricted_sessions}, {"stopped_by", a.stopped_by},
          {"victims", a.victims}, {"victims_attested", a.victims_attested}};
}

/// Seconds, or null when never reached.
json seconds_or_null(actors::duration d) { return d.count() < 0 ? json(nullptr) : json(seconds(d)); }

json to_json(const actors::revocation_outcome& r) {
  return {{"image", r.image},
          {"at_seconds", seconds(r.at)},
          {"affected_online", r.affected_online},
          {"affected_offline", r.affected_offline},
          {"healed_online", r.healed_online},
          {"healed_offline", r.healed_offline},
          {"online_healed_50_after_seconds", seconds_or_null(r.online_healed_50)},
          {"online_healed_99_after_seconds", seconds_or_null(r.online_healed_99)},
          {"online_healed_100_after_seconds", seconds_or_null(r.online_healed_100)},
          {"offline_healed_100_after_seconds", seconds_or_null(r.offline_healed_100)},
          {"certificates_on_revoked", r.certificates_on_revoked},
          {"requests_per_minute_day_before", r.requests_per_minute_before},
          {"requests_per_minute_peak_day_before", r.requests_per_minute_peak_before},
          {"requests_per_minute_peak_day_after", r.requests_per_minute_peak},
          {"peak_minute_at_seconds", seconds(r.peak_minute_at)}};
}

json to_json(const actors::fault_outcome& f) {
  return {{"name", f.name},
          {"kind", f.kind},
          {"at_seconds", seconds(f.at)},
          {"duration_seconds", seconds(f.length)},
          {"devices_hit", f.devices_hit},
          {"spells", f.spells},
          {"requests_dropped", f.requests_dropped},
          {"armed", f.armed},
          {"writes_torn", f.writes_torn}};
}

json to_json(const actors::deployment_transition& t) {
  return {{"at_seconds", seconds(t.at)}, {"state", t.state}, {"wave", t.wave}, {"reason", t.reason}};
}

template <class T>
json array_of(const std::vector<T>& items);

json seconds_or_null(const std::optional<actors::sim_time>& t) { return t ? json(seconds(*t)) : json(nullptr); }

json to_json(const actors::rollback_figures& r) {
  return {{"took", r.took},
          {"offered", r.offered},
          {"committed", r.committed},
          {"failed", r.failed},
          {"rejected", r.rejected},
          {"requested_at_seconds", seconds_or_null(r.requested_at)},
          {"last_committed_at_seconds", seconds_or_null(r.last_committed_at)}};
}

json to_json(const actors::deployment_outcome& d) {
  return {{"name", d.name},         {"state", d.state},           {"devices", d.devices},
          {"waves_opened", d.waves_opened}, {"notified", d.notified}, {"succeeded", d.succeeded},
          {"failed", d.failed},     {"rejected", d.rejected},     {"timed_out", d.timed_out},
          {"failed_after_commit", d.failed_after_commit},
          {"rollback", to_json(d.rollback)},
          {"transitions", array_of(d.transitions)}};
}

json to_json(const actors::timeline_point& p) {
  return {{"at_seconds", seconds(p.at)}, {"app_versions", p.app_versions}, {"states", p.states}};
}

template <class T>
json array_of(const std::vector<T>& items) {
  json a = json::array();
  for (const T& item : items) a.push_back(to_json(item));
  return a;
}

}  // namespace

std::string expectation_verdict(const actors::expectation_result& e, bool judged) {
  if (!judged) return "not_judged";
  return e.passed ? "pass" : "fail";
}

process_usage measure_process() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  process_usage p;
  p.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  p.peak_rss_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // Linux counts KiB
  return p;
}

nlohmann::ordered_json report_json(const actors::run_result& r, const run_context& c) {
  return {{"scenario", r.scenario},
          {"scenario_file", c.scenario_file},
          {"seed", r.seed},
          {"devices", r.devices},
          {"threads", r.threads},
          {"workers", c.workers},
          {"complete", r.complete},
          {"sim_seconds", seconds(r.simulated)},
          {"duration_seconds", seconds(c.length)},
          {"wall_seconds", c.wall_seconds},
          {"cpu_seconds", c.cpu_seconds},
          {"peak_rss_bytes", c.peak_rss_bytes},
          {"events", r.events},
          {"windows", r.windows},
          {"partitions", r.partitions},
          {"barriers", r.barriers},
          {"control_ticks", r.control_ticks},
          {"trace_hash", r.trace_hash},
          {"crypto_ops", to_json(r.crypto_ops)},
          {"expectations", expectations_of(r)},
          {"replay", c.replay_command},
          {"counters", to_json(r.counters)},
          {"faults", array_of(r.faults)},
          {"attacks", array_of(r.attacks)},
          {"revocations", array_of(r.revocations)},
          {"deployments", array_of(r.deployments)},
          {"timeline", array_of(r.timeline)}};
}

}  // namespace fleet::cli
