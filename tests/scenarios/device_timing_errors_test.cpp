// A product's device timing (`timing` of a product: power-on spread, update
// check interval, certificate renewal): what the loader makes of it, its
// defaults, and each error with its place. The base is
// testing::small_scenario with a `timing` section added to product "p".
#include <gtest/gtest.h>

#include "fleet/scenario/limits.hpp"
#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::place;
using testing::small_with;

using errors = std::vector<std::string>;

/// The small scenario with `timing { <body> }` in product "p".
std::string with_timing(const std::string& body) {
  return small_with("share: 0.5 } }", "share: 0.5 } timing {" + body + "} }");
}

TEST(device_timing, every_setting_is_read) {
  const scenario s = testing::loaded(with_timing(
      " power_on_spread: \"1d\" update_check_interval: \"6h\" renewal_min: \"2h\" renewal_max: \"3h\" "));
  const device_timing& t = s.fleet.products[0].timing;
  EXPECT_EQ(t.power_on_spread, 24h);
  EXPECT_EQ(t.update_check_interval, 6h);
  EXPECT_EQ(t.renewal_min, 2h);
  EXPECT_EQ(t.renewal_max, 3h);
}

// The defaults are what the engine used before they could be set (and what
// the firmware's own timers say): every library scenario keeps its trace.
TEST(device_timing, absent_it_takes_the_defaults_of_before) {
  for (const std::string& text : {std::string(testing::small_scenario), with_timing("")}) {
    const scenario s = testing::loaded(text);
    const device_timing& t = s.fleet.products[0].timing;
    EXPECT_EQ(t.power_on_spread, 10min);
    EXPECT_EQ(t.update_check_interval, 24h);
    EXPECT_EQ(t.renewal_min, 20h);
    EXPECT_EQ(t.renewal_max, 24h);
    EXPECT_EQ(t.update_check_interval, fw::timing{}.update_check_interval);
    EXPECT_EQ(t.renewal_min, fw::timing{}.attestation_renew_min);
    EXPECT_EQ(t.renewal_max, fw::timing{}.attestation_renew_max);
  }
}

TEST(device_timing, the_limits_themselves_are_allowed) {
  const scenario low = testing::loaded(with_timing(
      " power_on_spread: \"0\" update_check_interval: \"1m\" renewal_min: \"1m\" renewal_max: \"1m\" "));
  EXPECT_EQ(low.fleet.products[0].timing.power_on_spread, 0s);
  EXPECT_EQ(low.fleet.products[0].timing.update_check_interval, update_check_interval_min);
  EXPECT_EQ(low.fleet.products[0].timing.renewal_max, renewal_earliest);
  const scenario high = testing::loaded(with_timing(
      " power_on_spread: \"30d\" update_check_interval: \"30d\" renewal_min: \"24h\" renewal_max: \"24h\" "));
  EXPECT_EQ(high.fleet.products[0].timing.power_on_spread, power_on_spread_max);
  EXPECT_EQ(high.fleet.products[0].timing.update_check_interval, update_check_interval_max);
  EXPECT_EQ(high.fleet.products[0].timing.renewal_min, renewal_latest);
}

TEST(device_timing_errors, power_on_spread_past_a_month) {
  const std::string text = with_timing(" power_on_spread: \"31d\" ");
  EXPECT_EQ(errors_of(text), (errors{place(text, "power_on_spread") +
                                     "product \"p\": timing.power_on_spread: must be in [0s, 30d], is 31d"}));
}

TEST(device_timing_errors, update_check_interval_out_of_range) {
  for (const char* interval : {"30s", "31d"}) {
    SCOPED_TRACE(interval);
    const std::string text = with_timing(std::string(" update_check_interval: \"") + interval + "\" ");
    EXPECT_EQ(errors_of(text), (errors{place(text, "update_check_interval") +
                                       "product \"p\": timing.update_check_interval: must be in [1m, 30d], is " +
                                       interval}));
  }
}

TEST(device_timing_errors, renewal_outside_the_certificate_lifetime) {
  for (const char* field : {"renewal_min", "renewal_max"}) {
    for (const char* value : {"30s", "1d1h"}) {
      SCOPED_TRACE(std::string(field) + " " + value);
      // The other end set so that the order between them holds.
      const std::string other = std::string(field) == "renewal_min" ? " renewal_max: \"24h\"" : " renewal_min: \"1m\"";
      const std::string text = with_timing(" " + std::string(field) + ": \"" + value + "\"" + other + " ");
      EXPECT_EQ(errors_of(text), (errors{place(text, field) + "product \"p\": timing." + field +
                                         ": must be in [1m, 1d], is " + value}));
    }
  }
}

TEST(device_timing_errors, renewal_max_below_renewal_min) {
  const std::string both = with_timing(" renewal_min: \"5h\" renewal_max: \"4h\" ");
  EXPECT_EQ(errors_of(both), (errors{place(both, "renewal_max") +
                                     "product \"p\": timing.renewal_max: must be at least renewal_min (5h), is 4h"}));
  // renewal_min left at its default (20h): the error says which value it met.
  const std::string max_only = with_timing(" renewal_max: \"10h\" ");
  EXPECT_EQ(errors_of(max_only),
            (errors{place(max_only, "renewal_max") +
                    "product \"p\": timing.renewal_max: must be at least renewal_min (20h), is 10h"}));
}

TEST(device_timing_errors, not_a_duration) {
  for (const char* field : {"power_on_spread", "update_check_interval", "renewal_min", "renewal_max"}) {
    SCOPED_TRACE(field);
    const std::string text = with_timing(" " + std::string(field) + ": \"often\" ");
    const errors e = errors_of(text);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_EQ(e[0].rfind(place(text, field) + "product \"p\": timing." + field + ": ", 0), 0u) << e[0];
  }
}

TEST(device_timing, set_from_the_command_line_and_checked_as_in_the_file) {
  const load_result set = load_text(testing::small_scenario, "t.textproto",
                                    {{"--set", "fleet.product[0].timing.update_check_interval", "6h"}});
  ASSERT_TRUE(set.value) << (set.errors.empty() ? "" : to_string(set.errors.front()));
  EXPECT_EQ(set.value->fleet.products[0].timing.update_check_interval, 6h);
  const load_result bad = load_text(testing::small_scenario, "t.textproto",
                                    {{"--set", "fleet.product[0].timing.update_check_interval", "30s"}});
  ASSERT_EQ(bad.errors.size(), 1u);
  // Not in the file: at the product, which lacks it.
  EXPECT_EQ(to_string(bad.errors[0]), place(testing::small_scenario, "product") +
                                          "product \"p\": timing.update_check_interval: must be in [1m, 30d], is 30s");
}

}  // namespace
}  // namespace fleet::scenario
