#pragma once
// `fleetsim validate FILE...`: checks scenario files, runs nothing.

#include <CLI/CLI.hpp>

namespace fleet::cli {

/// Adds `validate` under `app`; the subcommand checks its files when parsed.
void add_validate(CLI::App& app, int& exit_code);

}  // namespace fleet::cli
