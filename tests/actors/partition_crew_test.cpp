// The partitions on their actors (partition_crew.hpp): each builds its own
// partition, and a stretch run in slices reports what it reports whole.
#include "engine/partition_crew.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "adversary/link_tamper.hpp"
#include "engine/control_messages.hpp"
#include "fleet_text.hpp"
#include "network/nemesis.hpp"
#include "network/network_model.hpp"

namespace fleet::actors {
namespace {

constexpr std::uint32_t partitions = 4;
constexpr std::int64_t hour_us = 3'600'000'000;

/// One crew of `partitions` over 400 devices of the staged rollout, on two
/// threads, with what its partitions are built from.
struct crew_under_test {
  scenario::scenario s = testing::load(testing::staged_rollout(400));
  network_model net{s.fleet.net};
  nemesis links{net, s.faults, s.seed};
  link_tamper tamper{s.attacks, s.seed};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::unique_ptr<partition_crew> crew;

  crew_under_test() {
    cfg.set("scheduler.max-threads", std::size_t{2});
    add_control_message_types(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
    crew = std::make_unique<partition_crew>(*system, s, partitions, s.device_count(), links, tamper);
  }
  ~crew_under_test() {
    crew.reset();
    system.reset();
  }

  std::vector<partition_report> run_to(std::int64_t until_us, std::vector<std::int64_t> slice_ends = {},
                                       bool account = false) {
    std::vector<partition_orders> orders(partitions);
    for (partition_orders& o : orders) {
      o.until_us = until_us;
      o.account = account;
      o.states_at_us = until_us;
    }
    return crew->run(std::move(orders), std::move(slice_ends));
  }
};

TEST(partition_crew, every_partition_is_built_by_its_actor_and_holds_its_share_of_the_devices) {
  crew_under_test c;
  const std::vector<partition_report> reports = c.run_to(0, {}, true);
  ASSERT_EQ(reports.size(), partitions);
  for (const partition_report& r : reports) EXPECT_EQ(r.account.device_digests.size(), 400u / partitions);
}

TEST(partition_crew, a_stretch_in_slices_reports_the_same_as_the_stretch_whole) {
  crew_under_test whole;
  crew_under_test sliced;
  const std::vector<partition_report> a = whole.run_to(2 * hour_us);
  const std::vector<partition_report> b = sliced.run_to(2 * hour_us, {hour_us / 2, hour_us, hour_us + 1});
  ASSERT_EQ(a.size(), b.size());
  std::uint64_t events = 0;
  for (std::size_t p = 0; p < a.size(); ++p) {
    EXPECT_EQ(b[p].events, a[p].events) << "partition " << p << ": the slices' events are counted";
    EXPECT_EQ(b[p].next_us, a[p].next_us);
    events += a[p].events;
  }
  EXPECT_GT(events, 400u) << "every device booted and attested in the first two hours";
  // And the partitions went on from the same state: their traces agree.
  const std::vector<partition_report> a_end = whole.run_to(6 * hour_us, {}, true);
  const std::vector<partition_report> b_end = sliced.run_to(6 * hour_us, {3 * hour_us}, true);
  for (std::size_t p = 0; p < a.size(); ++p) {
    EXPECT_EQ(b_end[p].events, a_end[p].events);
    EXPECT_EQ(b_end[p].account.cloud_digest, a_end[p].account.cloud_digest);
    ASSERT_EQ(b_end[p].account.device_digests.size(), a_end[p].account.device_digests.size());
    for (std::size_t d = 0; d < a_end[p].account.device_digests.size(); ++d) {
      EXPECT_EQ(b_end[p].account.device_digests[d].digest, a_end[p].account.device_digests[d].digest);
    }
  }
}

}  // namespace
}  // namespace fleet::actors
