#include "run.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exit_codes.hpp"
#include "fleet/checkers/expectations.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/units.hpp"
#include "host_port.hpp"
#include "html_report.hpp"
#include "junit_report.hpp"
#include "live_status.hpp"
#include "output_file.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/metrics_exporter.hpp"
#include "report_json.hpp"
#include "scenario_flags.hpp"
#include "summary.hpp"
#include "whole_number.hpp"

namespace fleet::cli {
namespace {

inline constexpr std::uint32_t threads_max = 64;
/// Past this a pace is as good as "max"; the limit keeps the flag's range finite.
inline constexpr double speed_max = 1e9;

std::uint32_t default_threads() {
  return std::clamp<std::uint32_t>(std::thread::hardware_concurrency(), 1, threads_max);
}

struct run_flags {
  std::string scenario_file;
  std::uint64_t seed = 0;
  std::uint64_t devices = 0;
  std::uint32_t threads = default_threads();
  std::string speed = "max";
  std::string report;
  std::string html;
  std::string junit;
  std::string metrics_addr;
  double metrics_linger = 15;
  bool quiet = false;
  scenario_flags scenario;
  const CLI::Option* seed_given = nullptr;
  const CLI::Option* devices_given = nullptr;
};

/// "max" -> 0 (as fast as possible), "X" -> X in (0, speed_max]; nothing else.
std::optional<double> parse_speed(const std::string& text) {
  if (text == "max") return 0.0;
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double x = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(x) || x <= 0 || x > speed_max) return std::nullopt;
  return x;
}

// SIGINT and SIGTERM only store here; the engine reads it between stretches.
std::atomic<bool> stop_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may only touch a lock-free atomic");

void on_stop_signal(int) { stop_requested.store(true); }

/// While alive, SIGINT and SIGTERM ask the run to stop. SA_RESETHAND: the
/// first signal asks, a second one ends the process at once (no report).
class stop_on_signals {
 public:
  stop_on_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
  }
  ~stop_on_signals() {
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  stop_on_signals(const stop_on_signals&) = delete;
  stop_on_signals& operator=(const stop_on_signals&) = delete;

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// The scenario as the flags make it, or exit_bad_input after saying why.
std::optional<scenario::scenario> scenario_of(const run_flags& flags) {
  // --devices is part of loading: a size the file means nothing at is refused at its field.
  const std::optional<std::uint64_t> devices =
      flags.devices_given->count() > 0 ? std::optional<std::uint64_t>(flags.devices) : std::nullopt;
  scenario::load_result loaded = scenario::load_file(flags.scenario_file, overrides_of(flags.scenario), devices);
  if (!loaded.value) {
    for (const scenario::diagnostic& d : loaded.errors) std::fprintf(stderr, "%s\n", scenario::to_string(d).c_str());
    return std::nullopt;
  }
  scenario::scenario s = std::move(*loaded.value);
  if (flags.seed_given->count() > 0) s.seed = flags.seed;
  // About what runs (rescaled by --devices), before it runs; the run goes on.
  for (const scenario::diagnostic& d : scenario::warnings(s, loaded.places)) {
    std::fprintf(stderr, "%s\n", scenario::to_string(d).c_str());
  }
  return s;
}

/// The command line that replays the run: the file, the seed it ran with,
/// the fleet size when --devices changed it, and the fields set by flags.
std::string replay_command(const run_flags& flags, const scenario::scenario& s) {
  std::string command = "fleetsim run " + flags.scenario_file + " --seed " + std::to_string(s.seed);
  if (flags.devices_given->count() > 0) command += " --devices " + std::to_string(s.device_count());
  return command + replay_words(flags.scenario);
}

/// How the verdict line names where an output went.
std::string shown_path(const output_target& target) { return target.path == "-" ? "stdout" : target.path; }

/// What the verdict line adds about the --html page or the --junit file
/// (`what`): nothing without the flag.
std::string output_note(const char* what, const report_outcome& output) {
  if (output.path.empty()) return {};
  if (!output.error.empty()) return std::string("; ") + what + " not written: " + output.error;
  return std::string("; ") + what + " written to " + output.path;
}

/// The outputs the flags ask for, each checked, and none the scenario or
/// another: empty after saying why not (exit_bad_input).
std::optional<std::vector<output_target>> outputs_of(const run_flags& flags) {
  std::vector<output_target> outputs;
  for (const auto& [flag, path] : {std::pair<const char*, const std::string&>{"--report", flags.report},
                                   std::pair<const char*, const std::string&>{"--html", flags.html},
                                   std::pair<const char*, const std::string&>{"--junit", flags.junit}}) {
    if (path.empty()) {
      outputs.push_back({});  // none: keeps the order report, html, junit
      continue;
    }
    output_check c = check_output(flag, path);
    if (!c.error.empty()) {
      std::fprintf(stderr, "fleetsim run: %s: %s\n", flag, c.error.c_str());
      return std::nullopt;
    }
    outputs.push_back(std::move(c.target));
  }
  std::vector<output_target> given;
  for (const output_target& o : outputs) {
    if (!o.path.empty()) given.push_back(o);
  }
  if (const std::string why = check_distinct(flags.scenario_file, given); !why.empty()) {
    std::fprintf(stderr, "fleetsim run: %s\n", why.c_str());
    return std::nullopt;
  }
  return outputs;
}

/// Writes `text` to `target` if it was asked for.
report_outcome write_if_asked(const output_target& target, const std::string& text) {
  if (target.path.empty()) return {};
  return {shown_path(target), write_output(target, text)};
}

/// After the run, the endpoint stays up so that the last scrape sees the end;
/// Ctrl-C or SIGTERM cuts it short.
void linger(const actors::metrics_exporter& metrics, const run_flags& flags) {
  if (flags.metrics_linger <= 0) return;
  std::fprintf(stderr, "fleetsim run: metrics stay up on port %d for %g s (Ctrl-C ends it)\n", metrics.port(),
               flags.metrics_linger);
  stop_requested.store(false);
  const stop_on_signals stop_guard;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(flags.metrics_linger);
  while (!stop_requested.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int run(const run_flags& flags) {
  std::optional<scenario::scenario> s = scenario_of(flags);
  if (!s) return exit_bad_input;
  const std::optional<std::vector<output_target>> outputs = outputs_of(flags);
  if (!outputs) return exit_bad_input;
  const output_target& report_target = (*outputs)[0];
  const output_target& html_target = (*outputs)[1];
  const output_target& junit_target = (*outputs)[2];
  // A report on stdout is read by a program: the summary and verdict go to stderr.
  const bool stdout_taken = std::any_of(outputs->begin(), outputs->end(),
                                        [](const output_target& o) { return o.way == output_way::standard_out; });
  std::FILE* const text_out = stdout_taken ? stderr : stdout;

  const auto start = std::chrono::steady_clock::now();
  actors::run_options options;
  options.threads = flags.threads;
  options.speed = *parse_speed(flags.speed);  // the flag's validator accepted it
  options.stop = &stop_requested;
  std::unique_ptr<actors::metrics_exporter> metrics;
  if (!flags.metrics_addr.empty()) {
    try {
      metrics = std::make_unique<actors::metrics_exporter>(flags.metrics_addr, *s);
    } catch (const actors::metrics_error& e) {
      std::fprintf(stderr, "fleetsim run: --metrics-addr: %s\n", e.what());
      return exit_bad_input;
    }
    std::fprintf(stderr, "fleetsim run: metrics on http://%s/metrics\n",
                 with_port(flags.metrics_addr, metrics->port()).c_str());
  }
  std::optional<live_status> status;
  if (!flags.quiet) status.emplace(stderr, isatty(fileno(stderr)) != 0);
  if (metrics || status) {
    // Scrapes every second or so see a fresh figure; a terminal is redrawn about as often.
    options.observe_every = metrics ? std::chrono::milliseconds(500) : std::chrono::milliseconds(1000);
    options.observe = [&metrics, &status](const actors::live_snapshot& snapshot) {
      if (metrics) metrics->publish(snapshot);
      if (status) status->show(snapshot);
    };
  }
  stop_requested.store(false);
  actors::run_result result;
  try {
    const stop_on_signals stop_guard;
    result = actors::run(*s, options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleetsim run: the run failed: %s\n", e.what());
    return exit_run_failed;
  }
  if (status) status->clear();

  run_context context;
  context.scenario_file = flags.scenario_file;
  context.length = s->length;
  context.wall_seconds = seconds_since(start);
  const process_usage usage = measure_process();
  context.cpu_seconds = usage.cpu_seconds;
  context.peak_rss_bytes = usage.peak_rss_bytes;
  context.replay_command = replay_command(flags, *s);
  result.expectations = checkers::check_expectations(*s, result);
  if (!result.complete) {
    // Checked on part of the run, an expectation says nothing: not judged.
    for (actors::expectation_result& e : result.expectations) {
      e.passed = false;
      e.detail = "the run stopped at " + scenario::format_duration(result.simulated) + " of " +
                 scenario::format_duration(s->length);
    }
  }

  const nlohmann::ordered_json report_data = report_json(result, context);
  const report_outcome report = write_if_asked(report_target, report_text(report_data));
  const report_outcome html = write_if_asked(html_target, html_report(report_data));
  const report_outcome junit = write_if_asked(junit_target, junit_report(result, context));
  if (!flags.quiet) std::fprintf(text_out, "%s", summary(result, context).c_str());
  std::fflush(text_out);  // the summary before a verdict on stderr, even into a pipe
  // With no summary, the failed checks still need naming: one line each.
  if (flags.quiet) std::fprintf(stderr, "%s", failure_lines(result).c_str());
  // A page or a JUnit file not written fails the run as a report not written does (exit 3).
  const report_outcome& first_error = !report.error.empty() ? report : !html.error.empty() ? html : junit;
  const int code = exit_code(result, first_error);
  std::fprintf(code == exit_ok ? text_out : stderr, "%s%s%s\n", verdict(result, context, report).c_str(),
               output_note("HTML report", html).c_str(), output_note("JUnit report", junit).c_str());
  if (metrics) {
    if (result.complete) metrics->publish_expectations(result.expectations);
    linger(*metrics, flags);
  }
  return code;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<run_flags>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario and report what the fleet did");
  cmd->footer(
      "Loads and checks SCENARIO as `fleetsim validate` does (errors: FILE:LINE:COL, exit 2, nothing run;\n"
      "warnings, about the scenario as the flags make it: FILE:LINE:COL: warning: on stderr, even with\n"
      "--quiet, and the run goes on),\n"
      "runs it in simulated time, prints a one-screen summary (unless --quiet) and always a verdict line.\n"
      "Progress (unless --quiet), on stderr: on a terminal a status block redrawn each second (simulated\n"
      "time, wall time and ETA, devices by state, each rollout's wave, events/s); otherwise a line every 5 s.\n"
      "The run is deterministic: the same scenario\n"
      "and seed give the same trace_hash for any --threads.\n"
      "Ctrl-C or SIGTERM: the run stops at its next window, the report is written with \"complete\": false,\n"
      "its expectations not judged (JSON \"passed\": null; JUnit skipped), exit 3. A second Ctrl-C ends the\n"
      "process at once, without a report.\n"
      "--report, --html, --junit: - is stdout (the summary and verdict then go to stderr); a file is replaced\n"
      "atomically, a symlink's target replaced and the link kept, a FIFO or a terminal written through;\n"
      "the scenario file, two outputs on one file, a directory are refused before the run.\n"
      "Exit codes: 0 the run completed and every expectation of the scenario held; 1 an expectation\n"
      "failed (the summary says what was seen, the verdict line the command that replays the run);\n"
      "2 bad input (scenario, flags, --devices refused, an output refused, --metrics-addr not\n"
      "free): nothing ran; 3 the run\n"
      "failed, was interrupted, or a report could not be written.\n"
      "With --metrics-addr, Prometheus metrics (docs/metrics.md) are served while the run goes and for\n"
      "--metrics-linger seconds after it. The report's fields, with units: docs/cli.md.\n"
      "Still to come with later issues: --workers (this process is the only worker).");
  cmd->add_option("SCENARIO", flags->scenario_file, "Scenario file (protobuf text format, proto/scenario.proto)")
      ->type_name("FILE")
      ->required();
  flags->seed_given = cmd->add_option("--seed", flags->seed, "Seed of the run (default: the scenario's seed)")
                          ->check(whole_number());
  flags->devices_given =
      cmd->add_option("--devices", flags->devices,
                      "Rescale the fleet to N devices, groups keeping their proportions and count-based settings "
                      "following them (default: the scenario's); refused below the file's min_devices or an "
                      "automatic floor, at its FILE:LINE:COL")
          ->check(whole_number());
  cmd->add_option("--threads", flags->threads,
                  "Engine threads, 1 to 64; the result does not depend on it (default: this machine's hardware "
                  "threads, at most 64)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, threads_max));
  cmd->add_option("--speed", flags->speed,
                  "max: as fast as possible; X > 0: simulated time runs at X times wall time (3600: an hour a "
                  "second)")
      ->type_name("max|X")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& text) {
            return parse_speed(text) ? std::string{} : "must be max or a number greater than 0, at most 1e9";
          },
          ""));
  cmd->add_option("--report", flags->report,
                  "Write the JSON report to FILE; - for stdout (the summary and verdict then go to stderr). "
                  "Checked before the run; a regular file is replaced atomically (a temporary, then renamed), "
                  "a FIFO or a terminal written through; the scenario file or another output is refused")
      ->type_name("FILE.json|-");
  cmd->add_option("--html", flags->html,
                  "Write the report as one self-contained HTML page (charts over simulated time, the expectations; "
                  "works offline) to FILE, checked and written as --report")
      ->type_name("FILE.html|-");
  cmd->add_option("--junit", flags->junit,
                  "Write JUnit XML for CI to FILE: one test case per expectation (a failure with what the run "
                  "showed; skipped when the run was interrupted), the seed and replay command as properties; "
                  "checked and written as --report")
      ->type_name("FILE.xml|-");
  cmd->add_option("--metrics-addr", flags->metrics_addr,
                  "Serve Prometheus metrics on http://HOST:PORT/metrics while the run goes (port 0: any free "
                  "port, printed at the start)")
      ->type_name("HOST:PORT")
      ->check(host_port_validator());
  cmd->add_option("--metrics-linger", flags->metrics_linger,
                  "Seconds the metrics endpoint stays up after the run, so that the last scrape sees the end")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  add_scenario_flags(*cmd, flags->scenario);
  cmd->add_flag("--quiet", flags->quiet,
                "No progress and no summary: only the verdict line, errors, warnings, and one line on stderr per failed "
                "expectation (FAIL NAME: what the run showed)");
  cmd->callback([flags, &exit_code] { exit_code = run(*flags); });
}

}  // namespace fleet::cli
