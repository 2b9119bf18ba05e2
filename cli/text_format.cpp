#include "text_format.hpp"

#include <chrono>

#include "fleet/scenario/units.hpp"

namespace fleet::cli {

std::string sim_time_text(actors::sim_time t) {
  return scenario::format_duration(std::chrono::duration_cast<std::chrono::seconds>(t));
}

std::string seconds_text(double s) { return formatted(s < 1 ? "%.3f s" : "%.1f s", s); }

std::string bytes_text(std::uint64_t bytes) {
  static constexpr std::array<const char*, 5> units{"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return scenario::format_count(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < units.size()) {
    value /= 1024;
    ++unit;
  }
  return formatted("%.1f %s", value, units[unit]);
}

std::string counted(std::uint64_t n, const char* one, const char* many) {
  return scenario::format_count(n) + " " + (n == 1 ? one : many);
}

}  // namespace fleet::cli
