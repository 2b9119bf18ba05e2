#pragma once
// The exit codes scripts and CI rely on (docs/architecture: the CLI contract).

namespace fleet::cli {

inline constexpr int exit_ok = 0;               ///< every expectation held
inline constexpr int exit_expectation_failed = 1;
inline constexpr int exit_bad_input = 2;        ///< scenario or flags: nothing ran
inline constexpr int exit_run_failed = 3;       ///< the run itself failed

}  // namespace fleet::cli
