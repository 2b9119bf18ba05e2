#include "explore.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "exit_codes.hpp"
#include "fleet/explore/explore.hpp"
#include "fleet/scenario/units.hpp"
#include "html_report.hpp"
#include "output_file.hpp"
#include "whole_number.hpp"

namespace fleet::cli {
namespace {

/// A wall-clock budget (--time) at most this long.
inline constexpr std::chrono::hours time_max{24 * 30};
/// --devices, as `fleetsim run` takes it at most.
inline constexpr std::uint64_t explore_devices_max = 4'000'000;

struct explore_flags {
  std::string scenario_file;
  std::uint64_t runs = 100;
  std::string time;
  std::uint64_t devices = 0;
  std::uint32_t jobs = std::clamp<std::uint32_t>(std::thread::hardware_concurrency(), 1, explore::jobs_max);
  std::uint64_t seed = 1;
  std::string out = "fleetsim-explore";
  bool no_shrink = false;
  std::uint32_t shrink_runs = explore::shrink_runs_default;
  std::string report;
  std::string html;
  bool quiet = false;
  const CLI::Option* devices_given = nullptr;
  const CLI::Option* runs_given = nullptr;
};

std::string short_hash(const std::string& h) { return h.substr(0, 16); }

nlohmann::ordered_json reproducer_json(const explore::reproducer& r, const std::string& path) {
  nlohmann::ordered_json j;
  j["path"] = path;
  j["trace_hash"] = r.trace_hash;
  j["replayed"] = r.replayed;
  j["events"] = r.events;
  j["devices"] = r.devices;
  j["kept"] = r.kept;
  return j;
}

nlohmann::ordered_json report_of(const explore::exploration& ex, const explore_flags& flags, double wall_seconds) {
  nlohmann::ordered_json j;
  // What wrote it: the HTML page draws an explore report, not a run's, by this field.
  j["command"] = "explore";
  j["scenario"] = ex.scenario;
  j["scenario_file"] = flags.scenario_file;
  j["seed"] = ex.seed;
  j["devices"] = ex.devices;
  j["jobs"] = flags.jobs;
  j["wall_seconds"] = wall_seconds;
  j["runs"] = ex.runs.size();
  std::size_t failed = 0;
  std::map<std::string, std::uint64_t> by_expectation;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const explore::run_record& r : ex.runs) {
    nlohmann::ordered_json one;
    one["index"] = r.index;
    one["seed"] = r.seed;
    one["trace_hash"] = r.result.trace_hash;
    nlohmann::ordered_json schedule = nlohmann::ordered_json::array();
    for (const explore::event& e : r.schedule) schedule.push_back(explore::describe(e));
    one["schedule"] = schedule;
    nlohmann::ordered_json failing = nlohmann::ordered_json::array();
    for (const actors::expectation_result& v : r.result.verdicts) {
      if (!v.passed) {
        failing.push_back(v.name);
        ++by_expectation[v.name];
      }
    }
    if (!failing.empty()) ++failed;
    one["failed"] = failing;
    if (!r.result.load_error.empty()) one["error"] = r.result.load_error;
    runs.push_back(one);
  }
  j["failed"] = failed;
  j["failures_by_expectation"] = by_expectation;
  nlohmann::ordered_json failures = nlohmann::ordered_json::array();
  for (const explore::failure& f : ex.failures) {
    nlohmann::ordered_json one;
    one["run"] = f.run;
    one["seed"] = f.seed;
    one["expectation"] = f.expectation;
    one["reproducer"] = reproducer_json(f.full, (std::filesystem::path(flags.out) / f.full.file).string());
    if (f.minimal) {
      one["shrunk"] = reproducer_json(*f.minimal, (std::filesystem::path(flags.out) / f.minimal->file).string());
      one["shrink_runs"] = f.shrink_runs;
    }
    failures.push_back(one);
  }
  j["failures"] = failures;
  nlohmann::ordered_json attacks = nlohmann::ordered_json::array();
  for (const explore::attack_reach& a : ex.cover.attacks) {
    nlohmann::ordered_json one;
    one["kind"] = a.kind;
    one["runs"] = a.runs;
    one["tried"] = a.tried;
    one["stopped"] = a.stopped;
    one["got_through"] = a.got_through;
    nlohmann::ordered_json checks = nlohmann::ordered_json::array();
    for (const explore::check_reach& c : a.checks) {
      checks.push_back({{"check", c.check}, {"stopped", c.stopped}, {"runs", c.runs}, {"catalogued", c.catalogued}});
    }
    one["checks"] = checks;
    attacks.push_back(one);
  }
  nlohmann::ordered_json faults = nlohmann::ordered_json::array();
  for (const explore::fault_reach& f : ex.cover.faults) {
    nlohmann::ordered_json one;
    one["kind"] = f.kind;
    one["runs"] = f.runs;
    one["devices_hit"] = f.devices_hit;
    one["armed"] = f.armed;
    one["writes_torn"] = f.writes_torn;
    nlohmann::ordered_json by_write = nlohmann::ordered_json::object();
    for (const auto& [w, n] : f.torn_by_write) by_write[std::to_string(w)] = n;
    one["torn_by_write"] = by_write;
    one["torn_by_write_kind"] = f.torn_by_write_kind;
    one["device_states"] = f.device_states;
    one["update_steps"] = f.update_steps;
    faults.push_back(one);
  }
  j["coverage"] = {{"attacks", attacks}, {"faults", faults}, {"unreached", ex.cover.unreached}};
  j["runs_detail"] = runs;
  j["errors"] = ex.errors;
  return j;
}

std::string summary_of(const explore::exploration& ex, const explore_flags& flags) {
  std::string out;
  const auto line = [&out](const std::string& s) { out += s + "\n"; };
  std::map<std::string, std::uint64_t> by_expectation;
  std::size_t failed = 0;
  for (const explore::run_record& r : ex.runs) {
    bool any = false;
    for (const actors::expectation_result& v : r.result.verdicts) {
      if (!v.passed) {
        ++by_expectation[v.name];
        any = true;
      }
    }
    failed += any ? 1 : 0;
  }
  line("explore " + ex.scenario + ": " + scenario::format_count(ex.runs.size()) + " runs (seed " +
       std::to_string(ex.seed) + ", " + scenario::format_count(ex.devices) + " devices, " +
       std::to_string(flags.jobs) + " jobs), " + scenario::format_count(failed) + " failed");
  if (!by_expectation.empty()) {
    line("failures by expectation:");
    for (const auto& [name, n] : by_expectation) line("  " + name + ": " + scenario::format_count(n) + " runs");
  }
  for (const explore::failure& f : ex.failures) {
    if (!f.minimal) continue;  // the first failing run of each expectation; the others are in --report
    line("run " + std::to_string(f.run) + " (seed " + std::to_string(f.seed) + ") fails " + f.expectation + ":");
    const auto show = [&](const char* what, const explore::reproducer& r) {
      line(std::string("  ") + what + " " + (std::filesystem::path(flags.out) / r.file).string() + ": " +
           std::to_string(r.events) + " faults and attacks, " + scenario::format_count(r.devices) +
           " devices, trace_hash " + short_hash(r.trace_hash) + (r.replayed ? ", replays" : ", DOES NOT REPLAY"));
    };
    show("full  ", f.full);
    show("shrunk", *f.minimal);
    for (const std::string& k : f.minimal->kept) line("    " + k);
    line("    (" + std::to_string(f.shrink_runs) + " shrink runs)");
  }
  if (ex.failures.size() > 0) {
    std::size_t unshrunk = 0;
    for (const explore::failure& f : ex.failures) unshrunk += f.minimal ? 0 : 1;
    if (unshrunk > 0) line(std::to_string(unshrunk) + " more failing runs written unshrunk to " + flags.out);
  }
  line("coverage, checks that stopped attacks:");
  for (const explore::attack_reach& a : ex.cover.attacks) {
    line("  " + a.kind + " (" + scenario::format_count(a.runs) + " runs): " + scenario::format_count(a.tried) +
         " tried, " + scenario::format_count(a.stopped) + " stopped, " + scenario::format_count(a.got_through) +
         " got through");
    for (const explore::check_reach& c : a.checks) {
      line("    " + c.check + ": " + (c.stopped == 0 ? std::string("unreached")
                                                       : scenario::format_count(c.stopped) + " in " +
                                                             scenario::format_count(c.runs) + " runs") +
           (c.catalogued ? "" : " (not in the catalogue)"));
    }
  }
  if (!ex.cover.unreached.empty()) {
    std::string u;
    for (const std::string& s : ex.cover.unreached) u += (u.empty() ? "" : ", ") + s;
    line("unreached checks: " + u);
  }
  line("faults:");
  for (const explore::fault_reach& f : ex.cover.faults) {
    std::string s = "  " + f.kind + " (" + scenario::format_count(f.runs) + " runs): " +
                    scenario::format_count(f.devices_hit) + " devices hit";
    if (f.armed > 0) s += ", " + scenario::format_count(f.armed) + " tears armed, " +
                          scenario::format_count(f.writes_torn) + " writes torn";
    if (!f.device_states.empty()) {
      s += "; devices met:";
      for (const auto& [state, n] : f.device_states) s += " " + state + " " + std::to_string(n);
    }
    if (!f.update_steps.empty()) {
      s += "; update steps met:";
      for (const auto& [step, n] : f.update_steps) s += " " + step + " " + std::to_string(n);
    }
    if (!f.torn_by_write_kind.empty()) {
      s += "; torn:";
      for (const auto& [kind, n] : f.torn_by_write_kind) s += " " + kind + " " + std::to_string(n);
    }
    if (!f.torn_by_write.empty()) {
      s += "; torn by write aimed at:";
      for (const auto& [w, n] : f.torn_by_write) s += " #" + std::to_string(w) + " " + std::to_string(n);
    }
    line(s);
  }
  for (const std::string& e : ex.errors) line("error: " + e);
  return out;
}

/// The --report and --html targets, each checked, and neither the scenario
/// nor the other (two on stdout included); nullopt after saying why not.
struct explore_outputs {
  std::optional<output_target> report, html;
};
std::optional<explore_outputs> outputs_of(const explore_flags& flags) {
  explore_outputs outputs;
  const auto check = [](const char* flag, const std::string& path, std::optional<output_target>& target) {
    if (path.empty()) return true;
    output_check c = check_output(flag, path);
    if (!c.error.empty()) {
      std::fprintf(stderr, "fleetsim explore: %s: %s\n", flag, c.error.c_str());
      return false;
    }
    target = std::move(c.target);
    return true;
  };
  if (!check("--report", flags.report, outputs.report) || !check("--html", flags.html, outputs.html)) {
    return std::nullopt;
  }
  std::vector<output_target> given;
  for (const std::optional<output_target>* o : {&outputs.report, &outputs.html}) {
    if (*o) given.push_back(**o);
  }
  if (const std::string why = check_distinct(flags.scenario_file, given); !why.empty()) {
    std::fprintf(stderr, "fleetsim explore: %s\n", why.c_str());
    return std::nullopt;
  }
  return outputs;
}

int run_explore(const explore_flags& flags) {
  explore::options o;
  o.runs = flags.runs;
  o.jobs = flags.jobs;
  o.seed = flags.seed;
  o.shrink = !flags.no_shrink;
  o.shrink_runs = flags.shrink_runs;
  if (flags.devices_given->count() > 0) o.devices = flags.devices;
  const auto start = std::chrono::steady_clock::now();
  if (!flags.time.empty()) {
    const auto budget = scenario::parse_duration(flags.time);
    if (!budget.ok() || budget.value < std::chrono::seconds(1) || budget.value > time_max) {
      std::fprintf(stderr, "fleetsim explore: --time: a duration in [1s, 30d], e.g. \"10m\"%s%s\n",
                   budget.ok() ? "" : ": ", budget.error.c_str());
      return exit_bad_input;
    }
    if (flags.runs_given->count() == 0) o.runs = explore::runs_max;
    const auto deadline = start + budget.value;
    o.keep_going = [deadline] { return std::chrono::steady_clock::now() < deadline; };
  }
  const std::optional<explore_outputs> outputs = outputs_of(flags);
  if (!outputs) return exit_bad_input;
  const bool tty = isatty(fileno(stderr)) != 0;
  if (!flags.quiet) {
    // A terminal's line is redrawn after each run; elsewhere a line every 5 s at most, and the last.
    auto last_line = std::make_shared<std::chrono::steady_clock::time_point>(start);
    o.on_progress = [tty, last_line](const explore::progress& p) {
      if (p.shrinking) {
        std::fprintf(stderr, "%sexplore: %llu runs, %llu failed; shrinking\n", tty ? "\r" : "",
                     static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.failed));
        return;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!tty && p.done < p.planned && now - *last_line < std::chrono::seconds(5)) return;
      *last_line = now;
      std::fprintf(stderr, "%sexplore: %llu runs, %llu failed%s", tty ? "\r" : "",
                   static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.failed),
                   tty ? "" : "\n");
    };
  }
  explore::explore_result result = explore::explore(flags.scenario_file, o);
  if (!result.value) {
    for (const scenario::diagnostic& d : result.errors) std::fprintf(stderr, "%s\n", scenario::to_string(d).c_str());
    return exit_bad_input;
  }
  if (!flags.quiet && tty) std::fprintf(stderr, "\n");
  const explore::exploration& ex = *result.value;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int code = ex.failures.empty() ? exit_ok : exit_expectation_failed;
  if (!ex.failures.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(flags.out, ec);
    for (const explore::failure& f : ex.failures) {
      for (const explore::reproducer* r : {&f.full, f.minimal ? &*f.minimal : nullptr}) {
        if (r == nullptr) continue;
        const std::string path = (std::filesystem::path(flags.out) / r->file).string();
        if (const std::string why = ec ? ec.message() : write_atomically(path, r->text); !why.empty()) {
          std::fprintf(stderr, "fleetsim explore: %s not written: %s\n", path.c_str(), why.c_str());
          code = exit_run_failed;
        }
      }
    }
  }
  // A report or page on stdout is read by a program: the summary goes to stderr.
  const auto on_stdout = [](const std::optional<output_target>& target) {
    return target && target->way == output_way::standard_out;
  };
  std::FILE* const text_out = on_stdout(outputs->report) || on_stdout(outputs->html) ? stderr : stdout;
  std::fprintf(text_out, "%s", summary_of(ex, flags).c_str());
  std::fflush(text_out);
  if (!ex.errors.empty()) code = exit_run_failed;
  if (outputs->report || outputs->html) {
    const nlohmann::ordered_json report = report_of(ex, flags, wall);
    const auto write = [&code](const char* flag, const output_target& target, const std::string& text) {
      if (const std::string why = write_output(target, text); !why.empty()) {
        std::fprintf(stderr, "fleetsim explore: %s not written: %s\n", flag, why.c_str());
        code = exit_run_failed;
      }
    };
    if (outputs->report) write("--report", *outputs->report, report.dump(2) + "\n");
    if (outputs->html) write("--html", *outputs->html, html_report(report));
  }
  return code;
}

}  // namespace

void add_explore(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<explore_flags>();
  CLI::App* cmd = app.add_subcommand("explore", "Hunt for seeds and fault schedules that break an expectation");
  cmd->footer(
      "Runs SCENARIO --runs times (or for --time of wall time), --jobs at a time. Run i has its own seed,\n"
      "derived from --seed and i: the scenario's run seed and the draw of a schedule of faults and attacks\n"
      "(the file's `explore` section, docs/explore.md) on top of the file's own. Every run is judged by\n"
      "the scenario's expectations. A failing run is written to --out as run-I-seed-S.textproto, a\n"
      "standalone scenario (every fault and attack explicit, the seed and the fleet size set) that\n"
      "`fleetsim run` replays to the same trace_hash; the first failing run of each expectation is then\n"
      "shrunk (delta debugging over its faults and attacks, shorter spans, smaller shares, fewer\n"
      "devices) while the same expectation fails, and written as run-I-min.textproto.\n"
      "The summary (stdout): runs, failures by expectation, the reproducers, and coverage: which checks\n"
      "stopped which attacks, the catalogue's checks never reached listed as unreached. --report writes\n"
      "it and every run as JSON, --html as a page that draws that JSON (- is stdout for either, not both:\n"
      "the summary then goes to stderr).\n"
      "Deterministic: the same --seed gives the same runs and shrunk results for any --jobs.\n"
      "Exit codes: 0 no run failed; 1 a run failed an expectation; 2 bad input (nothing ran);\n"
      "3 a drawn run could not run, or a file could not be written (--report, --html, a reproducer).");
  cmd->add_option("SCENARIO", flags->scenario_file, "Scenario file (protobuf text format, proto/scenario.proto)")
      ->type_name("FILE")
      ->required();
  flags->runs_given = cmd->add_option("--runs", flags->runs, "Runs to make, 1 to 1,000,000")
                          ->capture_default_str()
                          ->check(CLI::Range(std::uint64_t{1}, explore::runs_max));
  cmd->add_option("--time", flags->time,
                  "Make runs for this long of wall time instead (\"10m\", at most 30d); with --runs, at most that many")
      ->type_name("DURATION");
  flags->devices_given = cmd->add_option("--devices", flags->devices,
                                         "Rescale the fleet to N devices, as fleetsim run --devices does")
                             ->check(CLI::Range(std::uint64_t{1}, explore_devices_max));
  cmd->add_option("--jobs", flags->jobs, "Runs at a time, 1 to 64, one engine thread each (default: the cores)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, explore::jobs_max));
  cmd->add_option("--seed", flags->seed, "The exploration's seed: each run's is derived from it")
      ->capture_default_str()
      ->check(whole_number());
  cmd->add_option("--out", flags->out, "Directory for the reproducers (made when a run fails)")->capture_default_str();
  cmd->add_flag("--no-shrink", flags->no_shrink, "Keep failures as they are: no shrinking");
  cmd->add_option("--shrink-runs", flags->shrink_runs, "Runs one shrink may spend, 1 to 10,000")
      ->capture_default_str()
      ->check(CLI::Range(std::uint32_t{1}, explore::shrink_runs_max));
  cmd->add_option("--report", flags->report,
                  "Write the summary and every run as JSON to FILE (- for stdout: the summary then goes to stderr), "
                  "checked and written as fleetsim run --report")
      ->type_name("FILE.json|-");
  cmd->add_option("--html", flags->html,
                  "Write the report as one self-contained HTML page (the runs, failures and their reproducers, "
                  "coverage; works offline) to FILE, checked and written as --report; --report and --html cannot "
                  "both be -")
      ->type_name("FILE.html|-");
  cmd->add_flag("--quiet", flags->quiet, "No progress on stderr");
  cmd->callback([flags, &exit_code] { exit_code = run_explore(*flags); });
}

}  // namespace fleet::cli
