#pragma once
// `fleetsim run SCENARIO`: runs a scenario on the fleet engine, writes the
// JSON report, prints a summary and a verdict.

#include <CLI/CLI.hpp>

namespace fleet::cli {

/// Adds `run` under `app`; the subcommand runs the scenario when parsed.
void add_run(CLI::App& app, int& exit_code);

}  // namespace fleet::cli
