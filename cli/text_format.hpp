#pragma once
// How `fleetsim run` writes figures for a person: times, sizes, counts.

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fleet/actors/run.hpp"

namespace fleet::cli {

/// Printf into a string; every use here is short.
template <class... Args>
std::string formatted(const char* format, Args... args) {
  std::array<char, 256> buffer{};
  std::snprintf(buffer.data(), buffer.size(), format, args...);
  return buffer.data();
}

/// Whole seconds: a human reads "1d3h25m12s", the report has the microseconds.
std::string sim_time_text(actors::sim_time t);

/// Milliseconds below a second, where a tenth would read as nothing.
std::string seconds_text(double s);

/// 1536 -> "1.5 KiB"; below 1 KiB in bytes.
std::string bytes_text(std::uint64_t bytes);

/// "1 device", "9,500 devices"
std::string counted(std::uint64_t n, const char* one, const char* many);

}  // namespace fleet::cli
