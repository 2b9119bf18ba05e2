#pragma once
// `fleetsim cloud serve`: the simulated security service over gRPC.

#include <CLI/CLI.hpp>

namespace fleet::cli {

/// Adds `cloud serve` under `cloud`; the subcommand runs the server when parsed.
void add_cloud_serve(CLI::App& cloud, int& exit_code);

}  // namespace fleet::cli
