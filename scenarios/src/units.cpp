#include "fleet/scenario/units.hpp"

#include <array>
#include <cstddef>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {
namespace {

struct unit {
  std::string_view name;
  std::uint64_t scale;
};

// Largest first: format_duration walks them in this order.
constexpr std::array<unit, 6> duration_units{{
    {"d", 86'400'000'000ull},
    {"h", 3'600'000'000ull},
    {"m", 60'000'000ull},
    {"s", 1'000'000ull},
    {"ms", 1'000ull},
    {"us", 1ull},
}};

constexpr std::array<unit, 9> size_units{{
    {"B", 1ull},
    {"KiB", 1ull << 10},
    {"MiB", 1ull << 20},
    {"GiB", 1ull << 30},
    {"TiB", 1ull << 40},
    {"kB", 1'000ull},
    {"MB", 1'000'000ull},
    {"GB", 1'000'000'000ull},
    {"TB", 1'000'000'000'000ull},
}};

/// The units a kind of quantity is written in, for parsing and for messages.
struct unit_system {
  const unit* first;
  std::size_t count;
  std::string_view names;    ///< "us, ms, s, m, h, d"
  std::string_view example;  ///< "\"36h\", \"1d12h\", \"250ms\""
  std::uint64_t max;         ///< in the smallest unit
  std::string (*show)(std::uint64_t);
};

const unit_system durations{
    duration_units.data(),
    duration_units.size(),
    "us, ms, s, m, h, d",
    "\"36h\", \"1d12h\", \"250ms\"",
    static_cast<std::uint64_t>(duration_parse_max.count()),
    [](std::uint64_t us) { return format_duration(std::chrono::microseconds(static_cast<std::int64_t>(us))); }};
const unit_system sizes{size_units.data(),      size_units.size(), "B, KiB, MiB, GiB, TiB, kB, MB, GB, TB",
                        "\"256KiB\", \"4MiB\"", size_parse_max,    format_size};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string too_large(std::string_view text, const unit_system& units) {
  return quote(text) + " is too large (at most " + units.show(units.max) + ")";
}

/// One <digits><unit> term of `text` at `pos`, in the smallest unit.
parsed<std::uint64_t> read_term(std::string_view text, std::size_t& pos, const unit_system& units) {
  parsed<std::uint64_t> r;
  if (pos == text.size() || !is_digit(text[pos])) {
    r.error = quote(text) + ": expected a number at " + quote(text.substr(pos)) + " (write e.g. " +
              std::string(units.example) + ")";
    return r;
  }
  std::uint64_t n = 0;
  for (; pos < text.size() && is_digit(text[pos]); ++pos) {
    const auto digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (n > (units.max - digit) / 10) {
      r.error = too_large(text, units);
      return r;
    }
    n = n * 10 + digit;
  }
  const std::size_t from = pos;
  while (pos < text.size() && !is_digit(text[pos])) ++pos;
  const std::string_view name = text.substr(from, pos - from);
  if (name.empty()) {
    r.error = quote(text) + " has no unit (" + std::string(units.names) + ")";
    return r;
  }
  const unit* found = nullptr;
  for (std::size_t i = 0; i < units.count; ++i)
    if (units.first[i].name == name) found = &units.first[i];
  if (found == nullptr) {
    r.error = quote(text) + ": unknown unit " + quote(name) + " (" + std::string(units.names) + ")";
    return r;
  }
  if (n > units.max / found->scale) {
    r.error = too_large(text, units);
    return r;
  }
  r.value = n * found->scale;
  return r;
}

}  // namespace

parsed<std::chrono::microseconds> parse_duration(std::string_view text) {
  parsed<std::chrono::microseconds> r;
  if (text.empty()) {
    r.error = "empty duration";
    return r;
  }
  if (text == "0") return r;
  std::uint64_t total = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const auto term = read_term(text, pos, durations);
    if (!term.ok() || term.value > durations.max - total) {
      r.error = term.ok() ? too_large(text, durations) : term.error;
      return r;
    }
    total += term.value;
  }
  r.value = std::chrono::microseconds(static_cast<std::int64_t>(total));
  return r;
}

parsed<std::uint64_t> parse_size(std::string_view text) {
  parsed<std::uint64_t> r;
  if (text.empty()) {
    r.error = "empty size";
    return r;
  }
  if (text == "0") return r;
  std::size_t pos = 0;
  const auto term = read_term(text, pos, sizes);
  if (!term.ok()) {
    r.error = term.error;
  } else if (pos != text.size()) {
    r.error = quote(text) + ": one number and one unit (write e.g. " + std::string(sizes.example) + ")";
  } else {
    r.value = term.value;
  }
  return r;
}

std::string format_duration(std::chrono::microseconds d) {
  if (d.count() == 0) return "0s";
  std::string out = d.count() < 0 ? "-" : "";
  // The magnitude of the most negative count does not fit: go through unsigned.
  std::uint64_t left =
      d.count() < 0 ? 0 - static_cast<std::uint64_t>(d.count()) : static_cast<std::uint64_t>(d.count());
  for (const unit& u : duration_units) {
    if (left >= u.scale) {
      out += std::to_string(left / u.scale) + std::string(u.name);
      left %= u.scale;
    }
  }
  return out;
}

std::string format_size(std::uint64_t bytes) {
  // The binary units, largest first.
  for (std::size_t i = 4; i >= 1; --i) {
    const unit& u = size_units[i];
    if (bytes >= u.scale && bytes % u.scale == 0) return std::to_string(bytes / u.scale) + std::string(u.name);
  }
  return std::to_string(bytes) + "B";
}

std::string format_count(std::uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace fleet::scenario
