// --set and --duration as the loader takes them: a field set by its path
// before the checks, the checks' own errors for a bad value, and an error
// naming the flag for a path or a value that cannot be set.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/loader.hpp"
#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using testing::small_scenario;

field_override set(const std::string& path, const std::string& value) {
  return {"--set " + path + "=" + value, path, value};
}

load_result load_with(const std::vector<field_override>& overrides) {
  return load_text(small_scenario, "s.textproto", overrides);
}

/// The one error of `r`, as printed.
std::string only_error(const load_result& r) {
  EXPECT_FALSE(r.value.has_value());
  EXPECT_EQ(r.errors.size(), 1u);
  return r.errors.empty() ? "" : to_string(r.errors[0]);
}

TEST(overrides, set_fields_take_effect) {
  const load_result plain = load_with({});
  ASSERT_TRUE(plain.value) << to_string(plain.errors.at(0));
  const load_result r = load_with({{"--duration 2d", "duration", "2d"},
                                   set("fleet.network.loss", "0.02"),
                                   set("fleet.group[0].devices", "40"),
                                   set("deployment[0].rollout.in_flight_limit", "7"),
                                   set("deployment[0].rollout.wave[0].percent", "20")});
  ASSERT_TRUE(r.value) << to_string(r.errors.at(0));
  EXPECT_EQ(r.value->length, std::chrono::hours(48));
  EXPECT_NE(plain.value->length, r.value->length);
  EXPECT_DOUBLE_EQ(r.value->fleet.net.loss, 0.02);
  EXPECT_EQ(r.value->device_count(), 40u);
  EXPECT_EQ(plain.value->device_count(), 100u);
}

TEST(overrides, the_last_of_two_on_one_field_wins) {
  const load_result r = load_with({set("fleet.group[0].devices", "40"), set("fleet.group[0].devices", "30")});
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->device_count(), 30u);
}

TEST(overrides, a_value_set_to_zero_replaces_the_files) {
  const load_result r = load_with({set("fleet.network.loss", "0.5"), set("fleet.network.loss", "0")});
  ASSERT_TRUE(r.value);
  EXPECT_EQ(r.value->fleet.net.loss, 0.0);
}

TEST(overrides, a_bad_value_gets_the_files_error_at_the_fields_place) {
  // Line 5 holds the group: its devices are checked as if the file said 0.
  EXPECT_EQ(only_error(load_with({set("fleet.group[0].devices", "0")})).rfind("s.textproto:5:", 0), 0u);
  const load_result duration = load_with({{"--duration 2x", "duration", "2x"}});
  EXPECT_EQ(only_error(duration), "s.textproto:2:1: scenario: duration: \"2x\": unknown unit \"x\" (us, ms, s, m, h, d)");
  EXPECT_EQ(only_error(load_with({set("fleet.network.loss", "2")})).find("loss: must be in [0, 0.9], is 2"),
            only_error(load_with({set("fleet.network.loss", "2")})).size() -
                std::string("loss: must be in [0, 0.9], is 2").size());
}

TEST(overrides, errors_name_the_flag) {
  struct bad {
    field_override o;
    std::string says;
  };
  for (const bad& b : {
           bad{set("fleet.network.los", "0.02"),
               "--set fleet.network.los=0.02: no field \"los\" in fleet.network (its fields: latency_median, "
               "latency_p99, loss, download_bytes_per_second)"},
           bad{set("fleet.network.loss", "abc"),
               "--set fleet.network.loss=abc: not a valid double for loss: abc (Expected double, got: abc)"},
           bad{set("fleet.group[0].devices", "-1"), "--set fleet.group[0].devices=-1: not a valid uint32 for devices"},
           bad{set("deployment[3].name", "x"),
               "--set deployment[3].name=x: deployment[3]: the scenario has 1 deployment (from [0] to [0])"},
           bad{set("fault[0].name", "x"), "--set fault[0].name=x: fault[0]: the scenario has no fault"},
           bad{set("deployment.name", "x"), "--set deployment.name=x: deployment is a list: say which, from 0"},
           bad{set("fleet.network", "1"), "--set fleet.network=1: fleet.network is a message: set one of its fields"},
           bad{set("fleet.firmware", "x"), "--set fleet.firmware=x: fleet.firmware is a list"},
           bad{set("name.x", "y"), "--set name.x=y: name is a string, not a message"},
           bad{set("fleet[0].network.loss", "0"), "--set fleet[0].network.loss=0: fleet[0]: fleet is not a list"},
           bad{set("fleet..loss", "0"), "--set fleet..loss=0: \"\" is not a field name"},
           bad{set("", "0"), "--set =0: no field named"},
           // The value sets one field, never another beside it.
           bad{set("fleet.network.loss", "0.1 latency_median: \"9s\""), "--set fleet.network.loss=0.1 latency_median"},
       }) {
    SCOPED_TRACE(b.o.flag);
    EXPECT_EQ(only_error(load_with({b.o})).rfind(b.says, 0), 0u) << only_error(load_with({b.o}));
  }
}

TEST(overrides, limits_on_count_and_length) {
  std::vector<field_override> many(overrides_max, set("fleet.network.loss", "0.01"));
  EXPECT_TRUE(load_with(many).value);  // at the limit
  many.push_back(set("fleet.network.loss", "0.02"));
  EXPECT_EQ(only_error(load_with(many)),
            "--set fleet.network.loss=0.02: more than " + std::to_string(overrides_max) + " fields set (overrides_max)");
  const std::string long_path = "fleet." + std::string(override_path_bytes_max, 'x');
  EXPECT_NE(only_error(load_with({set(long_path, "1")})).find("(override_path_bytes_max)"), std::string::npos);
  EXPECT_NE(only_error(load_with({set("name", std::string(override_value_bytes_max + 1, 'n'))}))
                .find("(override_value_bytes_max)"),
            std::string::npos);
}

}  // namespace
}  // namespace fleet::scenario
