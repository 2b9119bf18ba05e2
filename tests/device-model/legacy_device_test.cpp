#include "fleet/device/legacy_device.hpp"

#include <gtest/gtest.h>

namespace fleet::device {
namespace {

using namespace std::chrono_literals;

TEST(legacy_device, readings_come_at_a_fixed_interval_and_stay_small) {
  legacy_spec spec;
  spec.reading_interval = 10min;
  spec.first_reading_at = fw::sim_time{1min};
  legacy_device dev(spec, 1, 3);
  EXPECT_EQ(dev.next_reading_time(), fw::sim_time{1min});
  EXPECT_TRUE(dev.take_reading(fw::sim_time{30s}).empty());
  const std::string first = dev.take_reading(fw::sim_time{1min});
  EXPECT_FALSE(first.empty());
  EXPECT_LE(first.size(), legacy_reading_bytes_max);
  EXPECT_EQ(dev.next_reading_time(), fw::sim_time{11min});
  EXPECT_TRUE(dev.take_reading(fw::sim_time{10min}).empty());
  // Missed readings are skipped, not replayed.
  EXPECT_FALSE(dev.take_reading(fw::sim_time{45min}).empty());
  EXPECT_EQ(dev.next_reading_time(), fw::sim_time{51min});
  EXPECT_EQ(dev.readings_taken(), 2u);
}

TEST(legacy_device, readings_are_deterministic_per_device) {
  legacy_device a(legacy_spec{}, 5, 1), b(legacy_spec{}, 5, 1);
  for (int i = 1; i <= 5; ++i) {
    const fw::sim_time t{std::chrono::hours(i)};
    EXPECT_EQ(a.take_reading(t), b.take_reading(t));
  }
}

TEST(legacy_device, records_completed_flashes) {
  legacy_spec spec;
  spec.firmware_version = {1, 2, 0};
  legacy_device dev(spec, 1, 0);
  EXPECT_FALSE(dev.flashed());
  EXPECT_EQ(dev.write_firmware_chunk(0, std::string(1000, 'a')), fw::flash_status::ok);
  EXPECT_EQ(dev.write_firmware_chunk(1, std::string(24, 'b')), fw::flash_status::ok);
  EXPECT_EQ(dev.bytes_received(), 1024u);
  EXPECT_EQ(dev.firmware_version(), (wire::version{1, 2, 0}));
  EXPECT_EQ(dev.finish_firmware({1, 3, 0}, 1024), fw::flash_status::ok);
  EXPECT_TRUE(dev.flashed());
  EXPECT_EQ(dev.flashes_completed(), 1u);
  EXPECT_EQ(dev.firmware_version(), (wire::version{1, 3, 0}));
  EXPECT_EQ(dev.firmware_size_bytes(), 1024u);
  EXPECT_EQ(dev.bytes_received_total(), 1024u);
  EXPECT_NE(dev.take_reading(fw::sim_time{1h}).find("fw=1.3.0"), std::string::npos);
}

}  // namespace
}  // namespace fleet::device
