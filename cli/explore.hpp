#pragma once
// `fleetsim explore`: runs a scenario under derived seeds with drawn fault
// and attack schedules, keeps and shrinks the failures (docs/explore.md).

#include <CLI/CLI.hpp>

namespace fleet::cli {

/// Adds the `explore` subcommand; its callback sets `exit_code`.
void add_explore(CLI::App& app, int& exit_code);

}  // namespace fleet::cli
