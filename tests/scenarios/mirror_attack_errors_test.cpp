// The compromised mirror's attacks in a scenario file (rogue_image,
// tampered_image, rollback_image, mix_and_match, freeze, endless_data) and an
// image's manifest expiry: what the loader makes of good ones, and each class
// of error with its message and place. The base is testing::small_scenario
// (app 1.0.0 and 1.1.0, both at security version 1) with lines appended.
#include <gtest/gtest.h>

#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::loaded;
using testing::place;
using testing::with;
using testing::small_scenario;

using errors = std::vector<std::string>;

/// A newer security version to roll back from, a build for revision B only,
/// and a hotfix whose manifest expired on day 1 (images 5, 6, 7).
const char* const served_images =
    "image { name: \"app\" version: \"1.2.0\" component: APP product: \"p\" security_version: 2 size: \"256KiB\" }\n"
    "image { name: \"app\" version: \"1.3.0\" component: APP product: \"p\" size: \"256KiB\" hardware_revisions: \"B\" }\n"
    "image { name: \"app\" version: \"1.0.1\" component: APP product: \"p\" size: \"256KiB\" expires: \"1d\" }\n";

TEST(mirror_attacks, each_kind_is_read_with_its_fields) {
  const load_result r = load_text(with(std::string(served_images) +
                                       "attack { at: \"1h\" duration: \"6h\" fraction: 0.5 rogue_image {} }\n"
                                       "attack { name: \"bad bytes\" at: \"1h\" duration: \"6h\" tampered_image {} }\n"
                                       "attack { at: \"2d\" duration: \"1d\" rollback_image { image: \"app@1.0.0\" } }\n"
                                       "attack { at: \"2d\" duration: \"1d\" mix_and_match { image: \"app@1.3.0\" } }\n"
                                       "attack { at: \"1d\" duration: \"1d\" freeze { image: \"app@1.0.1\" } }\n"
                                       "attack { at: \"3d\" duration: \"2h\" fraction: 0.1 endless_data {} }"),
                                  "t.textproto");
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  const scenario& s = *r.value;
  ASSERT_EQ(s.attacks.size(), 6u);
  EXPECT_EQ(s.attacks[0].name, "rogue_image[0]");
  EXPECT_TRUE(std::holds_alternative<rogue_image>(s.attacks[0].kind));
  EXPECT_EQ(s.attacks[0].fraction, 0.5);
  EXPECT_EQ(s.attacks[0].length, 6h);
  EXPECT_EQ(s.attacks[1].name, "bad bytes");
  EXPECT_EQ(s.attacks[1].fraction, 1);
  EXPECT_EQ(std::get<rollback_image>(s.attacks[2].kind).image, 3u);
  EXPECT_EQ(std::get<mix_and_match>(s.attacks[3].kind).image, 6u);
  EXPECT_EQ(std::get<freeze>(s.attacks[4].kind).image, 7u);
  EXPECT_TRUE(std::holds_alternative<endless_data>(s.attacks[5].kind));
  EXPECT_TRUE(s.attacks[5].active_at(73h));
  EXPECT_FALSE(s.attacks[5].active_at(74h));
  for (const attack& a : s.attacks) EXPECT_TRUE(in_the_mirror(a.kind)) << a.name;
  EXPECT_EQ(s.images[7].expires, 24h);
  EXPECT_EQ(s.images[5].expires, 3650 * 24h);  // the default: ten years
}

TEST(mirror_attacks, a_leaked_signing_key_is_a_mirror_on_a_share_of_the_devices) {
  const scenario s = loaded(with("attack { at: \"1d\" duration: \"2h\" fraction: 0.25 leaked_signing_key {} }"));
  ASSERT_EQ(s.attacks.size(), 1u);
  EXPECT_EQ(s.attacks[0].name, "leaked_signing_key[0]");
  EXPECT_TRUE(in_the_mirror(s.attacks[0].kind));
  EXPECT_EQ(s.attacks[0].fraction, 0.25);
  const std::string text = with("attack { at: \"1d\" count: 2 leaked_signing_key {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "attack {") + "attack[0]: duration: missing: how long the leaked_signing_key lasts",
                    place(text, "count: 2") +
                        "attack[0]: count: a compromised mirror serves a share of the devices: fraction, not count"}));
}

TEST(mirror_attack_errors, fields_that_do_not_fit_the_kind) {
  const std::string text = with(
      "attack { at: \"1d\" count: 3 rogue_image {} }\n"
      "attack { at: \"1d\" duration: \"1h\" fraction: 0 tampered_image {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "attack { at: \"1d\" count") + "attack[0]: duration: missing: how long the rogue_image lasts",
                    place(text, "count: 3") +
                        "attack[0]: count: a compromised mirror serves a share of the devices: fraction, not count",
                    place(text, "fraction: 0") + "attack[1]: fraction: must be in (0, 1], is 0"}));
}

TEST(mirror_attack_errors, the_image_served_must_be_named_and_known) {
  const std::string text = with(
      "attack { at: \"1d\" duration: \"1h\" rollback_image {} }\n"
      "attack { at: \"1d\" duration: \"1h\" freeze { image: \"app@9.9.9\" } }\n"
      "attack { at: \"1d\" duration: \"1h\" mix_and_match { image: \"app\" } }");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0], place(text, "rollback_image {}") +
                      "attack[0]: rollback_image.image: missing: the genuine image the mirror serves, \"name@version\"");
  EXPECT_EQ(e[1], place(text, "image: \"app@9.9.9\"") + "attack[1]: freeze.image: unknown image \"app@9.9.9\"");
  EXPECT_NE(e[2].find(place(text, "image: \"app\"") + "attack[2]: mix_and_match.image: "), std::string::npos) << e[2];
}

// Each kind's image must be one its defence refuses: otherwise the mirror
// would be serving a genuine update, and "stopped" would mean nothing.
TEST(mirror_attack_errors, the_image_served_must_be_one_the_defence_refuses) {
  const std::string text = with(
      "image { name: \"app\" version: \"1.0.1\" component: APP product: \"p\" size: \"256KiB\" expires: \"2d\" }\n"
      "attack { at: \"1d\" duration: \"1h\" rollback_image { image: \"app@1.0.0\" } }\n"
      "attack { at: \"1d\" duration: \"1h\" mix_and_match { image: \"app@1.1.0\" } }\n"
      "attack { at: \"1d\" duration: \"1h\" freeze { image: \"app@1.0.1\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "image: \"app@1.0.0\"") +
                        "attack[0]: rollback_image.image: \"app@1.0.0\" has the highest security version of its "
                        "component (1): there is nothing to roll back from",
                    place(text, "image: \"app@1.1.0\"", 1) +  // the deployment names it first
                        "attack[1]: mix_and_match.image: \"app@1.1.0\" fits every device of the fleet: there is none "
                        "it was not made for",
                    place(text, "image: \"app@1.0.1\"") +
                        "attack[2]: freeze.image: \"app@1.0.1\" expires at 2d, after the attack begins (1d): a "
                        "manifest still valid is not stale"}));
}

TEST(image_errors, expires_is_a_duration_in_range) {
  const std::string text = with(
      "image { name: \"app\" version: \"1.0.1\" component: APP product: \"p\" size: \"1KiB\" expires: \"0s\" }\n"
      "image { name: \"app\" version: \"1.0.2\" component: APP product: \"p\" size: \"1KiB\" expires: \"3651d\" }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "expires: \"0s\"") + "image \"app@1.0.1\": expires: must be in (0s, 3650d], is 0s",
                    place(text, "expires: \"3651d\"") +
                        "image \"app@1.0.2\": expires: must be in (0s, 3650d], is 3651d"}));
}

}  // namespace
}  // namespace fleet::scenario
