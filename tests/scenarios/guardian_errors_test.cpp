// Guardian products in a scenario file: the `guardian` section of a product,
// its LEGACY_FIRMWARE images and the legacy firmware its devices start with;
// what the loader makes of a good one, and each error with its place. The
// base is testing::small_scenario with product "p" made a guardian.
#include <gtest/gtest.h>

#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::place;
using testing::small_with;

using errors = std::vector<std::string>;

const char* const revisions_end = "share: 0.5 } }";
const char* const legacy_images =
    "image { name: \"legacy\" version: \"1.0.0\" component: LEGACY_FIRMWARE product: \"p\" size: \"64KiB\" }\n"
    "image { name: \"legacy\" version: \"2.0.0\" component: LEGACY_FIRMWARE product: \"p\" size: \"64KiB\" }\n";

/// The small scenario with "p" a guardian (`guardian` is the section's body),
/// the legacy images appended and `firmware` added to the fleet's.
std::string guardian_scenario(const std::string& guardian, const std::string& firmware) {
  std::string text = small_with(revisions_end, "share: 0.5 } guardian {" + guardian + "} }");
  const std::string last_firmware = "  firmware: \"app@1.0.0\"\n";
  text.replace(text.find(last_firmware), last_firmware.size(), last_firmware + firmware);
  return text + legacy_images;
}

TEST(guardian, a_guardian_product_is_read_with_its_legacy_firmware) {
  const load_result r =
      load_text(guardian_scenario(" reading_interval: \"1h\" ", "  firmware: \"legacy@1.0.0\"\n"), "t.textproto");
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  const scenario& s = *r.value;
  ASSERT_TRUE(s.fleet.products[0].guards);
  EXPECT_EQ(s.fleet.products[0].guards->reading_interval, 1h);
  ASSERT_EQ(s.fleet.firmware.size(), 5u);
  EXPECT_EQ(s.images[s.fleet.firmware[4]].ref(), "legacy@1.0.0");
  EXPECT_EQ(s.images[s.fleet.firmware[4]].component, fw::component::legacy_firmware);
}

TEST(guardian, the_reading_interval_defaults_to_fifteen_minutes) {
  const load_result r = load_text(guardian_scenario("", "  firmware: \"legacy@1.0.0\"\n"), "t.textproto");
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  EXPECT_EQ(r.value->fleet.products[0].guards->reading_interval, 15min);
}

TEST(guardian, an_ordinary_product_is_no_guardian) {
  const load_result r = load_text(testing::small_scenario, "t.textproto");
  ASSERT_TRUE(r.value);
  EXPECT_FALSE(r.value->fleet.products[0].guards);
}

TEST(guardian_errors, reading_interval_out_of_range_or_not_a_duration) {
  for (const char* interval : {"30s", "8d"}) {
    SCOPED_TRACE(interval);
    const std::string text = guardian_scenario(std::string(" reading_interval: \"") + interval + "\" ",
                                               "  firmware: \"legacy@1.0.0\"\n");
    EXPECT_EQ(errors_of(text), (errors{place(text, "reading_interval") +
                                       "product \"p\": guardian.reading_interval: must be in [1m, 7d], is " +
                                       interval}));
  }
  const std::string text = guardian_scenario(" reading_interval: \"often\" ", "  firmware: \"legacy@1.0.0\"\n");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].rfind(place(text, "reading_interval") + "product \"p\": guardian.reading_interval: ", 0), 0u) << e[0];
}

TEST(guardian_errors, a_guardian_product_without_legacy_firmware) {
  const std::string text = guardian_scenario("", "");
  EXPECT_EQ(errors_of(text), (errors{place(text, "firmware: \"boot") +
                                     "fleet: firmware: product \"p\" has no initial LEGACY_FIRMWARE image"}));
}

TEST(guardian_errors, two_legacy_firmware_images_to_start_with) {
  const std::string text =
      guardian_scenario("", "  firmware: \"legacy@1.0.0\"\n  firmware: \"legacy@2.0.0\"\n");
  EXPECT_EQ(errors_of(text), (errors{place(text, "firmware: \"legacy@2.0.0\"") +
                                     "fleet: firmware[5]: product \"p\" already starts with \"legacy@1.0.0\" for "
                                     "LEGACY_FIRMWARE"}));
}

TEST(guardian_errors, a_deployment_of_two_legacy_images) {
  std::string text = guardian_scenario("", "  firmware: \"legacy@1.0.0\"\n");
  text += "deployment { name: \"l\" image: \"legacy@1.0.0\" image: \"legacy@2.0.0\" group: \"Production\" }\n";
  EXPECT_EQ(errors_of(text), (errors{place(text, "image: \"legacy@2.0.0\"") +
                                     "deployment \"l\": image[1]: a second LEGACY_FIRMWARE image after "
                                     "\"legacy@1.0.0\""}));
}

}  // namespace
}  // namespace fleet::scenario
