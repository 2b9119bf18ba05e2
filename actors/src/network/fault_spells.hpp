#pragma once
// When a lasting fault that comes at random (`rate_per_day` with `spell`)
// holds, for each entity it hits: a device, or the cloud for an outage.
//
// The fault's window is cut into stretches twice the spell long. In each,
// with chance p = rate_per_day x 2 spell / 1 day, one spell starts at a
// moment drawn in the stretch's first half and lasts `spell` (cut at the
// window's end). So spells come at the rate on average, never overlap, and
// leave a device at most half the window in spells.
//
// Stateless and read-only: whether a spell covers an instant is a function
// of (run seed, fault, entity, instant), so the uplink and the downlink of a
// device, on any threads, see the same spells. The draws are made in blocks
// of stretches by geometric skips (the same Bernoulli trials, drawn only
// where a spell starts), so a question costs a few draws, not a walk of the
// window.

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "fleet/actors/run_input.hpp"

namespace fleet::actors {

class fault_spells {
 public:
  using duration = std::chrono::microseconds;

  /// `f` must come at random with a spell; `salt` tells the faults apart.
  fault_spells(const input::fault& f, std::uint64_t run_seed, std::uint64_t salt);

  /// The start of `entity`'s spell covering `t`, if one does.
  std::optional<duration> covering(std::uint64_t entity, duration t) const;
  /// The starts of `entity`'s spells before `until`, in order.
  std::vector<duration> starts(std::uint64_t entity, duration until) const;
  /// How long the spell starting at `start` lasts: `spell`, cut at the window's end.
  duration length_from(duration start) const;

 private:
  struct spell_at {
    std::uint64_t stretch = 0;
    duration start{0};
  };
  /// The spells of one block of stretches, up to stretch `last` included.
  template <typename Visit>
  void walk_block(std::uint64_t entity, std::uint64_t block, std::uint64_t last, Visit&& visit) const;
  std::uint64_t stretch_of(duration t) const;

  duration window_start_{0};
  duration window_end_{0};
  duration spell_{0};
  std::uint64_t stretches_ = 0;         ///< stretches starting in the window
  std::uint64_t block_stretches_ = 1;   ///< stretches drawn together
  double chance_ = 0;                   ///< p: a spell in a stretch
  double log_miss_ = 0;                 ///< ln(1 - p), for the geometric skips
  std::uint64_t base_ = 0;              ///< from the run seed and the salt
};

}  // namespace fleet::actors
