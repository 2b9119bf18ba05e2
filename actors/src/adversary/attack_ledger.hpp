#pragma once
// What each attack of a scenario did, in one place. The attackers that talk
// to the cloud, the cloud host (requests a man in the middle altered) and
// the devices (offers, chunks and replies altered on their way to them)
// all write their verdicts here, by attack index; a partition has one, and
// the report sums them over the partitions.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "device.pb.h"
#include "fleet/actors/run.hpp"
#include "fleet/fw/reject_reason.hpp"

namespace fleet::actors {

/// Whether the service's answer (none: it did not answer) to a request a
/// man in the middle altered grants nothing: no answer, an error, or a
/// challenge, which the service gives any client unauthenticated (one
/// flipped bit can turn a request's body into a challenge request). Any
/// other answer means an altered request passed as authenticated.
bool grants_nothing(std::optional<wire::Envelope::BodyCase> answer);

class attack_ledger {
 public:
  /// One outcome per attack, named and timed as the scenario has it.
  explicit attack_ledger(const std::vector<input::attack>& attacks);

  /// The outcome of attack `index` (scenario order), to count into.
  attack_outcome& of(std::size_t index) { return outcomes_[index]; }
  /// A message an attack altered on its way to a device, as the firmware
  /// judged it: stopped by the first rejection among its records (`check`),
  /// or through when there was none.
  void judge_on_device(std::size_t index, const fw::reject_reason* check);
  /// A request an attack altered on its way to the cloud: stopped when the
  /// service refused it or did not answer, by `check` when the service's
  /// refusal named one (served_reply::refused_by; empty: no name, as for no
  /// answer or a challenge).
  void judge_at_cloud(std::size_t index, bool refused, const std::string& check);

  const std::vector<attack_outcome>& outcomes() const { return outcomes_; }
  /// Adds another partition's counts, its outcomes as it reported them
  /// (names and times are the same).
  void add(const std::vector<attack_outcome>& other);

 private:
  std::vector<attack_outcome> outcomes_;
};

}  // namespace fleet::actors
