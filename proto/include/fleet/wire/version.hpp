#pragma once
// "major.minor.patch" versions, compared numerically.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

namespace fleet::wire {

struct version {
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  std::uint16_t patch = 0;

  friend bool operator<(const version& a, const version& b) {
    return std::tie(a.major, a.minor, a.patch) < std::tie(b.major, b.minor, b.patch);
  }
  friend bool operator==(const version& a, const version& b) {
    return std::tie(a.major, a.minor, a.patch) == std::tie(b.major, b.minor, b.patch);
  }
  friend bool operator!=(const version& a, const version& b) { return !(a == b); }
  friend bool operator>(const version& a, const version& b) { return b < a; }

  std::string to_string() const;
};

/// Strict parse: three decimal numbers up to 65535, no signs, no spaces.
std::optional<version> parse_version(std::string_view text);

}  // namespace fleet::wire
