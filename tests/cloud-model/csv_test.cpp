#include "csv.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud {
namespace {

std::string field(std::string_view text) {
  std::string out;
  csv::append_text(out, text);
  return out;
}

TEST(csv, plain_fields_are_left_alone) {
  EXPECT_EQ(field("1.2.3"), "1.2.3");
  EXPECT_EQ(field(""), "");
}

TEST(csv, commas_quotes_and_newlines_are_quoted) {
  EXPECT_EQ(field("1,2"), "\"1,2\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("a\nb"), "\"a\nb\"");
  EXPECT_EQ(field("a\rb"), "\"a\rb\"");
}

TEST(csv, formulas_are_defused) {
  EXPECT_EQ(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
  EXPECT_EQ(field("@x"), "'@x");
  EXPECT_EQ(field("-1,2"), "\"'-1,2\"");
}

TEST(csv, iso8601_utc_from_microseconds) {
  EXPECT_EQ(csv::iso8601_utc(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(csv::iso8601_utc(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(csv::iso8601_utc(951'782'400'000'000), "2000-02-29T00:00:00.000000Z");  // leap day
  EXPECT_EQ(csv::iso8601_utc(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace fleet::cloud
