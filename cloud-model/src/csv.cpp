#include "csv.hpp"

#include <cinttypes>
#include <cstdio>

namespace fleet::cloud::csv {

void append_text(std::string& out, std::string_view field) {
  const bool formula = !field.empty() && (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@');
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out += '"';
  if (formula) out += '\'';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  if (quote) out += '"';
}

std::string iso8601_utc(std::int64_t us) {
  constexpr std::int64_t us_per_day = 86'400'000'000;
  std::int64_t days = us / us_per_day;
  std::int64_t rest = us % us_per_day;
  if (rest < 0) {  // floor division for times before 1970
    rest += us_per_day;
    --days;
  }
  // civil_from_days (Howard Hinnant): days since 1970-01-01 to y-m-d.
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  const std::int64_t seconds = rest / 1'000'000;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04" PRId64 "-%02" PRId64 "-%02" PRId64 "T%02" PRId64 ":%02" PRId64 ":%02" PRId64
                ".%06" PRId64 "Z",
                year, month, day, seconds / 3600, seconds / 60 % 60, seconds % 60, rest % 1'000'000);
  return buf;
}

}  // namespace fleet::cloud::csv
