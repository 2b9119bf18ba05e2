// The `explore` section, the fleet size a file runs at (`devices`), and the
// aimed power loss and tampering: what the loader makes of good ones, and
// each class of error with its message and place.
#include <gtest/gtest.h>

#include "fleet/scenario/limits.hpp"
#include "scenario_text.hpp"

namespace fleet::scenario {
namespace {

using namespace std::chrono_literals;
using testing::errors_of;
using testing::loaded;
using testing::place;
using testing::with;

using errors = std::vector<std::string>;

TEST(explore_section, defaults_come_from_the_kinds_the_file_names) {
  const scenario s = loaded(with(
      "fault { at: \"1d\" duration: \"2h\" cloud_outage {} }\n"
      "fault { at: \"2d\" power_loss {} }\n"
      "fault { at: \"3d\" duration: \"2h\" cloud_outage {} }\n"
      "attack { at: \"1d\" cloned_identity {} }"));
  EXPECT_EQ(s.explore.fault_kinds, (std::vector<std::string>{"cloud_outage", "power_loss"}));
  EXPECT_EQ(s.explore.attack_kinds, (std::vector<std::string>{"cloned_identity"}));
  EXPECT_EQ(s.explore.events_min, 1u);
  EXPECT_EQ(s.explore.events_max, 3u);
  EXPECT_EQ(s.explore.from, 0us);
  EXPECT_EQ(s.explore.to, 7 * 24h);
  EXPECT_EQ(s.explore.duration_min, 1min);
  EXPECT_EQ(s.explore.duration_max, 24h);  // a quarter of 7 days is more than a day
  const scenario short_run = loaded(testing::small_with("duration: \"7d\"", "duration: \"8h\""));
  EXPECT_EQ(short_run.explore.duration_max, 2h);
}

TEST(explore_section, every_field_is_read) {
  const scenario s = loaded(with(
      "explore { fault: \"offline\" attack: \"tampered_image\" min: 2 max: 5 from: \"1h\" to: \"2d\"\n"
      "  fraction { min: 0.1 max: 0.5 } duration_min: \"5m\" duration_max: \"1h\" count_max: 7 write_max: 30\n"
      "  chunk_max: 9 }"));
  const explore_plan& p = s.explore;
  EXPECT_EQ(p.fault_kinds, (std::vector<std::string>{"offline"}));
  EXPECT_EQ(p.attack_kinds, (std::vector<std::string>{"tampered_image"}));
  EXPECT_EQ(p.events_min, 2u);
  EXPECT_EQ(p.events_max, 5u);
  EXPECT_EQ(p.from, 1h);
  EXPECT_EQ(p.to, 48h);
  EXPECT_EQ(p.fraction_min, 0.1);
  EXPECT_EQ(p.fraction_max, 0.5);
  EXPECT_EQ(p.duration_min, 5min);
  EXPECT_EQ(p.duration_max, 1h);
  EXPECT_EQ(p.count_max, 7u);
  EXPECT_EQ(p.write_max, 30u);
  EXPECT_EQ(p.chunk_max, 9u);
}

TEST(explore_section_errors, an_unknown_kind_and_a_kind_named_twice) {
  const std::string text = with("explore {\n  fault: \"offline\"\n  fault: \"meteor\"\n  attack: \"cloned_identity\"\n"
                                "  attack: \"cloned_identity\"\n}");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].rfind(place(text, "fault: \"meteor\"") + "explore: fault[1]: unknown kind \"meteor\": one of cloud_outage,", 0),
            0u)
      << e[0];
  EXPECT_EQ(e[1], place(text, "attack: \"cloned_identity\"", 1) + "explore: attack[1]: \"cloned_identity\" named twice");
}

TEST(explore_section_errors, bad_ranges) {
  const std::string counts = with("explore {\n  min: 4\n  max: 2\n}");
  EXPECT_EQ(errors_of(counts), (errors{place(counts, "max: 2") + "explore: max: must be at least min (4), is 2"}));
  const std::string too_many = with("explore {\n  max: 17\n}");
  EXPECT_EQ(errors_of(too_many), (errors{place(too_many, "max: 17") + "explore: max: must be in [1, 16], is 17"}));
  const std::string span = with("explore {\n  from: \"3d\"\n  to: \"2d\"\n}");
  EXPECT_EQ(errors_of(span),
            (errors{place(span, "to: \"2d\"") + "explore: to: the span [from, to) is empty: events need room to start in"}));
  const std::string past_end = with("explore {\n  to: \"8d\"\n}");
  ASSERT_EQ(errors_of(past_end).size(), 1u);
  EXPECT_EQ(errors_of(past_end)[0].rfind(place(past_end, "to: \"8d\"") + "explore: to: ", 0), 0u);
  const std::string share = with("explore {\n  fraction { min: 0.5 max: 0.2 }\n}");
  EXPECT_EQ(errors_of(share), (errors{place(share, "max: 0.2") + "explore: fraction.max: must be at least min (0.5), is 0.2"}));
  const std::string zero = with("explore {\n  fraction { min: 0 max: 0.2 }\n}");
  ASSERT_EQ(errors_of(zero).size(), 1u);
  EXPECT_EQ(errors_of(zero)[0].rfind(place(zero, "min: 0") + "explore: fraction.min: must be in (0, 1]", 0), 0u);
  const std::string lengths = with("explore {\n  duration_min: \"2h\"\n  duration_max: \"1h\"\n}");
  EXPECT_EQ(errors_of(lengths), (errors{place(lengths, "duration_max") +
                                        "explore: duration_max: the range [duration_min, duration_max] is empty: "
                                        "duration_min is longer"}));
  const std::string writes = with("explore {\n  write_max: 0\n}");
  EXPECT_EQ(errors_of(writes), (errors{place(writes, "write_max") + "explore: write_max: must be in [1, 1,000], is 0"}));
}

TEST(explore_section_errors, a_kind_that_names_an_image_needs_the_files_own) {
  const std::string text = with("explore {\n  attack: \"freeze\"\n}");
  EXPECT_EQ(errors_of(text), (errors{place(text, "attack: \"freeze\"") +
                                     "explore: attack[0]: \"freeze\" names an image: explore copies it from the "
                                     "file's own freeze attack, and the file has none"}));
}

TEST(explore_section_errors, expired_certificates_need_a_run_that_outlives_one) {
  const std::string day = testing::small_with("duration: \"7d\"", "duration: \"1d\"") +
                          "explore {\n  attack: \"expired_certificate\"\n}\n";
  EXPECT_EQ(errors_of(day), (errors{place(day, "attack: \"expired_certificate\"") +
                                    "explore: attack[0]: \"expired_certificate\": the run lasts 1d: no certificate "
                                    "issued in it expires before it ends"}));
  // The control: a week is long enough.
  EXPECT_EQ(loaded(with("explore {\n  attack: \"expired_certificate\"\n}")).explore.attack_kinds,
            (std::vector<std::string>{"expired_certificate"}));
}

TEST(devices_field, the_file_runs_at_its_own_size_and_the_argument_wins) {
  const std::string text = with("devices: 40");
  EXPECT_EQ(loaded(text).device_count(), 40u);
  const load_result flag = load_text(text, "t.textproto", {}, std::uint64_t{60});
  ASSERT_TRUE(flag.value);
  EXPECT_EQ(flag.value->device_count(), 60u);
  // A size refused by no other field is refused at `devices`.
  const std::string none = with("devices: 0");
  ASSERT_EQ(errors_of(none).size(), 1u);
  EXPECT_EQ(errors_of(none)[0].rfind(place(none, "devices: 0"), 0), 0u) << errors_of(none)[0];
}

TEST(aimed_faults, power_loss_at_the_nth_write_and_tampering_at_one_chunk) {
  const scenario s = loaded(with(
      "fault { at: \"1d\" power_loss { during: FLASH_WRITE write: 7 } }\n"
      "attack { at: \"1d\" duration: \"1h\" tampered_image { chunk: 3 } }"));
  EXPECT_EQ(std::get<power_loss>(s.faults[0].kind).write, 7u);
  EXPECT_EQ(std::get<tampered_image>(s.attacks[0].kind).chunk, std::optional<std::uint32_t>{3});
  const scenario plain = loaded(with(
      "fault { at: \"1d\" power_loss { during: FLASH_WRITE } }\n"
      "attack { at: \"1d\" duration: \"1h\" tampered_image {} }"));
  EXPECT_EQ(std::get<power_loss>(plain.faults[0].kind).write, 1u);
  EXPECT_FALSE(std::get<tampered_image>(plain.attacks[0].kind).chunk);
}

TEST(aimed_faults_errors, a_write_out_of_range_or_without_a_flash_write) {
  const std::string zero = with("fault { at: \"1d\" power_loss { during: FLASH_WRITE write: 0 } }");
  EXPECT_EQ(errors_of(zero),
            (errors{place(zero, "write: 0") + "fault[0]: power_loss.write: must be in [1, 1,000], is 0"}));
  const std::string any = with("fault { at: \"1d\" power_loss { write: 2 } }");
  EXPECT_EQ(errors_of(any), (errors{place(any, "write: 2") +
                                    "fault[0]: power_loss.write: only a power loss during FLASH_WRITE tears a write: "
                                    "which one is counted from then"}));
  const std::string chunk = with("attack { at: \"1d\" duration: \"1h\" tampered_image { chunk: 70000 } }");
  EXPECT_EQ(errors_of(chunk), (errors{place(chunk, "chunk: 70000") +
                                      "attack[0]: tampered_image.chunk: must be in [0, 65,535], is 70,000"}));
}

}  // namespace
}  // namespace fleet::scenario
