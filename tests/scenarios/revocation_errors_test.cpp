// Revocations in a scenario file (cloud.revoke, deployment.repair) and the
// expectations that judge them (healed, never_trusted_after_revocation,
// no_restricted_session_to_attackers): what the loader makes of good ones,
// and each error with its message and place. The base is
// testing::small_scenario with lines appended.
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

const char* const fix =
    "image { name: \"os\" version: \"1.0.1\" component: OS product: \"p\" security_version: 2 size: \"1MiB\" }\n"
    "deployment { name: \"fix\" image: \"os@1.0.1\" group: \"Production\" start: \"2d\" repair: true }\n";

TEST(revocations, are_read_in_time_order_with_the_repair_and_the_checks) {
  const scenario s = loaded(with(std::string(fix) +
                                 "cloud { revoke { image: \"app@1.0.0\" at: \"3d\" } revoke { image: \"os@1.0.0\" at: \"2d\" } }\n"
                                 "expect { healed { image: \"os@1.0.1\" by: \"6d\" } }\n"
                                 "expect { healed { image: \"os@1.0.1\" percent: 90 by: \"3d\" group: \"Production\" } }\n"
                                 "expect { never_trusted_after_revocation { image: \"os@1.0.0\" } }\n"
                                 "expect { no_restricted_session_to_attackers {} }"));
  ASSERT_EQ(s.cloud.revocations.size(), 2u);
  EXPECT_EQ(s.images[s.cloud.revocations[0].image].ref(), "os@1.0.0");
  EXPECT_EQ(s.cloud.revocations[0].at, 48h);
  EXPECT_EQ(s.images[s.cloud.revocations[1].image].ref(), "app@1.0.0");
  ASSERT_EQ(s.deployments.size(), 2u);
  EXPECT_FALSE(s.deployments[0].repair);
  EXPECT_TRUE(s.deployments[1].repair);
  ASSERT_EQ(s.expectations.size(), 4u);
  const auto& all = std::get<healed>(s.expectations[0].what);
  EXPECT_EQ(all.percent, 100);
  EXPECT_EQ(all.by, 6 * 24h);
  EXPECT_FALSE(all.group.has_value());
  const auto& some = std::get<healed>(s.expectations[1].what);
  EXPECT_EQ(some.percent, 90);
  EXPECT_EQ(some.group, std::optional<std::size_t>{0});
  EXPECT_EQ(s.expectations[2].name, "never_trusted_after_revocation");
  EXPECT_EQ(s.expectations[3].name, "no_restricted_session_to_attackers");
}

TEST(revocations, unknown_images_bad_times_and_doubles_are_refused_at_their_place) {
  const std::string text = with(
      "cloud {\n"
      "  revoke { image: \"os@9.9.9\" at: \"1d\" }\n"
      "  revoke { image: \"os@1.0.0\" at: \"soon\" }\n"
      "  revoke { image: \"app@1.0.0\" }\n"
      "  revoke { image: \"app@1.0.0\" at: \"8d\" }\n"
      "  revoke { image: \"boot@1.0.0\" at: \"1d\" }\n"
      "  revoke { image: \"boot@1.0.0\" at: \"2d\" }\n"
      "}");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].rfind(place(text, "image: \"os@9.9.9\"") + "cloud: revoke[0].image:", 0), 0u) << e[0];
  EXPECT_EQ(e[1].rfind(place(text, "at: \"soon\"") + "cloud: revoke[1].at:", 0), 0u) << e[1];
  EXPECT_EQ(e[2], place(text, "revoke { image: \"app@1.0.0\" }") +
                      "cloud: revoke[2].at: missing: when trust in the image is revoked, since the start of the run");
  EXPECT_EQ(e[3].rfind(place(text, "at: \"8d\"") + "cloud: revoke[3].at:", 0), 0u) << e[3];
  EXPECT_EQ(e[4], place(text, "image: \"boot@1.0.0\" at: \"2d\"") + "cloud: revoke[5].image: \"boot@1.0.0\" is revoked twice");
}

TEST(revocations, at_most_the_limit) {
  std::string lines = "cloud {";
  for (std::size_t i = 0; i <= revocations_max; ++i) lines += " revoke { image: \"os@1.0.0\" at: \"1d\" }";
  lines += " }";
  const errors e = errors_of(with(lines));
  ASSERT_FALSE(e.empty());
  EXPECT_NE(e[0].find("revoke: at most " + std::to_string(revocations_max)), std::string::npos) << e[0];
}

TEST(revocations, a_repair_that_deploys_the_revoked_image_is_refused) {
  const std::string text = with(
      "deployment { name: \"bad\" image: \"os@1.0.0\" group: \"Production\" repair: true }\n"
      "cloud { revoke { image: \"os@1.0.0\" at: \"1d\" } }");
  const errors e = errors_of(text);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("deployment \"bad\": repair: deploys \"os@1.0.0\", which cloud.revoke revokes"), std::string::npos)
      << e[0];
}

TEST(revocations, checks_that_have_nothing_to_judge_are_refused) {
  const std::string text = with(std::string(fix) +
                                "expect { healed { image: \"os@1.0.1\" } }\n"
                                "expect { never_trusted_after_revocation { image: \"os@1.0.0\" } }\n"
                                "expect { healed { image: \"os@1.0.1\" percent: 0 by: \"9d\" } }");
  EXPECT_EQ(errors_of(text),
            (errors{place(text, "image: \"os@1.0.1\" } }") +
                        "expect[0]: healed.image: cloud.revoke revokes no OS image of product \"p\": \"os@1.0.1\" heals nothing",
                    place(text, "image: \"os@1.0.0\" } }") +
                        "expect[1]: never_trusted_after_revocation.image: \"os@1.0.0\" is not revoked (cloud.revoke): "
                        "there is no revocation to judge after",
                    place(text, "percent: 0") + "expect[2]: healed.percent: must be in (0, 100], is 0",
                    place(text, "by: \"9d\"") + "expect[2]: healed.by: after the end of the run (7d), is 9d"}));
  const std::string self = with("image { name: \"os\" version: \"1.0.1\" component: OS product: \"p\" size: \"1MiB\" }\n"
                                "cloud { revoke { image: \"os@1.0.1\" at: \"3d\" } }\n"
                                "expect { healed { image: \"os@1.0.1\" } }");
  EXPECT_EQ(errors_of(self), (errors{place(self, "image: \"os@1.0.1\" } }") +
                                     "expect[0]: healed.image: \"os@1.0.1\" is revoked itself (cloud.revoke): it repairs "
                                     "nothing"}));
}

}  // namespace
}  // namespace fleet::scenario
