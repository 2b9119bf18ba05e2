#pragma once
// What a valid scenario says it does and cannot: warnings, not errors. A
// file that warns loads and runs; each warning says why a part of it will
// not do what it seems to (docs/scenarios.md, "Warnings"). A pure function
// of the typed scenario and of where its fields stand in the file.

#include <cstddef>
#include <string>
#include <vector>

#include "fleet/cloud/maintenance_window.hpp"
#include "fleet/scenario/diagnostic.hpp"
#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {

/// Where the fields of a deployment that a warning may point at stand in the file.
struct deployment_places {
  location group;                 ///< its `group`
  std::vector<location> waves;    ///< rollout.wave[i]: its count or percent
  std::vector<location> windows;  ///< rollout.window[i]
};

/// What the loader knew of the places of a scenario it loaded.
struct scenario_places {
  std::string file;
  std::vector<deployment_places> deployments;  ///< by scenario deployment
};

/// The maintenance-window check follows this many model devices of the
/// deployment's product, each for at most `window_model_checks_max` update
/// checks (at the shortest interval, a minute, plus the firmware's mean
/// jitter of half an hour: about 430 days, longer than any run); it warns
/// when fewer than `window_reach_min` of them check inside a window between
/// the deployment's start and the end of the run.
inline constexpr std::size_t window_model_devices = 100;
inline constexpr std::size_t window_model_checks_max = 20'000;
inline constexpr double window_reach_min = 0.5;

/// The share of a product's devices (with `timing`) that check for updates
/// at least once inside one of `windows` in [from, to): model devices powered
/// on evenly over the power-on spread, each checking at power on and then
/// every update_check_interval plus a jitter drawn as the firmware draws it,
/// from a fixed stream (the same file always gets the same answer). 1 with
/// no windows (offers at any time).
double window_reach(const std::vector<cloud::maintenance_window>& windows, const device_timing& timing, duration from,
                    duration to);

/// Every warning about `s`, in file order, placed by `at` (at.file names the file).
std::vector<diagnostic> warnings(const scenario& s, const scenario_places& at);

}  // namespace fleet::scenario
