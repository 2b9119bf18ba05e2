#pragma once
// Which images a device group may receive: its update policy and OS feed.
// Small pure rules, applied before the rollout controller is asked.

#include <chrono>
#include <cstdint>

#include "device.pb.h"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

using namespace std::chrono_literals;

/// OS feeds: RetailEval gets each OS release `retail_eval_lead` before Retail,
/// so OS-evaluation groups can verify their apps against it first.
enum class os_feed : std::uint8_t { retail, retail_eval };

/// Group update policies (Azure Sphere names). NoUpdates stops OS updates too:
/// in the simulation it models a group frozen for investigation.
enum class group_update_policy : std::uint8_t { update_all, no_3rd_party_app_updates, no_updates };

/// `system` is the platform-supplied software (bootloader, security monitor,
/// OS), delivered by feed; `application` is the tenant's own (3rd-party) image.
enum class image_kind : std::uint8_t { system, application };

inline constexpr duration retail_eval_lead = 14 * 24h;

enum class eligibility : std::uint8_t {
  eligible,
  blocked_by_group_policy,  ///< the group's update policy excludes this kind of image
  not_yet_released,         ///< an OS release not yet on this group's feed
};

/// What an image of component `c` is: the tenant's app, or the platform's.
image_kind kind_of(wire::Component c);

/// Whether a group with `policy` ever takes images of `kind`.
bool policy_allows(group_update_policy policy, image_kind kind);

/// When an OS release reaches `feed`, given its Retail release time.
sim_time feed_release_time(os_feed feed, sim_time retail_release);

/// Whether a device in a group with `policy` and `feed` may receive an image of
/// `kind` at `now`. `retail_release` matters for system images only.
eligibility eligible(group_update_policy policy, image_kind kind, os_feed feed, sim_time now,
                     sim_time retail_release);

const char* name_of(eligibility e);
/// "update_all", "no_3rd_party_app_updates", "no_updates".
const char* name_of(group_update_policy p);

}  // namespace fleet::cloud
