#pragma once
// Durations and sizes as files write them: "36h", "1d12h", "90s", "250ms";
// "256KiB", "4MiB", "1GB". Parsers return the value or what is wrong.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace fleet::scenario {

template <class T>
struct parsed {
  T value{};
  std::string error;  ///< empty when the text parsed
  bool ok() const { return error.empty(); }
};

/// One or more <digits><unit> terms, largest unit first or not: units us, ms,
/// s, m, h, d. "0" alone is zero. No sign, no fraction, no spaces; at most
/// duration_parse_max.
parsed<std::chrono::microseconds> parse_duration(std::string_view text);

/// <digits><unit>: B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB
/// (powers of 1000). "0" alone is zero. At most size_parse_max.
parsed<std::uint64_t> parse_size(std::string_view text);

/// The inverse of parse_duration: "1d12h", "250ms", "0s".
std::string format_duration(std::chrono::microseconds d);
/// Exact when it can be: "256KiB", "4MiB", "1000B".
std::string format_size(std::uint64_t bytes);
/// 10000 as "10,000".
std::string format_count(std::uint64_t n);

}  // namespace fleet::scenario
