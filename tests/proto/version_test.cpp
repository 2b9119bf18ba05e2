#include "fleet/wire/version.hpp"

#include <gtest/gtest.h>

namespace fleet::wire {
namespace {

TEST(version, parses_and_orders_numerically) {
  auto a = parse_version("1.10.0");
  auto b = parse_version("1.9.7");
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(*b < *a);
  EXPECT_EQ(a->to_string(), "1.10.0");
}

TEST(version, rejects_anything_but_three_numbers) {
  for (const char* bad : {"", "1", "1.2", "1.2.3.4", "1..2", ".1.2", "1.2.", "a.b.c", "-1.2.3",
                          " 1.2.3", "1.2.65536", "1.2.999999"}) {
    EXPECT_FALSE(parse_version(bad)) << bad;
  }
}

}  // namespace
}  // namespace fleet::wire
