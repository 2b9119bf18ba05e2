// The engine's input (run_input.hpp): built by hand, without the scenario
// loader, it runs; and what it derives (device count, partitions, kind names).
#include "fleet/actors/run_input.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

TEST(run_input, partitions_default_to_one_per_thousand_devices_as_a_power_of_two) {
  EXPECT_EQ(input::partitions_for(999), 1u);
  EXPECT_EQ(input::partitions_for(2000), 2u);
  EXPECT_EQ(input::partitions_for(10'000), 8u);
  EXPECT_EQ(input::partitions_for(16'000), 16u);
  EXPECT_EQ(input::partitions_for(100'000), 16u);
  EXPECT_EQ(input::partitions_for(1'000'000), 16u);
}

TEST(run_input, never_more_partitions_than_devices) {
  input::run_input in;
  in.fleet.groups = {{"a", 0, 2}, {"b", 0, 1}};
  EXPECT_EQ(in.device_count(), 3u);
  EXPECT_EQ(in.partition_count(), 1u);
  in.cloud.partitions = 8;
  EXPECT_EQ(in.partition_count(), 3u);
  in.cloud.partitions = 2;
  EXPECT_EQ(in.partition_count(), 2u);
}

TEST(run_input, kinds_have_their_schema_names) {
  EXPECT_STREQ(input::kind_name(input::fault_kind{input::power_loss{}}), "power_loss");
  EXPECT_STREQ(input::kind_name(input::attack_kind{input::tampered_image{}}), "tampered_image");
  EXPECT_TRUE(input::in_the_mirror(input::tampered_image{}));
  EXPECT_FALSE(input::in_the_mirror(input::cloned_identity{}));
  EXPECT_TRUE(input::spares_its_victims(input::replayed_evidence{}));
  EXPECT_FALSE(input::spares_its_victims(input::cloned_identity{}));
}

// The engine takes a census at each time its input asks for, whoever built
// the input: given out of order and twice, each is taken once, in order.
TEST(run_input, the_engine_counts_the_fleet_at_the_census_times_asked) {
  const scenario::scenario loaded = testing::load(testing::staged_rollout(6));
  input::run_input in = loaded;  // the engine's part only: no expectations
  ASSERT_TRUE(loaded.census_times.empty());
  in.census_times = {30h, 2h, 30h};
  const run_result r = run(in, {});
  ASSERT_EQ(r.censuses.size(), 2u);
  EXPECT_EQ(r.censuses[0].at, 2h);
  EXPECT_EQ(r.censuses[1].at, 30h);
  std::uint64_t counted = 0;
  for (const auto& [version, devices] : r.censuses[1].app_versions_by_group.at(0)) counted += devices;
  EXPECT_EQ(counted, 6u);
}

}  // namespace
}  // namespace fleet::actors
