#pragma once
// The JSON report of `fleetsim run`: architecture.md's contract, every field
// with its meaning and unit in docs/cli.md. Scripts and CI read it, so a
// field is added, never renamed.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "fleet/actors/run.hpp"

namespace fleet::cli {

/// What the command knows of a run beyond the engine's result: where the
/// scenario came from and what the process spent on it.
struct run_context {
  std::string scenario_file;           ///< as given on the command line
  actors::sim_time length{0};          ///< the scenario's duration
  std::uint32_t workers = 1;           ///< processes that ran the fleet: this one
  double wall_seconds = 0;             ///< of the engine's run alone
  double cpu_seconds = 0;              ///< user + system, every thread, whole process
  std::uint64_t peak_rss_bytes = 0;
  std::string replay_command;          ///< the command line that replays this run exactly
};

/// This process's CPU time (user + system, every thread) and peak resident
/// set so far, from getrusage.
struct process_usage {
  double cpu_seconds = 0;
  std::uint64_t peak_rss_bytes = 0;
};
process_usage measure_process();

/// "pass", "fail", or "not_judged" when the run stopped before the
/// scenario's end (`judged` false): the report's `verdict` of an expectation.
std::string expectation_verdict(const actors::expectation_result& e, bool judged);

/// Keys in the order a reader wants them (identity, cost, outcome, detail).
nlohmann::ordered_json report_json(const actors::run_result& result, const run_context& context);

/// The report as `--report` writes it: indented by two as dump(2), except
/// that an array of numbers (or other scalars) takes one line, written
/// without spaces, and so does a record of scalars that is an array's
/// element: with a line per number, a month's time series took megabytes.
std::string report_text(const nlohmann::ordered_json& report);

}  // namespace fleet::cli
