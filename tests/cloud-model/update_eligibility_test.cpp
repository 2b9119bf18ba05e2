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

}  // namespace
}  // namespace fleet::cloud
