#pragma once
// CSV output for operator exports (RFC 4180), and ISO-8601 UTC times.

#include <cstdint>
#include <string>
#include <string_view>

namespace fleet::cloud::csv {

/// Appends one field: quoted when it holds a comma, quote, CR or LF (quotes
/// doubled). A text field starting with = + - @ is prefixed with ' so a
/// spreadsheet does not run it as a formula (device-supplied text is untrusted).
void append_text(std::string& out, std::string_view field);

/// Microseconds since the Unix epoch as "YYYY-MM-DDTHH:MM:SS.ffffffZ"
/// (proleptic Gregorian, any int64 value, no time zone database).
std::string iso8601_utc(std::int64_t us_since_epoch);

}  // namespace fleet::cloud::csv
