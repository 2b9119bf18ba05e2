#include "report_json.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fleet::cli {
namespace {

using json = nlohmann::ordered_json;

double seconds(actors::sim_time t) { return static_cast<double>(t.count()) / 1e6; }

double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

std::string error_text(int error_number) { return std::strerror(error_number); }

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
          {"restricted_sessions", c.restricted_sessions}};
}

json to_json(const actors::expectation_result& e) {
  return {{"name", e.name}, {"passed", e.passed}, {"detail", e.detail}};
}

json to_json(const actors::attack_outcome& a) {
  return {{"name", a.name},       {"kind", a.kind},
          {"at_seconds", seconds(a.at)}, {"duration_seconds", seconds(a.length)},
          {"tried", a.tried},     {"stopped", a.stopped},
          {"got_through", a.got_through}, {"certificates", a.certificates},
          {"restricted_sessions", a.restricted_sessions}, {"stopped_by", a.stopped_by}};
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
          {"spells", f.spells}};
}

json to_json(const actors::deployment_transition& t) {
  return {{"at_seconds", seconds(t.at)}, {"state", t.state}, {"wave", t.wave}, {"reason", t.reason}};
}

template <class T>
json array_of(const std::vector<T>& items);

json to_json(const actors::deployment_outcome& d) {
  return {{"name", d.name},         {"state", d.state},           {"devices", d.devices},
          {"waves_opened", d.waves_opened}, {"notified", d.notified}, {"succeeded", d.succeeded},
          {"failed", d.failed},     {"rejected", d.rejected},     {"timed_out", d.timed_out},
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

/// Writes all of `text` to `fd`, across short writes.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // no progress and no error: do not spin
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string temporary_of(const std::string& path) { return path + ".tmp"; }

}  // namespace

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
          {"trace_hash", r.trace_hash},
          {"crypto_ops", to_json(r.crypto_ops)},
          {"expectations", array_of(r.expectations)},
          {"replay", c.replay_command},
          {"counters", to_json(r.counters)},
          {"faults", array_of(r.faults)},
          {"attacks", array_of(r.attacks)},
          {"revocations", array_of(r.revocations)},
          {"deployments", array_of(r.deployments)},
          {"timeline", array_of(r.timeline)}};
}

std::string check_report_path(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return path + " is a directory";
  const std::string temporary = temporary_of(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + temporary + ": " + error_text(errno);
  ::close(fd);
  ::unlink(temporary.c_str());
  return {};
}

std::string write_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = temporary_of(path);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot create " + temporary + ": " + error_text(errno);
  std::string error;
  if (!write_all(fd, text)) {
    error = "cannot write " + temporary + ": " + error_text(errno);
  } else if (::fsync(fd) != 0) {
    error = "cannot sync " + temporary + ": " + error_text(errno);
  }
  if (::close(fd) != 0 && error.empty()) error = "cannot close " + temporary + ": " + error_text(errno);
  if (error.empty() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot rename " + temporary + " to " + path + ": " + error_text(errno);
  }
  if (!error.empty()) ::unlink(temporary.c_str());
  return error;
}

}  // namespace fleet::cli
