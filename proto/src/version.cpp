#include "fleet/wire/version.hpp"

namespace fleet::wire {

std::string version::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::optional<version> parse_version(std::string_view text) {
  std::uint32_t parts[3] = {0, 0, 0};
  std::size_t part = 0;
  std::size_t digits = 0;
  for (char c : text) {
    if (c == '.') {
      if (digits == 0 || part == 2) return std::nullopt;
      ++part;
      digits = 0;
      continue;
    }
    if (c < '0' || c > '9' || digits == 5) return std::nullopt;
    parts[part] = parts[part] * 10 + static_cast<std::uint32_t>(c - '0');
    ++digits;
  }
  if (part != 2 || digits == 0) return std::nullopt;
  for (auto p : parts)
    if (p > 65535) return std::nullopt;
  return version{static_cast<std::uint16_t>(parts[0]), static_cast<std::uint16_t>(parts[1]),
                 static_cast<std::uint16_t>(parts[2])};
}

}  // namespace fleet::wire
