#include "day_spans.hpp"

#include <algorithm>

namespace fleet::scenario {

day_spans::day_spans(const std::vector<cloud::maintenance_window>& windows) {
  const std::int64_t day = cloud::day.count();
  if (windows.empty()) {
    spans_.emplace_back(0, day);
    return;
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> raw;
  for (const cloud::maintenance_window& w : windows) {
    // in_window's rule: a window opens at start_of_day (taken modulo a day)
    // and lasts `length`, at most a day.
    const std::int64_t from = ((w.start_of_day.count() % day) + day) % day;
    const std::int64_t to = from + std::min(std::max<std::int64_t>(w.length.count(), 0), day);
    if (to <= day) {
      raw.emplace_back(from, to);
    } else {  // past midnight
      raw.emplace_back(from, day);
      raw.emplace_back(0, to - day);
    }
  }
  std::sort(raw.begin(), raw.end());
  for (const auto& [from, to] : raw) {
    if (from >= to) continue;
    if (!spans_.empty() && from <= spans_.back().second) {
      spans_.back().second = std::max(spans_.back().second, to);
    } else {
      spans_.emplace_back(from, to);
    }
  }
}

bool day_spans::contains(std::chrono::microseconds since_midnight) const {
  const std::int64_t day = cloud::day.count();
  const std::int64_t t = ((since_midnight.count() % day) + day) % day;
  // The last span that opens at or before t holds it, if any does.
  const auto after = std::upper_bound(spans_.begin(), spans_.end(), t,
                                      [](std::int64_t v, const std::pair<std::int64_t, std::int64_t>& s) {
                                        return v < s.first;
                                      });
  return after != spans_.begin() && t < std::prev(after)->second;
}

std::chrono::microseconds day_spans::open_per_day() const {
  std::int64_t open = 0;
  for (const auto& [from, to] : spans_) open += to - from;
  return std::chrono::microseconds(open);
}

}  // namespace fleet::scenario
