#include "fleet/actors/sim_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fleet::actors {

double sim_histogram::quantile_bound(double q) const {
  const std::uint64_t n = count();
  if (n == 0) return 0;
  // The smallest rank r with r >= q * n, counted from 1.
  const auto rank = static_cast<std::uint64_t>(std::max(1.0, std::ceil(q * static_cast<double>(n))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) return b < bounds.size() ? bounds[b] : std::numeric_limits<double>::infinity();
  }
  return std::numeric_limits<double>::infinity();
}

double sim_histogram::quantile_estimate(double q) const {
  const std::uint64_t n = count();
  if (n == 0) return 0;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(n);
  std::uint64_t below = 0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    // The first bucket with observations whose top reaches the rank.
    if (counts_[b] == 0 || static_cast<double>(below + counts_[b]) < rank) {
      below += counts_[b];
      continue;
    }
    if (b == bounds.size()) return std::numeric_limits<double>::infinity();
    const double lower = b == 0 ? 0.0 : bounds[b - 1];
    const double share = (rank - static_cast<double>(below)) / static_cast<double>(counts_[b]);
    return lower + (bounds[b] - lower) * share;
  }
  return std::numeric_limits<double>::infinity();
}

}  // namespace fleet::actors
