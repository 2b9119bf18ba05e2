#pragma once
// `fleetsim run --devices N`: the same scenario with a fleet of N devices,
// its count-based settings scaled with the fleet so that it keeps its
// meaning, or the reason N is too small (or too large) for that.

#include <cstdint>
#include <optional>
#include <string>

#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {

/// Counts of evidence (an abort rule's min_sample, an attack's identities,
/// each a trial of a defence) keep at least this many when rescaled, or the
/// file's own count when that is smaller: fewer are an anecdote, a single
/// report 20 % or more of the sample.
inline constexpr std::uint32_t rescaled_evidence_min = 5;

/// Why a fleet size does not keep a scenario's meaning, at the field that says so.
struct size_refusal {
  /// The field from the top of the file, as `--set` names it:
  /// "min_devices", "deployment[0].rollout.abort.failed.min_sample".
  std::string path;
  std::string entity;  ///< as errors name it: "scenario", "deployment \"app-1.1.0\""
  std::string field;   ///< as errors name it, within the entity: "rollout.abort.failed.min_sample"
  /// What it would be at the size refused, or why the file sets that floor.
  std::string problem;
  /// The smallest fleet that keeps the meaning; 0 when the refusal is not a floor (a limit crossed).
  std::uint64_t smallest = 0;
};

struct rescale_result {
  scenario value;     ///< valid when error is empty
  std::string error;  ///< why N does not fit, in one line
  /// Set when the refusal belongs to a field of the file (a floor, a limit of a scaled count).
  std::optional<size_refusal> refusal;
  bool ok() const { return error.empty(); }
};

/// The automatic floor a fleet of `devices` falls below, if any: an abort
/// rule that reaches its min_sample in wave k at the scenario's own size
/// must find at least rescaled_evidence_min devices (or its min_sample, when
/// fewer) in wave k, and a rollback fired by a count of failed devices must
/// find that many devices in its group. Of several, the one with the
/// largest smallest size.
std::optional<size_refusal> below_automatic_floor(const scenario& s, std::uint64_t devices);

/// Groups keep their proportions: each gets the floor of its exact share of
/// `total_devices` and the devices left over go to the largest remainders
/// (ties: the group listed first). A group that would get none takes one from
/// the largest group (ties: the first).
///
/// Count-based settings follow the fleet where a count stands for a share
/// of it (docs/scenarios.md, "Rescaling"): a deployment's count waves,
/// in-flight limit and ramp scale with its group, attack identities with
/// the fleet (at least rescaled_evidence_min, or the file's count when
/// fewer). Counts of evidence stay: an abort rule's min_sample drops only
/// to the size of the wave in which the file reaches it, when that wave
/// gets smaller; a rollback's failed_devices never. Counts round half up
/// and none drops below 1. Shares, rates per device, durations and
/// expectations stay as they are.
///
/// Deterministic; rescaling to the current total changes nothing. Refused
/// below one device per group, above fleet_devices_max, below the file's
/// `min_devices`, below an automatic floor (below_automatic_floor), and
/// where a scaled count crosses its limit (attack_identities_max).
rescale_result rescale(const scenario& s, std::uint64_t total_devices);

}  // namespace fleet::scenario
