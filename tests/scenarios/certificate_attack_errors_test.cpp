// The certificate attacks in a scenario file (forged_certificate,
// expired_certificate): what the loader makes of good ones, and each field
// that does not fit them, with its message and place. The base is
// testing::small_scenario (100 devices, 7 days) with lines appended.
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
using testing::small_with;

using errors = std::vector<std::string>;

TEST(certificate_attacks, each_kind_is_read_with_its_fields) {
  const load_result r = load_text(with("attack { at: \"1d\" count: 7 forged_certificate {} }\n"
                                       "attack { name: \"stale\" at: \"2h\" expired_certificate {} }"),
                                  "t.textproto");
  ASSERT_TRUE(r.value) << (r.errors.empty() ? "" : to_string(r.errors.front()));
  const scenario& s = *r.value;
  ASSERT_EQ(s.attacks.size(), 2u);
  EXPECT_EQ(s.attacks[0].name, "forged_certificate[0]");
  EXPECT_TRUE(std::holds_alternative<forged_certificate>(s.attacks[0].kind));
  EXPECT_EQ(s.attacks[0].count, 7u);
  EXPECT_EQ(s.attacks[0].at, 24h);
  EXPECT_EQ(s.attacks[1].name, "stale");
  EXPECT_TRUE(std::holds_alternative<expired_certificate>(s.attacks[1].kind));
  EXPECT_EQ(s.attacks[1].count, 1u);
  for (const attack& a : s.attacks) EXPECT_FALSE(in_the_mirror(a.kind)) << a.name;
}

TEST(certificate_attack_errors, fields_that_do_not_fit_the_kind) {
  const std::string text = with(
      "attack { at: \"1d\" duration: \"1h\" count: 0 forged_certificate {} }\n"
      "attack { at: \"1d\" fraction: 0.5 expired_certificate {} }\n"
      "attack { at: \"1d\" count: 101 forged_certificate {} }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "duration: \"1h\"") + "attack[0]: duration: a forged_certificate happens at an instant: no duration",
                    place(text, "count: 0") + "attack[0]: count: must be in [1, 10,000], is 0",
                    place(text, "fraction: 0.5") +
                        "attack[1]: fraction: only a man in the middle or a compromised mirror hits a share of the "
                        "devices; identities are counted",
                    place(text, "count: 101") +
                        "attack[2]: count: more identities (101) than devices in the fleet (100)"}));
}

// A certificate issued in the run must expire before it ends.
TEST(certificate_attack_errors, an_expired_certificate_needs_a_run_longer_than_a_certificate_lives) {
  const std::string text = small_with("duration: \"7d\"", "duration: \"1d\"") +
                           "attack { at: \"2h\" count: 3 expired_certificate {} }\n";
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "expired_certificate {}") +
                    "attack[0]: expired_certificate: the run lasts 1d: no certificate issued in it expires before it "
                    "ends (a certificate lives 1d)"}));
  // One that outlasts it is fine.
  EXPECT_TRUE(errors_of(small_with("duration: \"7d\"", "duration: \"1d1h\"") +
                        "attack { at: \"2h\" count: 3 expired_certificate {} }\n")
                  .empty());
}

}  // namespace
}  // namespace fleet::scenario
