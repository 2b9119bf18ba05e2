#pragma once
// `--set PATH=VALUE` and `--duration D`: fields of the parsed scenario set by
// reflection, before the checks see it.

#include <vector>

#include "fleet/scenario/diagnostic.hpp"
#include "fleet/scenario/loader.hpp"
#include "scenario.pb.h"

namespace fleet::scenario {

/// Sets each override on `parsed`, in order; the errors (each naming its
/// override's flag, with no place), empty when every one was set.
std::vector<diagnostic> apply_overrides(const std::vector<field_override>& overrides, Scenario& parsed);

}  // namespace fleet::scenario
