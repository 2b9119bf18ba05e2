#include "fleet/cloud/update_eligibility.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud {
namespace {

constexpr sim_time release{100 * 24h};  // Retail release of an OS

TEST(update_eligibility, retail_eval_gets_os_releases_14_days_earlier) {
  const auto ok = eligibility::eligible;
  const auto wait = eligibility::not_yet_released;
  const auto all = group_update_policy::update_all;
  EXPECT_EQ(eligible(all, image_kind::system, os_feed::retail_eval, release - 14 * 24h, release), ok);
  EXPECT_EQ(eligible(all, image_kind::system, os_feed::retail_eval, release - 14 * 24h - 1us, release), wait);
  EXPECT_EQ(eligible(all, image_kind::system, os_feed::retail, release - 1us, release), wait);
  EXPECT_EQ(eligible(all, image_kind::system, os_feed::retail, release, release), ok);
  EXPECT_EQ(feed_release_time(os_feed::retail_eval, release), release - retail_eval_lead);
}

TEST(update_eligibility, applications_do_not_wait_for_the_feed) {
  EXPECT_EQ(eligible(group_update_policy::update_all, image_kind::application, os_feed::retail, sim_time{0}, release),
            eligibility::eligible);
}

TEST(update_eligibility, group_policies_block_what_they_name) {
  const auto blocked = eligibility::blocked_by_group_policy;
  EXPECT_EQ(eligible(group_update_policy::no_3rd_party_app_updates, image_kind::application, os_feed::retail,
                     release, release),
            blocked);
  EXPECT_EQ(eligible(group_update_policy::no_3rd_party_app_updates, image_kind::system, os_feed::retail,
                     release, release),
            eligibility::eligible);
  EXPECT_EQ(eligible(group_update_policy::no_updates, image_kind::system, os_feed::retail, release, release),
            blocked);
  EXPECT_EQ(eligible(group_update_policy::no_updates, image_kind::application, os_feed::retail, release, release),
            blocked);
  EXPECT_STREQ(name_of(blocked), "blocked_by_group_policy");
}

// What the scenario warnings ask (scenario::warnings): the same rule, without a time or a feed.
TEST(update_eligibility, policy_allows_is_the_rule_eligible_applies) {
  for (const auto policy : {group_update_policy::update_all, group_update_policy::no_3rd_party_app_updates,
                            group_update_policy::no_updates}) {
    for (const auto kind : {image_kind::system, image_kind::application}) {
      SCOPED_TRACE(name_of(policy));
      EXPECT_EQ(policy_allows(policy, kind),
                eligible(policy, kind, os_feed::retail, release, release) != eligibility::blocked_by_group_policy);
    }
  }
  EXPECT_FALSE(policy_allows(group_update_policy::no_3rd_party_app_updates, image_kind::application));
  EXPECT_TRUE(policy_allows(group_update_policy::no_3rd_party_app_updates, image_kind::system));
  EXPECT_STREQ(name_of(group_update_policy::no_3rd_party_app_updates), "no_3rd_party_app_updates");
}

TEST(update_eligibility, only_the_app_is_the_tenants_own) {
  EXPECT_EQ(kind_of(wire::APP), image_kind::application);
  for (const auto c : {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::LEGACY_FIRMWARE}) {
    EXPECT_EQ(kind_of(c), image_kind::system) << c;
  }
}

}  // namespace
}  // namespace fleet::cloud
