#pragma once
// The checkers: each expectation of a scenario judged on the run's record
// (counters, censuses, deployment outcomes, request rates), as Jepsen's
// checkers read a history. The code under test sets no verdict flags: a
// checker sees only what the run recorded. Above both the scenarios (what
// is expected) and the engine (what happened): neither depends on them.

#include <vector>

#include "fleet/actors/run.hpp"
#include "fleet/scenario/scenario.hpp"

namespace fleet::checkers {

/// One verdict per expectation, in the scenario's order.
std::vector<actors::expectation_result> check_expectations(const scenario::scenario& s, const actors::run_result& run);

/// Whether every verdict passed (true when there are none).
bool all_passed(const std::vector<actors::expectation_result>& results);

}  // namespace fleet::checkers
