// What the loader makes of valid files: the typed scenario the engine gets.
#include "fleet/scenario/loader.hpp"

#include <gtest/gtest.h>

#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::small_scenario;
using testing::small_with;

scenario load_ok(const std::string& text) {
  load_result r = load_text(text, "t.textproto");
  for (const diagnostic& d : r.errors) ADD_FAILURE() << to_string(d);
  return r.value.value_or(scenario{});
}

TEST(loader, quickstart_is_valid) {
  const load_result r = load_file(FLEET_SCENARIOS_DIR "/quickstart.textproto");
  for (const diagnostic& d : r.errors) ADD_FAILURE() << to_string(d);
  ASSERT_TRUE(r.value);
  const scenario& s = *r.value;
  EXPECT_EQ(s.name, "quickstart");
  EXPECT_EQ(s.device_count(), 10'000u);
  ASSERT_EQ(s.fleet.products.size(), 1u);
  EXPECT_EQ(s.fleet.products[0].revisions.size(), 2u);
  ASSERT_EQ(s.deployments.size(), 1u);
  const deployment& d = s.deployments[0];
  EXPECT_EQ(s.fleet.groups[d.group].name, "Production");
  EXPECT_EQ(d.rollout.waves.cumulative_percent, (std::vector<double>{1, 10, 100}));
  EXPECT_TRUE(cloud::validate(d.rollout).empty());
  EXPECT_GT(s.length, d.rollout.start_at);
}

TEST(loader, small_scenario_resolves_references_to_indices) {
  const scenario s = load_ok(small_scenario);
  EXPECT_EQ(s.name, "small");
  EXPECT_EQ(s.seed, 1u);  // the default
  EXPECT_EQ(s.length, 7 * 24h);
  ASSERT_EQ(s.fleet.groups.size(), 1u);
  EXPECT_EQ(s.fleet.groups[0].product, 0u);
  EXPECT_EQ(s.fleet.groups[0].devices, 100u);
  ASSERT_EQ(s.fleet.firmware.size(), 4u);
  EXPECT_EQ(s.images[s.fleet.firmware[0]].component, fw::component::bootloader);
  EXPECT_EQ(s.images[s.fleet.firmware[3]].ref(), "app@1.0.0");
  ASSERT_EQ(s.images.size(), 5u);
  EXPECT_EQ(s.images[4].size_bytes, 256u * 1024);
  EXPECT_EQ(s.images[4].security_version, 1u);
  ASSERT_EQ(s.deployments.size(), 1u);
  EXPECT_EQ(s.deployments[0].name, "d");
  EXPECT_EQ(s.deployments[0].images, std::vector<std::size_t>{4});
  EXPECT_EQ(s.deployments[0].group, 0u);
}

TEST(loader, defaults_are_the_models_own) {
  const scenario s = load_ok(small_scenario);
  const network defaults;
  EXPECT_EQ(s.fleet.net.latency_median, defaults.latency_median);
  EXPECT_EQ(s.fleet.net.download_bytes_per_second, defaults.download_bytes_per_second);
  const device::version_behaviour good;
  EXPECT_EQ(s.images[4].behaviour.boot_duration, good.boot_duration);
  EXPECT_EQ(s.images[4].behaviour.crash_signal, good.crash_signal);
  EXPECT_FALSE(s.images[4].behaviour.leak_crash_after);
  const cloud::rollout_policy policy;
  const cloud::rollout_policy& got = s.deployments[0].rollout;
  EXPECT_EQ(got.in_flight_limit, policy.in_flight_limit);
  EXPECT_EQ(got.device_timeout, policy.device_timeout);
  EXPECT_EQ(got.gate.min_wave_duration, policy.gate.min_wave_duration);
  EXPECT_EQ(got.retries.timed_out, policy.retries.timed_out);
  EXPECT_FALSE(got.ramp);
  EXPECT_FALSE(got.abort.failed);
  EXPECT_TRUE(got.windows.empty());
}

// Every field of the schema set, and where each lands.
TEST(loader, every_field_reaches_the_typed_scenario) {
  std::string text = small_with("name: \"small\"", "name: \"full\" seed: 7 min_devices: 60");
  text.replace(text.find("}\nimage"), 1,
               "  network { latency_median: \"80ms\" latency_p99: \"900ms\" loss: 0.01 "
               "download_bytes_per_second: \"2MiB\" }\n}");
  text.replace(text.find("image { name: \"app\" version: \"1.1.0\""), 0,
               "image { name: \"app\" version: \"2.0.0\" component: APP product: \"p\" size: \"300KiB\"\n"
               "  security_version: 3 hardware_revisions: \"A\" hardware_revisions: \"B\"\n"
               "  behaviour { crash_rate_per_hour: 0.5 boot_failure_probability: 0.1\n"
               "    hardware_rev { name: \"B\" boot_failure_probability: 0.3 }\n"
               "    health_check_failure_probability: 0.2 boot_duration: \"30s\" leak_crash_after: \"6h\"\n"
               "    os_update_deferral: \"12h\" crash_exit_status: 3 crash_signal: 6 } }\n");
  text +=
      "deployment { name: \"e\" image: \"app@2.0.0\" group: \"Production\" start: \"1d\" rollout {\n"
      "  wave { count: 5 } wave { count: 20 }\n"
      "  ramp { base_per_minute: 5 increment_factor: 3 basis: SUCCEEDED step_devices: 10 max_per_minute: 500 }\n"
      "  in_flight_limit: 50\n"
      "  gate { success_threshold: 0.8 min_wave_duration: \"2h\" on_pass: PAUSE }\n"
      "  abort { failed { threshold: 0.05 min_sample: 20 } rejected { threshold: 0.5 } timed_out { min_sample: 7 }\n"
      "          any { threshold: 0.3 min_sample: 40 } }\n"
      "  device_timeout: \"36h\"\n"
      "  retries { failed: 1 rejected: 2 timed_out: 3 }\n"
      "  window { start_of_day: \"22h\" length: \"4h\" } window { length: \"1h30m\" }\n"
      "  rollback { failed_share: 0.25 failed_devices: 9 } } }\n";
  const scenario s = load_ok(text);
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.min_devices, std::optional<std::uint64_t>(60));
  EXPECT_EQ(s.fleet.net.latency_median, 80ms);
  EXPECT_EQ(s.fleet.net.latency_p99, 900ms);
  EXPECT_EQ(s.fleet.net.loss, 0.01);
  EXPECT_EQ(s.fleet.net.download_bytes_per_second, 2u << 20);

  ASSERT_EQ(s.images.size(), 6u);
  const image& img = s.images[4];
  EXPECT_EQ(img.ref(), "app@2.0.0");
  EXPECT_EQ(img.security_version, 3u);
  EXPECT_EQ(img.size_bytes, 300u * 1024);
  EXPECT_EQ(img.hardware_revisions, (std::vector<std::string>{"A", "B"}));
  const device::version_behaviour& b = img.behaviour;
  EXPECT_EQ(b.crash_rate_per_hour, 0.5);
  EXPECT_EQ(b.boot_failure_probability, 0.1);
  EXPECT_EQ(b.boot_failure_for("B"), 0.3);
  EXPECT_EQ(b.boot_failure_for("A"), 0.1);
  EXPECT_EQ(b.health_check_failure_probability, 0.2);
  EXPECT_EQ(b.boot_duration, 30s);
  EXPECT_EQ(b.leak_crash_after, std::optional<fw::duration>(6h));
  EXPECT_EQ(b.os_update_deferral, 12h);
  EXPECT_EQ(b.crash_exit_status, 3);
  EXPECT_EQ(b.crash_signal, 6);

  ASSERT_EQ(s.deployments.size(), 2u);
  const cloud::rollout_policy& p = s.deployments[1].rollout;
  EXPECT_EQ(p.start_at, 24h);
  EXPECT_EQ(p.waves.by, cloud::wave_plan::kind::count);
  EXPECT_EQ(p.waves.sizes, (std::vector<std::uint32_t>{5, 20}));
  ASSERT_TRUE(p.ramp);
  EXPECT_EQ(p.ramp->base_per_minute, 5);
  EXPECT_EQ(p.ramp->increment_factor, 3);
  EXPECT_EQ(p.ramp->basis, cloud::ramp_basis::succeeded);
  EXPECT_EQ(p.ramp->step_devices, 10u);
  EXPECT_EQ(p.ramp->max_per_minute, 500);
  EXPECT_EQ(p.in_flight_limit, 50u);
  EXPECT_EQ(p.gate.success_threshold, 0.8);
  EXPECT_EQ(p.gate.min_wave_duration, 2h);
  EXPECT_EQ(p.gate.on_pass, cloud::gate_action::pause);
  ASSERT_TRUE(p.abort.failed && p.abort.rejected && p.abort.timed_out && p.abort.any);
  EXPECT_EQ(p.abort.failed->threshold, 0.05);
  EXPECT_EQ(p.abort.failed->min_sample, 20u);
  EXPECT_EQ(p.abort.rejected->threshold, 0.5);
  EXPECT_EQ(p.abort.rejected->min_sample, cloud::abort_rule{}.min_sample);
  EXPECT_EQ(p.abort.timed_out->threshold, cloud::abort_rule{}.threshold);
  EXPECT_EQ(p.abort.timed_out->min_sample, 7u);
  EXPECT_EQ(p.abort.any->threshold, 0.3);
  EXPECT_EQ(p.device_timeout, 36h);
  EXPECT_EQ(p.retries.failed, 1u);
  EXPECT_EQ(p.retries.rejected, 2u);
  EXPECT_EQ(p.retries.timed_out, 3u);
  ASSERT_EQ(p.windows.size(), 2u);
  EXPECT_EQ(p.windows[0].start_of_day, 22h);
  EXPECT_EQ(p.windows[0].length, 4h);
  EXPECT_EQ(p.windows[1].start_of_day, 0h);
  EXPECT_EQ(p.windows[1].length, 90min);
  EXPECT_EQ(p.rollback.failed_share, std::optional<double>(0.25));
  EXPECT_EQ(p.rollback.failed_devices, std::optional<std::uint32_t>(9));
}

TEST(loader, groups_are_per_product) {
  std::string text = small_scenario;
  text.replace(
      text.find("  group"), 0,
      "  product { name: \"q\" hardware_rev { name: \"A\" share: 1 } }\n"
      "  group { name: \"Production\" product: \"q\" devices: 7 }\n"
      "  firmware: \"qboot@1.0.0\" firmware: \"qmon@1.0.0\" firmware: \"qos@1.0.0\" firmware: \"qapp@1.0.0\"\n");
  text +=
      "image { name: \"qboot\" version: \"1.0.0\" component: BOOTLOADER product: \"q\" size: \"1KiB\" }\n"
      "image { name: \"qmon\" version: \"1.0.0\" component: SECURITY_MONITOR product: \"q\" size: \"1KiB\" }\n"
      "image { name: \"qos\" version: \"1.0.0\" component: OS product: \"q\" size: \"1KiB\" }\n"
      "image { name: \"qapp\" version: \"1.0.0\" component: APP product: \"q\" size: \"1KiB\" }\n"
      "image { name: \"qapp\" version: \"1.1.0\" component: APP product: \"q\" size: \"1KiB\" }\n"
      "deployment { name: \"dq\" image: \"qapp@1.1.0\" group: \"Production\" }\n";
  const scenario s = load_ok(text);
  ASSERT_EQ(s.deployments.size(), 2u);
  EXPECT_EQ(s.fleet.products[s.fleet.groups[s.deployments[0].group].product].name, "p");
  EXPECT_EQ(s.fleet.products[s.fleet.groups[s.deployments[1].group].product].name, "q");
  EXPECT_EQ(s.device_count(), 107u);
}

TEST(loader, errors_are_none_for_a_valid_file) { EXPECT_TRUE(errors_of(small_scenario).empty()); }

}  // namespace
}  // namespace fleet::scenario
