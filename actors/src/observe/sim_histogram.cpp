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

}  // namespace fleet::actors
