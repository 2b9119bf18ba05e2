#include "fleet/crypto/random_stream.hpp"

#include <gtest/gtest.h>

namespace fleet::crypto {
namespace {

TEST(random_stream, same_seed_entity_and_name_give_the_same_draws) {
  random_stream a(42, 7, "link"), b(42, 7, "link");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(random_stream, seed_entity_and_name_each_change_the_stream) {
  auto first = [](random_stream s) { return s.next(); };
  auto base = first(random_stream(42, 7, "link"));
  EXPECT_NE(base, first(random_stream(43, 7, "link")));
  EXPECT_NE(base, first(random_stream(42, 8, "link")));
  EXPECT_NE(base, first(random_stream(42, 7, "flash")));
}

TEST(random_stream, below_stays_in_range_and_unit_in_zero_one) {
  random_stream s(1, 2, "x");
  for (int i = 0; i < 10000; ++i) {
    EXPECT_LT(s.below(13), 13u);
    double u = s.unit();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
  EXPECT_EQ(s.below(0), 0u);
}

TEST(random_stream, chance_follows_its_probability) {
  random_stream s(5, 5, "c");
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += s.chance(0.25);
  EXPECT_NEAR(hits / 100000.0, 0.25, 0.01);
  EXPECT_FALSE(s.chance(0.0));
}

}  // namespace
}  // namespace fleet::crypto
