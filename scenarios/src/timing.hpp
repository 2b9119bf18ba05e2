#pragma once
// When a fault or an attack happens: `at` (required, before the end of the
// run) and `duration` (required for the kinds that last, refused for those
// that happen at an instant). Shared by the fault and attack sections.

#include <string>

#include "checks.hpp"
#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {

struct timing {
  duration at{0};
  duration length{0};  ///< 0 for an instant
};

/// Reads `at` and `duration` of one entry whose kind is `kind`; errors go to `c`.
timing read_timing(checker& c, const std::string& at_text, const std::string& duration_text, bool lasts,
                   const std::string& what, const char* kind, duration run_length);

}  // namespace fleet::scenario
