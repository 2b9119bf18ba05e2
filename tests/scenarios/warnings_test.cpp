// Warnings: valid scenarios that cannot do what they say. Each warning with
// its exact message and place, the same scenario put right with none, the
// window model's figures, and the library with no warning at all. The base
// is testing::small_scenario (100 devices in Production, a 7-day run).
#include "fleet/scenario/warnings.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/rescale.hpp"
#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::place;
using testing::small_with;

using texts = std::vector<std::string>;

/// The warnings about `text` (which must load), one string each.
texts warnings_of(const std::string& text) {
  const load_result r = load_text(text, "t.textproto");
  EXPECT_TRUE(r.value) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  if (!r.value) return {"(did not load)"};
  texts out;
  for (const diagnostic& d : warnings(*r.value, r.places)) {
    EXPECT_EQ(d.level, severity::warning);
    out.push_back(to_string(d));
  }
  return out;
}

/// `text` with every `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

const std::string production = "  group { name: \"Production\" product: \"p\" devices: 100 }\n";
const std::string development = "  group { name: \"Development\" product: \"p\" devices: 10 }\n";

TEST(warnings, the_small_scenario_has_none) { EXPECT_EQ(warnings_of(testing::small_scenario), texts{}); }

// ---- a deployment its group's update policy refuses ------------------------

TEST(warnings, an_app_deployed_to_development_is_never_offered) {
  const std::string text =
      replaced(small_with(production, production + development), "group: \"Production\"", "group: \"Development\"");
  EXPECT_EQ(warnings_of(text),
            (texts{place(text, "group: \"Development\"") +
                   "warning: deployment \"d\": group: group \"Development\" of product \"p\" has update policy "
                   "no_3rd_party_app_updates, which takes no APP image: \"app@1.1.0\" is never offered, and the "
                   "rollout runs with none of its devices updated"}));
}

TEST(warnings, an_os_deployed_to_development_or_an_app_to_production_is_fine) {
  // Development takes the platform's updates: only the app is refused there.
  const std::string os = small_with(production, production + development) +
                         "image { name: \"os\" version: \"1.1.0\" component: OS product: \"p\" size: \"1MiB\" }\n"
                         "deployment { name: \"os\" image: \"os@1.1.0\" group: \"Development\" }\n";
  EXPECT_EQ(warnings_of(os), texts{});
  // A group of the scenario's own takes everything.
  const std::string canary_group = replaced(development, "Development", "Canary");
  const std::string canary =
      replaced(small_with(production, production + canary_group), "group: \"Production\"", "group: \"Canary\"");
  EXPECT_EQ(warnings_of(canary), texts{});
}

TEST(warnings, the_policy_of_each_group_is_the_clouds) {
  EXPECT_EQ(update_policy_of({"Development", 0, 1}), cloud::group_update_policy::no_3rd_party_app_updates);
  EXPECT_EQ(update_policy_of({"Production", 0, 1}), cloud::group_update_policy::update_all);
  EXPECT_EQ(update_policy_of({"Field Test OS Evaluation", 0, 1}), cloud::group_update_policy::update_all);
  EXPECT_EQ(update_policy_of({"Canary", 0, 1}), cloud::group_update_policy::update_all);
}

// ---- count waves larger than the group -------------------------------------

std::string with_waves(const std::string& waves) {
  return small_with("wave { percent: 10 } wave { percent: 100 }", waves);
}

TEST(warnings, count_waves_past_the_group) {
  const std::string text = with_waves("wave { count: 30 } wave { count: 80 }");
  EXPECT_EQ(warnings_of(text),
            (texts{place(text, "count: 80") +
                   "warning: deployment \"d\": rollout.wave[1].count: the waves up to this one count 110 devices, and "
                   "group \"Production\" has 100: this wave gets 70 and no wave after it gets any"}));
  const std::string first = with_waves("wave { count: 150 } wave { count: 5 }");
  EXPECT_EQ(warnings_of(first),
            (texts{place(first, "count: 150") +
                   "warning: deployment \"d\": rollout.wave[0].count: this wave counts 150 devices, and group "
                   "\"Production\" has 100: this wave gets 100 and no wave after it gets any"}));
}

TEST(warnings, count_waves_that_take_the_group_before_the_last) {
  const std::string text = with_waves("wave { count: 100 } wave { count: 5 }");
  EXPECT_EQ(warnings_of(text), (texts{place(text, "count: 100") +
                                      "warning: deployment \"d\": rollout.wave[0].count: this wave counts all 100 "
                                      "devices of group \"Production\": no wave after it gets any"}));
}

TEST(warnings, count_waves_within_the_group_are_fine) {
  // The last listed wave may take exactly the rest: the last wave is then empty, as written.
  for (const char* waves : {"wave { count: 30 } wave { count: 60 }", "wave { count: 30 } wave { count: 70 }",
                            "wave { count: 100 }"}) {
    SCOPED_TRACE(waves);
    EXPECT_EQ(warnings_of(with_waves(waves)), texts{});
  }
}

TEST(warnings, count_waves_are_checked_against_the_fleet_as_rescaled) {
  // --devices scales count waves with their group: waves that fit still fit,
  // and waves that overflow are told with the figures of the rescaled fleet.
  const load_result fits = load_text(with_waves("wave { count: 30 } wave { count: 60 }"), "t.textproto");
  ASSERT_TRUE(fits.value);
  const rescale_result fits_small = rescale(*fits.value, 50);
  ASSERT_TRUE(fits_small.ok()) << fits_small.error;
  EXPECT_TRUE(warnings(fits_small.value, fits.places).empty());
  const load_result over = load_text(with_waves("wave { count: 30 } wave { count: 80 }"), "t.textproto");
  ASSERT_TRUE(over.value);
  const rescale_result small = rescale(*over.value, 50);
  ASSERT_TRUE(small.ok()) << small.error;
  const std::vector<diagnostic> w = warnings(small.value, over.places);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].message.rfind("deployment \"d\": rollout.wave[1].count: the waves up to this one count 55 devices, "
                               "and group \"Production\" has 50",
                               0),
            0u)
      << w[0].message;
}

// ---- a maintenance window the check interval rarely meets ------------------

const std::string nightly = "window { start_of_day: \"22h\" length: \"2h\" }";

/// The small scenario with `window` in the rollout and `timing { <body> }` in product "p".
std::string windowed(const std::string& window, const std::string& timing = "") {
  std::string text = small_with("wave { percent: 100 } }", "wave { percent: 100 } " + window + " }");
  if (!timing.empty()) text = replaced(text, "share: 0.5 } }", "share: 0.5 } timing { " + timing + " } }");
  return text;
}

TEST(warnings, a_nightly_window_that_daily_checks_never_meet) {
  // Devices boot in the first ten minutes and check daily, drifting by their
  // jitter (half an hour a day on average): in seven days none reaches 22:00.
  const std::string text = windowed(nightly);
  EXPECT_EQ(warnings_of(text),
            (texts{place(text, "window") +
                   "warning: deployment \"d\": rollout.window[0]: offers are made only inside the windows, open 2h a "
                   "day, at a device's update check, and devices of product \"p\" check every 1d (plus up to 1h): "
                   "none of group \"Production\" would check inside one between the deployment's start and the end "
                   "of the run (docs/scenarios.md, \"Warnings\")"}));
}

TEST(warnings, the_same_window_met_by_frequent_checks_or_a_long_window_is_fine) {
  EXPECT_EQ(warnings_of(windowed(nightly, "update_check_interval: \"1h\"")), texts{});
  EXPECT_EQ(warnings_of(windowed("window { start_of_day: \"22h\" length: \"24h\" }")), texts{});
  // The whole fleet boots, and so checks, inside a window from midnight.
  EXPECT_EQ(warnings_of(windowed("window { start_of_day: \"0h\" length: \"2h\" }")), texts{});
}

TEST(warnings, the_window_check_counts_from_the_deployments_start) {
  // The boot checks at midnight no longer count: the next come a day later, past the end.
  std::string text = windowed("window { start_of_day: \"0h\" length: \"2h\" }");
  text = replaced(text, "group: \"Production\" rollout", "group: \"Production\" start: \"6d3h\" rollout");
  const texts w = warnings_of(text);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find(": none of group \"Production\" would check inside one"), std::string::npos) << w[0];
}

TEST(warnings, a_partly_met_window_gives_its_share) {
  // Powered on over a whole day, the fleet's checks cover every time of day:
  // a device meets the window when its check time starts in it or drifts
  // into it within the run, about (2 h + 6 x 0.5 h) / 24 h = 21 % of them.
  const std::string text = windowed(nightly, "power_on_spread: \"1d\"");
  const texts w = warnings_of(text);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find(": about 19 % of group \"Production\" would check inside one"), std::string::npos) << w[0];
}

TEST(window_model, what_it_finds) {
  const device_timing daily;  // the defaults: booted within 10 minutes, a check every 24 h
  const std::vector<cloud::maintenance_window> night{{22h, 2h}};
  EXPECT_EQ(window_reach({}, daily, 0s, 7 * 24h), 1.0);  // no window: offers at any time
  EXPECT_EQ(window_reach({{0h, 24h}}, daily, 0s, 7 * 24h), 1.0);
  EXPECT_EQ(window_reach(night, daily, 0s, 7 * 24h), 0.0);
  // Drifting half an hour a day, the fleet's daily check reaches 22:00 after about 44 days.
  EXPECT_EQ(window_reach(night, daily, 0s, 30 * 24h), 0.0);
  EXPECT_EQ(window_reach(night, daily, 0s, 90 * 24h), 1.0);
  device_timing hourly;
  hourly.update_check_interval = 1h;
  EXPECT_EQ(window_reach(night, hourly, 0s, 7 * 24h), 1.0);
  device_timing spread;
  spread.power_on_spread = 24h;
  const double share = window_reach(night, spread, 0s, 7 * 24h);
  // A device is caught when its check time starts in the window or drifts
  // into it: the 2 h of the window and about 7 x 0.5 h of drift, of 24 h.
  EXPECT_GT(share, 0.15);
  EXPECT_LT(share, 0.35);
  // No answer depends on anything but its arguments.
  EXPECT_EQ(window_reach(night, spread, 0s, 7 * 24h), share);
}

TEST(window_model, a_window_never_met_is_followed_to_the_end_of_the_longest_run) {
  // A check every minute against a window of a microsecond: each model device is
  // followed through a whole year of checks, and the figure is still exact.
  device_timing often;
  often.update_check_interval = 1min;
  EXPECT_EQ(window_reach({{12h, 1us}}, often, 0s, run_duration_max), 0.0);
}

// ---- the library -------------------------------------------------------------

TEST(warnings, no_library_scenario_warns) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(FLEET_SCENARIOS_DIR)) {
    if (entry.path().extension() != ".textproto") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    const load_result r = load_file(entry.path().string());
    ASSERT_TRUE(r.value);
    for (const diagnostic& d : warnings(*r.value, r.places)) ADD_FAILURE() << to_string(d);
  }
  EXPECT_GE(files, 20);
}

}  // namespace
}  // namespace fleet::scenario
