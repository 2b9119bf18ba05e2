#pragma once
// What the scenario schema says about attack kinds, for the loader and for
// those that write scenarios (fleetsim explore's schedules).

#include "scenario.pb.h"

namespace fleet::scenario {

/// The compromised mirror's kinds: they serve a share of the devices for a
/// span, through the update delivery (docs/scenarios.md).
inline bool mirror_kind(Attack::KindCase k) {
  switch (k) {
    case Attack::kRogueImage:
    case Attack::kTamperedImage:
    case Attack::kRollbackImage:
    case Attack::kMixAndMatch:
    case Attack::kFreeze:
    case Attack::kEndlessData:
    case Attack::kLeakedSigningKey: return true;
    default: return false;
  }
}

}  // namespace fleet::scenario
