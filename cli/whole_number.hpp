#pragma once
// A flag's whole number as scripts write it. CLI11 2.1 reads "-1" into a
// std::uint64_t as 2^64 - 1 and saturates past 2^64 - 1: refused both.

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <string>

namespace fleet::cli {

/// Accepts 0 to 18446744073709551615 written in decimal, nothing else.
inline CLI::Validator whole_number() {
  return CLI::Validator(
      [](std::string& text) {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const std::from_chars_result r = std::from_chars(text.data(), end, value);
        const bool ok = r.ec == std::errc{} && r.ptr == end;  // no sign, no overflow, nothing after
        return ok ? std::string{} : "must be a whole number from 0 to 18446744073709551615, not " + text;
      },
      "");
}

}  // namespace fleet::cli
