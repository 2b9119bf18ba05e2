#include "fleet/scenario/units.hpp"

#include <gtest/gtest.h>

#include "fleet/scenario/limits.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;

template <class T>
T value(const parsed<T>& r) {
  EXPECT_TRUE(r.ok()) << r.error;
  return r.value;
}

template <class T>
std::string error(const parsed<T>& r) {
  EXPECT_FALSE(r.ok()) << "parsed";
  return r.error;
}

std::chrono::microseconds duration_of(const char* text) { return value(parse_duration(text)); }
std::string duration_error(const char* text) { return error(parse_duration(text)); }
std::uint64_t size_of(const char* text) { return value(parse_size(text)); }
std::string size_error(const char* text) { return error(parse_size(text)); }

TEST(durations, every_unit) {
  EXPECT_EQ(duration_of("250us"), 250us);
  EXPECT_EQ(duration_of("250ms"), 250ms);
  EXPECT_EQ(duration_of("90s"), 90s);
  EXPECT_EQ(duration_of("5m"), 5min);
  EXPECT_EQ(duration_of("36h"), 36h);
  EXPECT_EQ(duration_of("1d"), 24h);
  EXPECT_EQ(duration_of("0"), 0us);
  EXPECT_EQ(duration_of("0s"), 0us);
}

TEST(durations, terms_add_up) {
  EXPECT_EQ(duration_of("1d12h"), 36h);
  EXPECT_EQ(duration_of("1h30m"), 90min);
  EXPECT_EQ(duration_of("1s500ms"), 1500ms);
  EXPECT_EQ(duration_of("30m1h"), 90min);  // order does not matter
}

TEST(durations, say_what_is_wrong) {
  EXPECT_EQ(duration_error(""), "empty duration");
  EXPECT_EQ(duration_error("36"), "\"36\" has no unit (us, ms, s, m, h, d)");
  EXPECT_EQ(duration_error("36x"), "\"36x\": unknown unit \"x\" (us, ms, s, m, h, d)");
  EXPECT_EQ(duration_error("1 h"), "\"1 h\": unknown unit \" h\" (us, ms, s, m, h, d)");
  EXPECT_EQ(duration_error("-5s"), "\"-5s\": expected a number at \"-5s\" (write e.g. \"36h\", \"1d12h\", \"250ms\")");
  EXPECT_EQ(duration_error("1.5h"), "\"1.5h\": unknown unit \".\" (us, ms, s, m, h, d)");
  EXPECT_EQ(duration_error("h"), "\"h\": expected a number at \"h\" (write e.g. \"36h\", \"1d12h\", \"250ms\")");
}

TEST(durations, refuse_what_would_overflow) {
  EXPECT_EQ(duration_of("36500d"), duration_parse_max);
  EXPECT_EQ(duration_error("36501d"), "\"36501d\" is too large (at most 36500d)");
  EXPECT_EQ(duration_error("36500d1us"), "\"36500d1us\" is too large (at most 36500d)");
  EXPECT_EQ(duration_error("99999999999999999999999s"), "\"99999999999999999999999s\" is too large (at most 36500d)");
}

TEST(durations, format_reads_back) {
  EXPECT_EQ(format_duration(0us), "0s");
  EXPECT_EQ(format_duration(36h), "1d12h");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(90min + 1us), "1h30m1us");
  EXPECT_EQ(format_duration(-5s), "-5s");
  const std::vector<std::chrono::microseconds> samples{1us, 1500ms, 36h, 90min, 365 * 24h + 1s};
  for (const auto d : samples) EXPECT_EQ(duration_of(format_duration(d).c_str()), d);
}

TEST(sizes, binary_and_decimal_units) {
  EXPECT_EQ(size_of("512B"), 512u);
  EXPECT_EQ(size_of("256KiB"), 256u * 1024);
  EXPECT_EQ(size_of("4MiB"), 4u << 20);
  EXPECT_EQ(size_of("1GiB"), 1ull << 30);
  EXPECT_EQ(size_of("2TiB"), 2ull << 40);
  EXPECT_EQ(size_of("3kB"), 3000u);
  EXPECT_EQ(size_of("3MB"), 3'000'000u);
  EXPECT_EQ(size_of("3GB"), 3'000'000'000u);
  EXPECT_EQ(size_of("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(size_of("0"), 0u);
}

TEST(sizes, say_what_is_wrong) {
  EXPECT_EQ(size_error(""), "empty size");
  EXPECT_EQ(size_error("4096"), "\"4096\" has no unit (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
  EXPECT_EQ(size_error("4mb"), "\"4mb\": unknown unit \"mb\" (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
  EXPECT_EQ(size_error("4KiB2B"), "\"4KiB2B\": one number and one unit (write e.g. \"256KiB\", \"4MiB\")");
  EXPECT_EQ(size_error("1.5MiB"), "\"1.5MiB\": unknown unit \".\" (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)");
  EXPECT_EQ(size_error("MiB"), "\"MiB\": expected a number at \"MiB\" (write e.g. \"256KiB\", \"4MiB\")");
  EXPECT_EQ(size_error("1025TiB"), "\"1025TiB\" is too large (at most 1024TiB)");
  EXPECT_EQ(size_of("1024TiB"), size_parse_max);
}

TEST(sizes, format) {
  EXPECT_EQ(format_size(256 * 1024), "256KiB");
  EXPECT_EQ(format_size(4 << 20), "4MiB");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(0), "0B");
  EXPECT_EQ(format_count(10'000), "10,000");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(4'000'000), "4,000,000");
}

}  // namespace
}  // namespace fleet::scenario
