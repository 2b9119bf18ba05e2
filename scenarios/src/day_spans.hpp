#pragma once
// A rollout's maintenance windows as the times of day they cover: what
// cloud::in_window decides, made cheap to ask many times (the window model
// of warnings.cpp asks it at every model check).

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "fleet/cloud/maintenance_window.hpp"

namespace fleet::scenario {

class day_spans {
 public:
  /// No windows: the whole day (offers at any time, as cloud::in_window).
  explicit day_spans(const std::vector<cloud::maintenance_window>& windows);

  /// Whether a time `since_midnight` after some UTC midnight lies in a
  /// window: cloud::in_window of that wall time.
  bool contains(std::chrono::microseconds since_midnight) const;
  /// How long the windows are open in a day, overlaps counted once.
  std::chrono::microseconds open_per_day() const;

 private:
  /// Sorted, disjoint [from, to) in microseconds of the day; a window past
  /// midnight is two spans.
  std::vector<std::pair<std::int64_t, std::int64_t>> spans_;
};

}  // namespace fleet::scenario
