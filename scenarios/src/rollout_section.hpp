#pragma once
// A deployment's rollout: the file's controls as the cloud's rollout_policy,
// checked by the cloud's own validate() with each of its errors put back at
// the field of the file it comes from.

#include "checks.hpp"
#include "fleet/cloud/rollout_policy.hpp"
#include "scenario.pb.h"

namespace fleet::scenario {

/// Fills `out` from `in` (defaults where the file says nothing); errors go
/// through `rollout`, the checker of the deployment's `rollout` field.
void read_rollout(const Rollout& in, checker& rollout, cloud::rollout_policy& out);

/// Runs cloud::validate(policy) and reports each error at its field:
/// through `deployment` for the start, through `rollout` for the rest.
void check_policy(const cloud::rollout_policy& policy, const Rollout& in, checker& deployment, checker& rollout);

}  // namespace fleet::scenario
