#include "summary.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "exit_codes.hpp"
#include "text_format.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::cli {
namespace {

using scenario::format_count;

/// "1.0.0 500, 1.1.0 9,500"
std::string tallies(const std::map<std::string, std::uint64_t>& counts) {
  std::string text;
  for (const auto& [name, n] : counts) text += (text.empty() ? "" : ", ") + name + " " + format_count(n);
  return text.empty() ? "none" : text;
}

std::string time_line(const actors::run_result& r, const run_context& c) {
  std::string text = sim_time_text(r.simulated) + " of " + scenario::format_duration(c.length) + " simulated" +
                     (r.complete ? "" : " (interrupted)") + " in " + seconds_text(c.wall_seconds) + " wall, " +
                     seconds_text(c.cpu_seconds) + " CPU";
  const double sim_seconds = std::chrono::duration<double>(r.simulated).count();
  if (c.wall_seconds > 0) {
    text += ", " + format_count(static_cast<std::uint64_t>(std::llround(sim_seconds / c.wall_seconds))) +
            "x real time";
  }
  return text;
}

std::string deployment_line(const actors::deployment_outcome& d) {
  std::string text = d.name + ": " + d.state + ", " + counted(d.devices, "device", "devices") + ": " +
                     format_count(d.succeeded) + " succeeded, " + format_count(d.failed) + " failed, " +
                     format_count(d.rejected) + " rejected, " + format_count(d.timed_out) + " timed out";
  if (d.failed_after_commit > 0) text += ", " + format_count(d.failed_after_commit) + " failed after commit";
  const actors::rollback_figures& back = d.rollback;
  if (back.requested_at && (back.offered > 0 || back.took > 0)) {
    // Only a deployment that names a rollback image offers one.
    text += "; rolled back by the cloud: " + format_count(back.committed) + " of " + format_count(back.took) +
            " that took it (" + format_count(back.offered) + " offered";
    if (back.failed > 0) text += ", " + format_count(back.failed) + " failed";
    if (back.rejected > 0) text += ", " + format_count(back.rejected) + " refused";
    text += ")";
  }
  return text;
}

std::string crypto_line(const crypto::op_counts& o) {
  return counted(o.signs, "sign", "signs") + ", " + counted(o.verifies, "verify", "verifies") + ", " +
         counted(o.key_exchanges, "key exchange", "key exchanges") + ", " + counted(o.macs, "MAC", "MACs") + ", " +
         counted(o.hash_calls, "hash", "hashes") + " of " + bytes_text(o.hashed_bytes);
}

/// What a load tester looks for first: how the requests were answered, and the busiest minute.
std::string requests_line(const actors::run_result& r) {
  const actors::traffic_counts& t = r.traffic;
  const auto answered = [&t](actors::request_answer a) { return t.total(a); };
  const std::uint64_t ok = answered(actors::request_answer::ok);
  std::string text = format_count(t.total()) + " reached the cloud: " + format_count(ok) + " ok, " +
                     format_count(answered(actors::request_answer::error)) + " refused, " +
                     format_count(answered(actors::request_answer::dropped)) + " dropped";
  if (const std::uint64_t none = answered(actors::request_answer::unanswered); none > 0) {
    text += ", " + format_count(none) + " unanswered";
  }
  text += formatted(" (%.1f %% not ok)", 100.0 * static_cast<double>(t.total() - ok) / static_cast<double>(t.total()));
  const auto peak = std::max_element(r.requests_per_minute.begin(), r.requests_per_minute.end());
  if (peak != r.requests_per_minute.end() && *peak > 0) {
    const auto minute = std::chrono::minutes(peak - r.requests_per_minute.begin());
    text += "; busiest minute " + format_count(*peak) + " at " + sim_time_text(minute);
  }
  return text;
}

}  // namespace

std::string summary(const actors::run_result& r, const run_context& c) {
  std::string text;
  const auto line = [&text](const char* label, const std::string& body) {
    text += formatted("%-12s ", label) + body + "\n";
  };
  const actors::run_counters& n = r.counters;
  text += r.scenario + " (" + c.scenario_file + "): seed " + std::to_string(r.seed) + ", " +
          counted(r.devices, "device", "devices") + ", " + counted(r.threads, "thread", "threads") + ", " +
          counted(c.workers, "worker", "workers") + "\n";
  line("time", time_line(r, c));
  line("memory", "peak RSS " + bytes_text(c.peak_rss_bytes));
  line("engine", counted(r.events, "event", "events") + " in " + counted(r.partitions, "partition", "partitions") +
                     ", " + counted(r.barriers, "barrier", "barriers"));
  line("attestation", format_count(n.attestations) + " accepted, " + format_count(n.attestation_failures) +
                          " failed; " + counted(n.certificates_issued, "certificate", "certificates") + " issued");
  // A guardian's own components and the legacy devices it flashes are
  // counted apart: a legacy rollout installs and commits nothing of the guardian's.
  std::string updates = format_count(n.updates_downloaded) + " downloaded, " + format_count(n.updates_installed) +
                        " installed, " + format_count(n.updates_committed) + " committed, " +
                        format_count(n.updates_rolled_back) + " rolled back, " + format_count(n.updates_rejected) +
                        " rejected, " + format_count(n.updates_failed) + " failed";
  if (n.legacy_flashed > 0) updates += "; " + counted(n.legacy_flashed, "legacy device", "legacy devices") + " flashed";
  line("updates", updates);
  line("devices", counted(n.boots, "boot", "boots") + ", " + format_count(n.bricked) + " bricked, " +
                      counted(n.app_crashes, "app crash", "app crashes"));
  if (n.telemetry_generated > 0) {
    line("telemetry", format_count(n.telemetry_generated) + " events: " + format_count(n.telemetry_delivered) +
                          " delivered, " + format_count(n.telemetry_dropped) + " dropped (buffer full), " +
                          format_count(n.telemetry_lost_to_power) + " lost to power, " +
                          format_count(n.telemetry_buffered) + " still buffered; the cloud took " +
                          format_count(n.telemetry_received));
  }
  line("network", counted(n.messages_sent, "message", "messages") + ", " + format_count(n.messages_lost) +
                      " lost, " + format_count(n.messages_lost_to_faults) + " lost to faults");
  if (r.traffic.total() > 0) line("requests", requests_line(r));
  // A torn write armed acted only if a write came: most may never fire (issue 18: "310 faults injected").
  std::string faults = counted(n.faults_injected, "fault", "faults") + " injected";
  if (n.faults_armed > 0) {
    faults += " (" + format_count(n.faults_armed) + " armed for a torn write, " +
              format_count(n.faults_armed - n.writes_torn) + " never fired)";
  }
  line("faults", faults + ", " + format_count(n.requests_dropped_by_outages) + " requests dropped by outages");
  line("security", format_count(n.attacks_stopped) + " attacks stopped, " +
                       format_count(n.unsigned_code_started) + " unsigned software starts");
  line("crypto", crypto_line(r.crypto_ops));
  for (const actors::deployment_outcome& d : r.deployments) line("deployment", deployment_line(d));
  if (!r.timeline.empty()) {
    const actors::timeline_point& last = r.timeline.back();
    line("app versions", tallies(last.app_versions));
    line("states", tallies(last.states));
  }
  for (const actors::expectation_result& e : r.expectations) {
    line(expectation_label(e, r.complete), e.name + ": " + e.detail);
  }
  line("trace hash", r.trace_hash);
  return text;
}

const char* expectation_label(const actors::expectation_result& e, bool judged) {
  if (!judged) return "NOT JUDGED";
  return e.passed ? "PASS" : "FAIL";
}

std::string failure_lines(const actors::run_result& r) {
  std::string text;
  if (!r.complete) return text;
  for (const actors::expectation_result& e : r.expectations) {
    if (!e.passed) text += "fleetsim run: FAIL " + e.name + ": " + e.detail + "\n";
  }
  return text;
}

std::string verdict(const actors::run_result& r, const run_context& c, const report_outcome& report) {
  std::string text = "fleetsim run: ";
  if (r.complete) {
    const auto failed = static_cast<std::size_t>(
        std::count_if(r.expectations.begin(), r.expectations.end(), [](const auto& e) { return !e.passed; }));
    text += "complete, " + scenario::format_duration(c.length) + " simulated in " + seconds_text(c.wall_seconds) +
            " (seed " + std::to_string(r.seed) + "), ";
    if (r.expectations.empty()) {
      text += "no expectations";
    } else if (failed == 0) {
      text += r.expectations.size() == 1 ? std::string("its 1 expectation held")
                                         : "all " + std::to_string(r.expectations.size()) + " expectations held";
    } else {
      text += std::to_string(failed) + " of " + std::to_string(r.expectations.size()) +
              " expectations FAILED (replay: " + c.replay_command + ")";
    }
  } else {
    text += "interrupted at " + sim_time_text(r.simulated);
    if (!r.expectations.empty()) {
      text += ", " + counted(r.expectations.size(), "expectation", "expectations") + " not judged";
    }
  }
  if (!report.error.empty()) return text + "; report not written: " + report.error;
  if (report.path.empty()) return text + "; no report (no --report)";
  return text + "; report written to " + report.path;
}

int exit_code(const actors::run_result& r, const report_outcome& report) {
  if (!r.complete || !report.error.empty()) return exit_run_failed;
  const bool held = std::all_of(r.expectations.begin(), r.expectations.end(), [](const auto& e) { return e.passed; });
  return held ? exit_ok : exit_expectation_failed;
}

}  // namespace fleet::cli
