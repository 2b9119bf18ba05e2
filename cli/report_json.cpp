#include "report_json.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>

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
          {"writes_torn", f.writes_torn},
          {"torn_by_write", f.torn_by_write},
          {"device_states", f.device_states},
          {"update_steps", f.update_steps}};
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
          {"refused_in_flight_full", d.refused_in_flight_full},
          {"rollback", to_json(d.rollback)},
          {"transitions", array_of(d.transitions)}};
}

json to_json(const actors::timeline_point& p) {
  return {{"at_seconds", seconds(p.at)}, {"app_versions", p.app_versions}, {"states", p.states}};
}

/// Milliseconds to 0.1 ms, or null: nothing observed, or past the histogram's last bound (a day).
json ms_or_null(double seconds, bool observed) {
  if (!observed || !std::isfinite(seconds)) return nullptr;
  return std::round(seconds * 1e4) / 10;
}

/// An estimated quantile (sim_histogram::quantile_estimate) in milliseconds, or null.
json quantile_ms(const actors::sim_histogram& h, double q) { return ms_or_null(h.quantile_estimate(q), h.count() > 0); }

json mean_ms(const actors::sim_histogram& h) {
  return ms_or_null(h.count() > 0 ? h.sum_seconds() / static_cast<double>(h.count()) : 0, h.count() > 0);
}

/// Requests reaching the cloud over time: one array of counts per (kind,
/// answer) that has any, so that a 30-day run stays a few hundred KB.
json throughput_of(const actors::run_result& r) {
  const actors::traffic_counts& t = r.traffic;
  const auto width = t.bucket_width();
  // Every bucket of the time reached, zeros included, so that arrays line up.
  const auto reached = static_cast<std::size_t>((r.simulated.count() + width.count() - 1) / width.count());
  const std::size_t buckets = std::min(std::max(t.buckets(), reached), actors::traffic_buckets_max);
  json kinds = json::array();
  for (const char* k : actors::request_kind_names) kinds.push_back(k);
  json answers = json::array();
  json by_answer = json::object();
  for (std::size_t a = 0; a < actors::request_answer_count; ++a) {
    answers.push_back(actors::request_answer_names[a]);
    by_answer[actors::request_answer_names[a]] = t.total(static_cast<actors::request_answer>(a));
  }
  json series = json::array();
  std::vector<std::uint64_t> errors(buckets, 0);
  for (std::size_t k = 0; k < actors::request_kind_count; ++k) {
    for (std::size_t a = 0; a < actors::request_answer_count; ++a) {
      const auto kind = static_cast<actors::request_kind>(k);
      const auto answer = static_cast<actors::request_answer>(a);
      const std::uint64_t total = t.total(kind, answer);
      if (total == 0) continue;
      std::vector<std::uint32_t> counts(buckets);
      for (std::size_t b = 0; b < buckets; ++b) {
        counts[b] = t.at(b, kind, answer);
        if (answer != actors::request_answer::ok) errors[b] += counts[b];
      }
      series.push_back({{"kind", actors::request_kind_names[k]},
                        {"answer", actors::request_answer_names[a]},
                        {"total", total},
                        {"counts", std::move(counts)}});
    }
  }
  // The busiest minute, exactly (requests_per_minute), whatever the bucket width.
  std::size_t peak = 0;
  for (std::size_t m = 0; m < r.requests_per_minute.size(); ++m) {
    if (r.requests_per_minute[m] > r.requests_per_minute[peak]) peak = m;
  }
  const std::uint32_t peak_requests = r.requests_per_minute.empty() ? 0 : r.requests_per_minute[peak];
  return {{"bucket_seconds", seconds(width)},
          {"buckets", buckets},
          {"kinds", std::move(kinds)},
          {"answers", std::move(answers)},
          {"requests", t.total()},
          {"by_answer", std::move(by_answer)},
          {"peak_minute", {{"at_seconds", peak_requests > 0 ? 60.0 * static_cast<double>(peak) : 0.0},
                           {"requests", peak_requests}}},
          {"series", std::move(series)},
          {"errors", std::move(errors)}};
}

json attestation_latency_by_hour(const actors::run_result& r) {
  json a = json::array();
  const std::size_t hours = std::max(r.attestation_time_by_hour.size(), r.attestation_failures_by_hour.size());
  const actors::sim_histogram none;
  for (std::size_t h = 0; h < hours; ++h) {
    const actors::sim_histogram& took = h < r.attestation_time_by_hour.size() ? r.attestation_time_by_hour[h] : none;
    a.push_back({{"hour", h},
                 {"attestations", took.count()},
                 {"failures", h < r.attestation_failures_by_hour.size() ? r.attestation_failures_by_hour[h] : 0},
                 {"mean_ms", mean_ms(took)},
                 {"p50_ms", quantile_ms(took, 0.50)},
                 {"p95_ms", quantile_ms(took, 0.95)},
                 {"p99_ms", quantile_ms(took, 0.99)}});
  }
  return a;
}

json by_group_and_revision(const actors::run_result& r) {
  json a = json::array();
  for (const actors::group_revision_outcome& cell : r.by_group_and_revision) {
    const actors::breakdown_counts& c = cell.counts;
    if (c.devices == 0) continue;  // a revision none of the group's devices drew
    std::uint64_t requests = 0;
    for (const std::uint64_t n : c.requests) requests += n;
    const auto answered = [&](actors::request_answer w) { return c.requests[static_cast<std::size_t>(w)]; };
    a.push_back({{"group", cell.group},
                 {"revision", cell.revision},
                 {"devices", c.devices},
                 {"requests", requests},
                 {"errors", answered(actors::request_answer::error)},
                 {"dropped", answered(actors::request_answer::dropped)},
                 {"unanswered", answered(actors::request_answer::unanswered)},
                 {"attestations", c.attestation_time.count()},
                 {"attestation_failures", c.attestation_failures},
                 {"attestation_mean_ms", mean_ms(c.attestation_time)},
                 {"attestation_p50_ms", quantile_ms(c.attestation_time, 0.50)},
                 {"attestation_p95_ms", quantile_ms(c.attestation_time, 0.95)},
                 {"attestation_p99_ms", quantile_ms(c.attestation_time, 0.99)},
                 {"updates_committed", c.updates_committed},
                 {"updates_rolled_back", c.updates_rolled_back},
                 {"updates_failed", c.updates_failed}});
  }
  return a;
}

template <class T>
json array_of(const std::vector<T>& items) {
  json a = json::array();
  for (const T& item : items) a.push_back(to_json(item));
  return a;
}

bool all_scalars(const json& j) {
  return std::all_of(j.begin(), j.end(), [](const json& v) { return v.is_primitive(); });
}

/// A record of scalars on one line: {"hour": 0, "attestations": 12}.
void write_flat_object(const json& j, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& item : j.items()) {
    if (!first) out += ", ";
    first = false;
    out += json(item.key()).dump();
    out += ": ";
    out += item.value().dump();
  }
  out += '}';
}

void write_indented(const json& j, int depth, std::string& out) {
  const std::string inner(static_cast<std::size_t>(2 * (depth + 1)), ' ');
  const std::string outer(static_cast<std::size_t>(2 * depth), ' ');
  if (j.is_primitive() || j.empty() || (j.is_array() && all_scalars(j))) {
    out += j.dump();  // scalars, [], {}, and [1,2,3]
    return;
  }
  const bool array = j.is_array();
  out += array ? "[\n" : "{\n";
  bool first = true;
  for (const auto& item : j.items()) {
    if (!first) out += ",\n";
    first = false;
    out += inner;
    if (!array) {
      out += json(item.key()).dump();
      out += ": ";
    }
    if (array && item.value().is_object() && !item.value().empty() && all_scalars(item.value())) {
      write_flat_object(item.value(), out);
    } else {
      write_indented(item.value(), depth + 1, out);
    }
  }
  out += '\n';
  out += outer;
  out += array ? ']' : '}';
}

}  // namespace

std::string report_text(const nlohmann::ordered_json& report) {
  std::string out;
  write_indented(report, 0, out);
  out += '\n';
  return out;
}

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
          {"timeline", array_of(r.timeline)},
          {"throughput", throughput_of(r)},
          {"attestation_latency_by_hour", attestation_latency_by_hour(r)},
          {"by_group_and_revision", by_group_and_revision(r)}};
}

}  // namespace fleet::cli
