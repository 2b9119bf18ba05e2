// Every class of error the loader reports, with its exact message and the
// line and column of the field at fault. The base is testing::small_scenario;
// each test breaks one thing. testing::place() finds where the broken field
// is written, so each expectation says which field the error must point at.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "fleet/scenario/limits.hpp"
#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using testing::errors_of;
using testing::place;
using testing::small_scenario;
using testing::small_with;
using testing::with;

using errors = std::vector<std::string>;

// ------------------------------------------------------------------ syntax
// Protobuf's parser reports these, at the token where it gave up; the file
// then gets no semantic check at all.

TEST(syntax_errors, unknown_field) {
  const std::string text = small_with("group {", "grup {");
  EXPECT_EQ(errors_of(text),
            (errors{"t.textproto:5:8: Message type \"fleet.scenario.Fleet\" has no field named \"grup\"."}));
  EXPECT_EQ(place(text, "grup {"), "t.textproto:5:3: ");  // the name ends at column 7
}

TEST(syntax_errors, unknown_enum_value) {
  const std::string text = small_with("component: OS", "component: KERNEL");
  EXPECT_EQ(errors_of(text), (errors{place(text, "product: \"p\" size: \"1MiB\"") +
                                     "Unknown enumeration value of \"KERNEL\" for field \"component\"."}));
}

TEST(syntax_errors, wrong_type) {
  const std::string text = small_with("devices: 100", "devices: \"many\"");
  EXPECT_EQ(errors_of(text), (errors{place(text, "\"many\"") + "Expected integer, got: \"many\""}));
}

TEST(syntax_errors, negative_count) {
  const std::string text = small_with("devices: 100", "devices: -1");
  EXPECT_EQ(errors_of(text), (errors{place(text, "-1") + "Expected integer, got: -"}));
}

TEST(syntax_errors, field_given_twice) {
  const std::string text = small_with("duration: \"7d\"", "duration: \"7d\" duration: \"8d\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, ": \"8d\"") + "Non-repeated field \"duration\" is specified multiple times."}));
}

TEST(syntax_errors, unclosed_message) {
  std::string text = small_scenario;
  text.resize(text.size() - 2);  // the deployment's closing brace and the newline
  EXPECT_EQ(errors_of(text), (errors{"t.textproto:16:" + std::to_string(text.size() - text.rfind('\n')) +
                                     ": Expected identifier, got: "}));
}

TEST(syntax_errors, stop_before_the_semantic_checks) {
  // The name is missing too, but a file that does not parse gets syntax errors only.
  const std::string text = small_with("name: \"small\"\n", "seed: x\n");
  EXPECT_EQ(errors_of(text), (errors{place(text, "x") + "Expected integer, got: x"}));
}

// ------------------------------------------------------------------ header

TEST(header_errors, name_missing) {
  EXPECT_EQ(errors_of(small_with("name: \"small\"\n", "\n")), (errors{"t.textproto:1:1: scenario: name: missing"}));
}

TEST(header_errors, duration_missing) {
  EXPECT_EQ(errors_of(small_with("duration: \"7d\"", "")),
            (errors{"t.textproto:1:1: scenario: duration: missing: how long the run lasts, e.g. \"7d\""}));
}

TEST(header_errors, duration_without_unit) {
  EXPECT_EQ(errors_of(small_with("\"7d\"", "\"7\"")),
            (errors{"t.textproto:2:1: scenario: duration: \"7\" has no unit (us, ms, s, m, h, d)"}));
}

TEST(header_errors, duration_out_of_range) {
  EXPECT_EQ(errors_of(small_with("\"7d\"", "\"400d\"")),
            (errors{"t.textproto:2:1: scenario: duration: must be in (0s, 365d], is 400d"}));
  EXPECT_EQ(errors_of(small_with("\"7d\"", "\"0s\"")),
            (errors{"t.textproto:2:1: scenario: duration: must be in (0s, 365d], is 0s"}));
}

TEST(header_errors, name_not_printable) {
  EXPECT_EQ(errors_of(small_with("\"small\"", "\"sm\\tall\"")),
            (errors{"t.textproto:1:1: scenario: name: byte 2 is not printable ASCII"}));
}

TEST(header_errors, name_too_long) {
  EXPECT_EQ(errors_of(small_with("\"small\"", "\"" + std::string(65, 'n') + "\"")),
            (errors{"t.textproto:1:1: scenario: name: at most 64 bytes, has 65"}));
}

// ------------------------------------------------------------------- fleet

TEST(fleet_errors, fleet_missing) {
  std::string text = small_scenario;
  const std::size_t from = text.find("fleet {");
  text.erase(from, text.find("}\nimage") + 2 - from);
  // Without a fleet no product is known: each image says so too.
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 6u);
  EXPECT_EQ(e[0], "t.textproto:1:1: scenario: fleet: missing");
  EXPECT_EQ(e[1], place(text, "product: \"p\"") + "image \"boot@1.0.0\": product: unknown product \"p\"");
}

TEST(fleet_errors, product_missing) {
  std::string text = small_scenario;
  text.erase(text.find("  product {"), text.find("  group") - text.find("  product {"));
  const errors e = errors_of(text);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.front(), place(text, "fleet {") + "fleet: product: missing: the fleet needs at least one product");
}

TEST(fleet_errors, shares_not_summing_to_one) {
  const std::string text = small_with("share: 0.5 } }", "share: 0.4 } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "hardware_rev") + "product \"p\": hardware_rev: shares sum to 0.9, not 1"}));
}

TEST(fleet_errors, share_out_of_range) {
  const std::string text = small_with("share: 0.5 } hardware_rev", "share: 0 } hardware_rev");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "share: 0 ") + "product \"p\": hardware_rev[0].share: must be in (0, 1], is 0"}));
}

TEST(fleet_errors, duplicate_revision) {
  const std::string text = small_with("name: \"B\"", "name: \"A\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "name: \"A\"", 1) +
                    "product \"p\": hardware_rev[1].name: duplicate hardware revision \"A\" (first at 4:38)"}));
  EXPECT_EQ(place(text, "name: \"A\""), "t.textproto:4:38: ");
}

TEST(fleet_errors, no_revision) {
  const std::string text =
      small_with("hardware_rev { name: \"A\" share: 0.5 } hardware_rev { name: \"B\" share: 0.5 } ", "");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "product {") +
                    "product \"p\": hardware_rev: missing: a product has at least one hardware revision"}));
}

TEST(fleet_errors, too_many_revisions) {
  std::string revs;
  for (int i = 0; i < 33; ++i) revs += "hardware_rev { name: \"r" + std::to_string(i) + "\" share: 0.03 } ";
  const std::string text =
      small_with("hardware_rev { name: \"A\" share: 0.5 } hardware_rev { name: \"B\" share: 0.5 } ", revs);
  // At the first revision past the limit.
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "hardware_rev { name: \"r32\"") + "product \"p\": hardware_rev: at most 32, has 33"}));
}

TEST(fleet_errors, duplicate_product) {
  const std::string text =
      small_with("  group", "  product { name: \"p\" hardware_rev { name: \"A\" share: 1 } }\n  group");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "name: \"p\"", 1) + "product \"p\": name: duplicate product \"p\" (first at 4:13)"}));
  EXPECT_EQ(place(text, "name: \"p\""), "t.textproto:4:13: ");
}

TEST(fleet_errors, group_of_unknown_product) {
  const std::string text = small_with("product: \"p\" devices", "product: \"toaster\" devices");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "product: \"toaster\"") + "group \"Production\": product: unknown product \"toaster\"",
                    place(text, "group: \"Production\"") +
                        "deployment \"d\": group: product \"p\" has no group \"Production\" in the fleet"}));
}

TEST(fleet_errors, duplicate_group) {
  const std::string text = small_with("  firmware: \"boot",
                                      "  group { name: \"Production\" product: \"p\" devices: 5 }\n  firmware: \"boot");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "name: \"Production\"", 1) +
                    "group \"Production\": name: duplicate group \"Production\" of product \"p\" (first at 5:11)"}));
  EXPECT_EQ(place(text, "name: \"Production\""), "t.textproto:5:11: ");
}

TEST(fleet_errors, devices_zero) {
  const std::string text = small_with("devices: 100", "devices: 0");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "devices: 0") + "group \"Production\": devices: must be in [1, 4,000,000], is 0"}));
}

TEST(fleet_errors, devices_above_the_limit) {
  const std::string text = small_with("devices: 100", "devices: 4000001");
  EXPECT_EQ(errors_of(text), (errors{place(text, "devices: 4000001") +
                                     "group \"Production\": devices: must be in [1, 4,000,000], is 4,000,001"}));
}

TEST(fleet_errors, fleet_above_the_limit) {
  const std::string text = small_with(
      "devices: 100 }", "devices: 3000000 }\n  group { name: \"Field Test\" product: \"p\" devices: 1000001 }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "devices: 1000001") +
                    "group \"Field Test\": devices: the fleet reaches 4,000,001 devices here, more than 4,000,000"}));
}

TEST(fleet_errors, no_group) {
  const std::string text = small_with("  group { name: \"Production\" product: \"p\" devices: 100 }\n", "");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "fleet {") + "fleet: group: missing: the fleet needs at least one group of devices",
                    place(text, "group: \"Production\"") +
                        "deployment \"d\": group: product \"p\" has no group \"Production\" in the fleet"}));
}

TEST(fleet_errors, network_out_of_range) {
  const std::string text = small_with("}\nimage",
                                      "  network { latency_median: \"500us\" latency_p99: \"2m\" loss: 0.95 "
                                      "download_bytes_per_second: \"512B\" }\n}\nimage");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "latency_median") + "fleet: network.latency_median: must be in [1ms, 1m], is 500us",
                    place(text, "latency_p99") + "fleet: network.latency_p99: must be in [1ms, 1m], is 2m",
                    place(text, "loss") + "fleet: network.loss: must be in [0, 0.9], is 0.95",
                    place(text, "download_bytes_per_second") +
                        "fleet: network.download_bytes_per_second: must be in [1KiB, 10GiB], is 512B"}));
}

TEST(fleet_errors, p99_below_median) {
  const std::string text =
      small_with("}\nimage", "  network { latency_median: \"80ms\" latency_p99: \"40ms\" }\n}\nimage");
  EXPECT_EQ(errors_of(text), (errors{place(text, "latency_p99") +
                                     "fleet: network.latency_p99: must be at least latency_median (80ms), is 40ms"}));
}

// ------------------------------------------------------------------ images

TEST(image_errors, bad_version) {
  const std::string text = small_with("version: \"1.1.0\"", "version: \"1.1\"");
  EXPECT_EQ(
      errors_of(text),
      (errors{place(text, "version: \"1.1\"") + "image \"app@1.1\": version: \"1.1\" is not \"major.minor.patch\"",
              place(text, "image: \"app@1.1.0\"") + "deployment \"d\": image[0]: unknown image \"app@1.1.0\""}));
}

TEST(image_errors, component_missing) {
  const std::string text = small_with("version: \"1.1.0\" component: APP", "version: \"1.1.0\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "image { name: \"app\" version: \"1.1.0\"") +
                    "image \"app@1.1.0\": component: missing: BOOTLOADER, SECURITY_MONITOR, OS, APP or "
                    "LEGACY_FIRMWARE"}));
}

TEST(image_errors, legacy_firmware_outside_a_guardian_product) {
  const std::string text =
      small_with("version: \"1.1.0\" component: APP", "version: \"1.1.0\" component: LEGACY_FIRMWARE");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "component: LEGACY") + "image \"app@1.1.0\": component: LEGACY_FIRMWARE is for "
                                                       "guardian products; product \"p\" has no guardian section"}));
}

TEST(image_errors, unknown_product) {
  // The image's own error is the only one: references to it stay silent.
  const std::string text = small_with("APP product: \"p\" size: \"256KiB\" }\ndeployment",
                                      "APP product: \"q\" size: \"256KiB\" }\ndeployment");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "product: \"q\"") + "image \"app@1.1.0\": product: unknown product \"q\""}));
}

TEST(image_errors, size_missing_too_large_or_without_unit) {
  std::string text = small_with(" size: \"1MiB\"", "");
  EXPECT_EQ(errors_of(text), (errors{place(text, "image { name: \"os\"") + "image \"os@1.0.0\": size: missing"}));
  text = small_with("size: \"1MiB\"", "size: \"65MiB\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "size: \"65MiB\"") + "image \"os@1.0.0\": size: must be in [1B, 64MiB], is 65MiB"}));
  text = small_with("size: \"1MiB\"", "size: \"1Mb\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "size: \"1Mb\"") +
                    "image \"os@1.0.0\": size: \"1Mb\": unknown unit \"Mb\" (B, KiB, MiB, GiB, TiB, kB, MB, GB, TB)"}));
}

TEST(image_errors, name_with_at_sign) {
  const std::string text = small_with("name: \"os\"", "name: \"o@s\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "firmware: \"os@1.0.0\"") + "fleet: firmware[2]: unknown image \"os@1.0.0\"",
                    place(text, "name: \"o@s\"") + "image \"o@s@1.0.0\": name: \"o@s\" holds '@'"}));
}

TEST(image_errors, duplicate_image) {
  const std::string text = small_with("version: \"1.1.0\"", "version: \"1.0.0\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "name: \"app\"", 1) +
                        "image \"app@1.0.0\": name: duplicate image \"app@1.0.0\" (first at 14:9)",
                    place(text, "image: \"app@1.1.0\"") + "deployment \"d\": image[0]: unknown image \"app@1.1.0\""}));
  EXPECT_EQ(place(text, "name: \"app\""), "t.textproto:14:9: ");
}

TEST(image_errors, unknown_hardware_revision) {
  const std::string text =
      small_with("size: \"256KiB\" }\ndeployment", "size: \"256KiB\" hardware_revisions: \"C\" }\ndeployment");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "hardware_revisions: \"C\"") +
                    "image \"app@1.1.0\": hardware_revisions[0]: product \"p\" has no hardware revision \"C\""}));
}

TEST(image_errors, revision_listed_twice) {
  const std::string text =
      small_with("size: \"256KiB\" }\ndeployment",
                 "size: \"256KiB\" hardware_revisions: \"A\" hardware_revisions: \"A\" }\ndeployment");
  EXPECT_EQ(errors_of(text), (errors{place(text, "hardware_revisions: \"A\"", 1) +
                                     "image \"app@1.1.0\": hardware_revisions[1]: lists \"A\" twice"}));
}

TEST(image_errors, behaviour_out_of_range) {
  const std::string text = small_with("size: \"256KiB\" }\ndeployment",
                                      "size: \"256KiB\" behaviour { boot_failure_probability: 1.5 boot_duration: "
                                      "\"2h\" crash_signal: 65 } }\ndeployment");
  EXPECT_EQ(
      errors_of(text),
      (errors{place(text, "boot_failure_probability") +
                  "image \"app@1.1.0\": behaviour.boot_failure_probability: must be in [0, 1], is 1.5",
              place(text, "boot_duration") + "image \"app@1.1.0\": behaviour.boot_duration: must be in [0s, 1h], is 2h",
              place(text, "crash_signal") + "image \"app@1.1.0\": behaviour.crash_signal: must be in [0, 64], is 65"}));
}

TEST(image_errors, behaviour_durations) {
  const std::string text = small_with("size: \"256KiB\" }\ndeployment",
                                      "size: \"256KiB\" behaviour { leak_crash_after: \"0s\" os_update_deferral: "
                                      "\"8d\" crash_rate_per_hour: -1 } }\ndeployment");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "leak_crash_after") +
                        "image \"app@1.1.0\": behaviour.leak_crash_after: must be in (0s, 365d], is 0s",
                    place(text, "os_update_deferral") +
                        "image \"app@1.1.0\": behaviour.os_update_deferral: must be in [0s, 7d], is 8d",
                    place(text, "crash_rate_per_hour") +
                        "image \"app@1.1.0\": behaviour.crash_rate_per_hour: must be in [0, 3600], is -1"}));
}

TEST(image_errors, behaviour_on_a_revision_the_image_does_not_run_on) {
  const std::string text = small_with("size: \"256KiB\" }\ndeployment",
                                      "size: \"256KiB\" hardware_revisions: \"A\"\n"
                                      "  behaviour { hardware_rev { name: \"B\" boot_failure_probability: 0.5 } "
                                      "hardware_rev { name: \"C\" } } }\ndeployment");
  EXPECT_EQ(
      errors_of(text),
      (errors{
          place(text, "name: \"B\"", 1) + "image \"app@1.1.0\": behaviour.hardware_rev[0].name: the image does not run "
                                          "on hardware revision \"B\" (see hardware_revisions)",
          place(text, "name: \"C\"") +
              "image \"app@1.1.0\": behaviour.hardware_rev[1].name: product \"p\" has no hardware revision \"C\""}));
}

TEST(image_errors, behaviour_revision_twice) {
  const std::string text = small_with(
      "size: \"256KiB\" }\ndeployment",
      "size: \"256KiB\" behaviour { hardware_rev { name: \"B\" } hardware_rev { name: \"B\" } } }\ndeployment");
  // Occurrence 0 of name: "B" is the product's own revision.
  EXPECT_EQ(errors_of(text), (errors{place(text, "name: \"B\"", 2) +
                                     "image \"app@1.1.0\": behaviour.hardware_rev[1].name: duplicate hardware "
                                     "revision \"B\" (first at " +
                                     testing::line_col(text, "name: \"B\"", 1) + ")"}));
}

// ---------------------------------------------------------------- firmware

TEST(firmware_errors, unknown_image) {
  const std::string text = small_with("\"os@1.0.0\"\n", "\"os@2.0.0\"\n");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "firmware: \"os@2.0.0\"") + "fleet: firmware[2]: unknown image \"os@2.0.0\""}));
}

TEST(firmware_errors, not_name_at_version) {
  std::string text = small_with("\"os@1.0.0\"\n", "\"os\"\n");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "firmware: \"os\"") + "fleet: firmware[2]: \"os\" is not \"name@version\""}));
  text = small_with("\"os@1.0.0\"\n", "\"os@1.0\"\n");
  EXPECT_EQ(errors_of(text), (errors{place(text, "firmware: \"os@1.0\"") +
                                     "fleet: firmware[2]: \"os@1.0\": version \"1.0\" is not \"major.minor.patch\""}));
}

TEST(firmware_errors, component_missing) {
  const std::string text = small_with("  firmware: \"mon@1.0.0\"\n", "");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "firmware") + "fleet: firmware: product \"p\" has no initial SECURITY_MONITOR image"}));
}

TEST(firmware_errors, two_images_for_one_component) {
  const std::string text =
      small_with("  firmware: \"app@1.0.0\"\n", "  firmware: \"app@1.0.0\"\n  firmware: \"app@1.1.0\"\n");
  EXPECT_EQ(errors_of(text), (errors{place(text, "firmware: \"app@1.1.0\"") +
                                     "fleet: firmware[4]: product \"p\" already starts with \"app@1.0.0\" for APP"}));
}

TEST(firmware_errors, image_that_does_not_run_on_every_revision) {
  const std::string text = small_with("size: \"1MiB\" }", "size: \"1MiB\" hardware_revisions: \"A\" }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "firmware: \"os@1.0.0\"") +
                    "fleet: firmware[2]: \"os@1.0.0\" does not run on hardware revision \"B\" of product "
                    "\"p\", whose devices would have no OS"}));
}

// ------------------------------------------------------------- deployments

TEST(deployment_errors, unknown_image) {
  const std::string text = small_with("image: \"app@1.1.0\"", "image: \"app@9.9.9\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "image: \"app@9.9.9\"") + "deployment \"d\": image[0]: unknown image \"app@9.9.9\""}));
}

TEST(deployment_errors, no_image) {
  const std::string text = small_with("image: \"app@1.1.0\" ", "");
  EXPECT_EQ(errors_of(text), (errors{place(text, "deployment {") +
                                     "deployment \"d\": image: missing: a deployment deploys at least one image"}));
}

TEST(deployment_errors, two_images_for_one_component) {
  const std::string text = small_with("image: \"app@1.1.0\"", "image: \"app@1.1.0\" image: \"app@1.0.0\"");
  EXPECT_EQ(errors_of(text), (errors{place(text, "image: \"app@1.0.0\"") +
                                     "deployment \"d\": image[1]: a second APP image after \"app@1.1.0\""}));
}

TEST(deployment_errors, images_of_two_products) {
  std::string text = small_with("  group", "  product { name: \"q\" hardware_rev { name: \"A\" share: 1 } }\n  group");
  text += "image { name: \"qos\" version: \"1.0.0\" component: OS product: \"q\" size: \"1KiB\" }\n";
  text.replace(text.find("image: \"app@1.1.0\""), 18, "image: \"app@1.1.0\" image: \"qos@1.0.0\"");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 5u);  // and product q has no boot chain: four more
  EXPECT_EQ(e.back(), place(text, "image: \"qos@1.0.0\"") +
                          "deployment \"d\": image[1]: \"qos@1.0.0\" is for product \"q\", "
                          "\"app@1.1.0\" for \"p\": a deployment targets one product");
}

TEST(deployment_errors, group_missing) {
  const std::string text = small_with("group: \"Production\" rollout", "rollout");
  EXPECT_EQ(errors_of(text), (errors{place(text, "deployment {") + "deployment \"d\": group: missing"}));
}

TEST(deployment_errors, missing_group) {
  const std::string text = small_with("group: \"Production\" rollout", "group: \"Staging\" rollout");
  EXPECT_EQ(errors_of(text), (errors{place(text, "group: \"Staging\"") +
                                     "deployment \"d\": group: product \"p\" has no group \"Staging\" in the fleet"}));
}

TEST(deployment_errors, start_at_or_after_the_end) {
  std::string text = small_with("group: \"Production\" rollout", "group: \"Production\" start: \"7d\" rollout");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "start") + "deployment \"d\": start: must be before the end of the run (7d), is 7d"}));
  text = small_with("group: \"Production\" rollout", "group: \"Production\" start: \"soon\" rollout");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "start") + "deployment \"d\": start: \"soon\": expected a number at \"soon\" "
                                           "(write e.g. \"36h\", \"1d12h\", \"250ms\")"}));
}

TEST(deployment_errors, duplicate_deployment) {
  const std::string text =
      std::string(small_scenario) + "deployment { name: \"d\" image: \"app@1.1.0\" group: \"Production\" }\n";
  EXPECT_EQ(errors_of(text), (errors{place(text, "name: \"d\"", 1) +
                                     "deployment \"d\": name: duplicate deployment \"d\" (first at 16:14)"}));
  EXPECT_EQ(place(text, "name: \"d\""), "t.textproto:16:14: ");
}

// ------------------------------------------------------------------ limits

TEST(limits, errors_stop_at_errors_max) {
  std::string text = small_scenario;
  for (std::size_t i = 0; i < errors_max + 5; ++i) {
    text += "deployment { name: \"x" + std::to_string(i) + "\" image: \"nope@1.0.0\" group: \"Production\" }\n";
  }
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), errors_max + 1);
  EXPECT_EQ(e.front(), place(text, "image: \"nope") + "deployment \"x0\": image[0]: unknown image \"nope@1.0.0\"");
  EXPECT_EQ(e.back(), "t.textproto: stopped after 100 errors; 5 more not shown");
}

TEST(limits, too_many_deployments) {
  std::string text = small_scenario;
  for (std::size_t i = 0; i < deployments_max; ++i) {
    text += "deployment { name: \"x" + std::to_string(i) + "\" image: \"app@1.1.0\" group: \"Production\" }\n";
  }
  // At the first deployment past the limit.
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "deployment { name: \"x255\"") + "scenario: deployment: at most 256, has 257"}));
}

TEST(limits, products) {
  std::string products;
  for (std::size_t i = 0; i < products_max; ++i) {
    products += "  product { name: \"x" + std::to_string(i) + "\" hardware_rev { name: \"A\" share: 1 } }\n";
  }
  const std::string text = small_with("  group", products + "  group");
  const errors e = errors_of(text);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.front(), place(text, "product { name: \"x63\"") + "fleet: product: at most 64, has 65");
}

TEST(limits, groups) {
  std::string groups;
  for (std::size_t i = 0; i < groups_max; ++i) {
    groups += "  group { name: \"g" + std::to_string(i) + "\" product: \"p\" devices: 1 }\n";
  }
  const std::string text = small_with("  firmware: \"boot", groups + "  firmware: \"boot");
  const errors e = errors_of(text);
  ASSERT_FALSE(e.empty());
  EXPECT_EQ(e.front(), place(text, "group { name: \"g255\"") + "fleet: group: at most 256, has 257");
}

TEST(limits, groups_of_a_product_besides_the_defaults) {
  std::string groups;
  for (int i = 0; i < 96; ++i) groups += "  group { name: \"g" + std::to_string(i) + "\" product: \"p\" devices: 1 }\n";
  groups += "  group { name: \"Field Test\" product: \"p\" devices: 1 }\n";  // a default: not counted
  const std::string text = small_with("  firmware: \"boot", groups + "  firmware: \"boot");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "name: \"g95\"") + "group \"g95\": name: product \"p\" has more than 95 "
                                                   "groups besides the cloud's 5 defaults"}));
}

TEST(limits, images) {
  std::string text = small_scenario;
  for (std::size_t i = 0; i < images_max; ++i) {
    text += "image { name: \"i" + std::to_string(i) +
            "\" version: \"1.0.0\" component: APP product: \"p\" size: \"1KiB\" }\n";
  }
  const errors e = errors_of(text);
  const std::string expected = place(text, "image { name: \"i1019\"") + "scenario: image: at most 1024, has 1029";
  EXPECT_NE(std::find(e.begin(), e.end(), expected), e.end()) << expected;
}

TEST(limits, images_of_a_deployment) {
  const std::string text =
      small_with("image: \"app@1.1.0\"",
                 "image: \"app@1.1.0\" image: \"os@1.0.0\" image: \"mon@1.0.0\" image: \"boot@1.0.0\" "
                 "image: \"app@1.0.0\"");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "image: \"app@1.0.0\"") + "deployment \"d\": image: at most 4, has 5"}));
}

TEST(limits, crash_exit_status) {
  const std::string text = small_with("size: \"256KiB\" }\ndeployment",
                                      "size: \"256KiB\" behaviour { crash_exit_status: 256 } }\ndeployment");
  EXPECT_EQ(errors_of(text), (errors{place(text, "crash_exit_status") +
                                     "image \"app@1.1.0\": behaviour.crash_exit_status: must be in [0, 255], is 256"}));
}

TEST(limits, file_size) {
  const std::string path = ::testing::TempDir() + "/big.textproto";
  {
    std::ofstream big(path, std::ios::binary);
    big << small_scenario << "# " << std::string(file_bytes_max, 'x') << "\n";
  }
  const load_result r = load_file(path);
  std::remove(path.c_str());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(to_string(r.errors[0]), path + ": too large: more than 1048576 bytes (file_bytes_max)");
}

TEST(limits, unreadable_file) {
  const load_result r = load_file("/nonexistent/s.textproto");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(to_string(r.errors[0]), "/nonexistent/s.textproto: cannot read: No such file or directory");
  const load_result dir = load_file(FLEET_SCENARIOS_DIR);
  ASSERT_EQ(dir.errors.size(), 1u);
  EXPECT_EQ(to_string(dir.errors[0]), std::string(FLEET_SCENARIOS_DIR) + ": cannot read: Is a directory");
}

// ------------------------------------------------- min_devices, --devices
// `fleetsim run --devices N` loads with N (load_text's last argument): a
// size the file means nothing at is refused at the field that sets the floor.

/// The errors of loading `text` rescaled to `devices`.
errors errors_at(const std::string& text, std::uint64_t devices) {
  const load_result r = load_text(text, "t.textproto", {}, devices);
  EXPECT_EQ(r.value.has_value(), r.errors.empty());
  errors out;
  for (const diagnostic& d : r.errors) out.push_back(to_string(d));
  return out;
}

const std::string wave_rollout = "rollout { wave { percent: 10 } wave { percent: 100 } }";

/// The small scenario (100 devices, waves of 10 % and 100 %) with `abort` in its rollout.
std::string with_abort(const std::string& abort) {
  return small_with(wave_rollout, "rollout { wave { percent: 10 } wave { percent: 100 } " + abort + " }");
}

TEST(devices, below_the_files_min_devices_is_refused_at_it) {
  const std::string text = small_with("duration: \"7d\"", "duration: \"7d\" min_devices: 50");
  EXPECT_EQ(errors_at(text, 49),
            (errors{place(text, "min_devices") +
                    "scenario: min_devices: --devices 49 means nothing below 50 devices: the smallest fleet the file "
                    "says it keeps its meaning at (its expectations hold for what they say)"}));
  const load_result at_min = load_text(text, "t.textproto", {}, 50);
  ASSERT_TRUE(at_min.value);
  EXPECT_EQ(at_min.value->device_count(), 50u);
  EXPECT_EQ(at_min.value->min_devices, std::optional<std::uint64_t>(50));
  // Control: without the declaration 49 devices load.
  EXPECT_TRUE(errors_at(small_scenario, 49).empty());
}

TEST(devices, below_an_abort_rules_floor_is_refused_at_its_min_sample) {
  // min_sample 10 is reached in wave 1 (10 devices) at 100 devices; wave 1
  // keeps the 5 a rescaled rule waits for down to 41 devices.
  const std::string text = with_abort("abort { failed { threshold: 0.05 min_sample: 10 } }");
  EXPECT_EQ(errors_at(text, 40),
            (errors{place(text, "min_sample") +
                    "deployment \"d\": rollout.abort.failed.min_sample: --devices 40 means nothing below 41 devices: "
                    "wave 1 would have 4 devices, fewer than the 5 finished attempts the rule needs at least before "
                    "it acts (min_sample 10, reached in wave 1 at the file's 100 devices, where that wave has 10 "
                    "devices; rescaled, it drops to the wave's size but not below 5)"}));
  EXPECT_TRUE(errors_at(text, 41).empty());
  EXPECT_TRUE(errors_at(small_scenario, 40).empty());  // control: no abort rule, no floor
}

TEST(devices, a_default_min_sample_is_refused_at_its_rule) {
  // The cloud's min_sample (100) is reached in the last wave: it needs 5 devices in the group.
  const std::string text = with_abort("abort { timed_out { threshold: 0.2 } }");
  const errors e = errors_at(text, 4);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind(place(text, "timed_out") +
                           "deployment \"d\": rollout.abort.timed_out.min_sample: --devices 4 means nothing below 5 "
                           "devices: wave 2 would have 4 devices",
                       0),
            0u)
      << e[0];
}

TEST(devices, a_scaled_attack_past_its_limit_is_refused_at_its_count) {
  const std::string text = with("attack { name: \"s\" at: \"1d\" count: 100 spoofed_identity {} }");
  EXPECT_EQ(errors_at(text, 4'000'000),
            (errors{place(text, "count: 100") +
                    "attack \"s\": count: --devices 4,000,000: would be 4,000,000 identities (100 of 100 devices, "
                    "scaled), more than 10,000"}));
  EXPECT_TRUE(errors_at(text, 10'000).empty());
}

TEST(devices, too_few_or_too_many_have_no_place) {
  EXPECT_EQ(errors_at(small_scenario, 0),
            (errors{"t.textproto: --devices 0 is fewer than the scenario's 1 group (each keeps at least one device)"}));
  EXPECT_EQ(errors_at(small_scenario, 4'000'001), (errors{"t.textproto: --devices 4,000,001 is more than 4,000,000"}));
}

TEST(header_errors, min_devices_out_of_range) {
  const std::string text = small_with("duration: \"7d\"", "duration: \"7d\" min_devices: 0");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "min_devices") + "scenario: min_devices: must be in [1, 4,000,000], is 0"}));
}

TEST(header_errors, min_devices_above_the_files_own_fleet) {
  const std::string text = small_with("duration: \"7d\"", "duration: \"7d\" min_devices: 101");
  EXPECT_EQ(errors_of(text), (errors{place(text, "min_devices") +
                                     "scenario: min_devices: 101 is more than the fleet's own 100 devices, which the "
                                     "file means at"}));
  EXPECT_TRUE(errors_of(small_with("duration: \"7d\"", "duration: \"7d\" min_devices: 100")).empty());
}

TEST(header_errors, min_devices_below_an_automatic_floor) {
  std::string text = with_abort("abort { failed { threshold: 0.05 min_sample: 10 } }");
  const std::string duration = "duration: \"7d\"";
  text.replace(text.find(duration), duration.size(), duration + " min_devices: 30");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "min_devices") +
                    "scenario: min_devices: 30 is below 41, the least at which deployment \"d\" keeps "
                    "rollout.abort.failed.min_sample meaningful: at 30, wave 1 would have 3 devices, fewer than the 5 "
                    "finished attempts the rule needs at least before it acts (min_sample 10, reached in wave 1 at the "
                    "file's 100 devices, where that wave has 10 devices; rescaled, it drops to the wave's size but not "
                    "below 5)"}));
  text.replace(text.find("min_devices: 30"), 15, "min_devices: 41");
  EXPECT_TRUE(errors_of(text).empty());
}

}  // namespace
}  // namespace fleet::scenario
