#pragma once
// The flags `run` and `validate` share to change a scenario without editing
// its file: `--duration D` and `--set PATH=VALUE`.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "fleet/scenario/loader.hpp"

namespace fleet::cli {

struct scenario_flags {
  std::string duration;           ///< empty: the file's
  std::vector<std::string> sets;  ///< "PATH=VALUE", in command-line order
};

/// Adds --duration and --set to `cmd`, writing into `flags`.
void add_scenario_flags(CLI::App& cmd, scenario_flags& flags);

/// The overrides the flags ask for, --duration first, then each --set in order.
std::vector<scenario::field_override> overrides_of(const scenario_flags& flags);

/// " --duration D --set PATH=VALUE ...", each word quoted for a POSIX shell
/// when it needs to be: what the replay command adds to repeat them.
std::string replay_words(const scenario_flags& flags);

}  // namespace fleet::cli
