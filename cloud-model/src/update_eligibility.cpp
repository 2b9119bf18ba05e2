#include "fleet/cloud/update_eligibility.hpp"

namespace fleet::cloud {

sim_time feed_release_time(os_feed feed, sim_time retail_release) {
  return feed == os_feed::retail_eval ? retail_release - retail_eval_lead : retail_release;
}

image_kind kind_of(wire::Component c) { return c == wire::APP ? image_kind::application : image_kind::system; }

bool policy_allows(group_update_policy policy, image_kind kind) {
  switch (policy) {
    case group_update_policy::no_updates: return false;
    case group_update_policy::no_3rd_party_app_updates: return kind != image_kind::application;
    case group_update_policy::update_all: return true;
  }
  return false;
}

eligibility eligible(group_update_policy policy, image_kind kind, os_feed feed, sim_time now,
                     sim_time retail_release) {
  if (!policy_allows(policy, kind)) return eligibility::blocked_by_group_policy;
  // Applications go out by deployment, whatever the feed; the feed times OS releases.
  if (kind == image_kind::system && now < feed_release_time(feed, retail_release)) {
    return eligibility::not_yet_released;
  }
  return eligibility::eligible;
}

const char* name_of(eligibility e) {
  switch (e) {
    case eligibility::eligible: return "eligible";
    case eligibility::blocked_by_group_policy: return "blocked_by_group_policy";
    case eligibility::not_yet_released: return "not_yet_released";
  }
  return "?";
}

const char* name_of(group_update_policy p) {
  switch (p) {
    case group_update_policy::update_all: return "update_all";
    case group_update_policy::no_3rd_party_app_updates: return "no_3rd_party_app_updates";
    case group_update_policy::no_updates: return "no_updates";
  }
  return "?";
}

}  // namespace fleet::cloud
