#pragma once
// What the engine tests check of an attack that must be stopped.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors::testing {

/// staged_rollout(devices) with `extra` (attacks, faults) appended, run.
inline run_result run_with(int devices, const std::string& extra) {
  return run(load(staged_rollout(devices) + extra), {});
}

/// The scenario's only attack.
inline const attack_outcome& only_attack(const run_result& r) {
  EXPECT_EQ(r.attacks.size(), 1u);
  return r.attacks.front();
}

/// The scenario's only attack: tried, every attempt stopped by a device for
/// one of `reasons`, none through; nothing unsigned ran, nothing bricked.
inline const attack_outcome& expect_stopped_by(const run_result& r, const std::set<std::string>& reasons) {
  EXPECT_EQ(r.attacks.size(), 1u);
  const attack_outcome& a = r.attacks.front();
  EXPECT_GT(a.tried, 0u);
  EXPECT_EQ(a.stopped, a.tried);
  EXPECT_EQ(a.got_through, 0u);
  std::uint64_t by_devices = 0;
  for (const auto& [reason, n] : a.stopped_by) {
    EXPECT_EQ(reasons.count(reason), 1u) << n << " stopped by " << reason;
    by_devices += n;
  }
  EXPECT_EQ(by_devices, a.stopped);
  EXPECT_EQ(r.counters.unsigned_code_started, 0u);
  EXPECT_EQ(r.counters.bricked, 0u);
  return a;
}

}  // namespace fleet::actors::testing
