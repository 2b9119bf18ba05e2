#include "telemetry_buffer.hpp"

#include <gtest/gtest.h>

namespace fleet::fw {
namespace {

buffered_event crash(int status) {
  buffered_event e;
  e.kind = wire::EVENT_APP_CRASH;
  e.exit_status = status;
  return e;
}

TEST(telemetry_buffer, drops_the_oldest_past_capacity_and_counts_it) {
  telemetry_buffer buffer(3);
  EXPECT_FALSE(buffer.push(crash(1)));
  EXPECT_FALSE(buffer.push(crash(2)));
  EXPECT_FALSE(buffer.push(crash(3)));
  EXPECT_TRUE(buffer.push(crash(4)));
  EXPECT_EQ(buffer.size(), 3u);
  EXPECT_EQ(buffer.dropped_unreported(), 1u);
  wire::TelemetryBatch batch;
  buffer.fill_batch(batch, 10);
  ASSERT_EQ(batch.events_size(), 3);
  EXPECT_EQ(batch.events(0).exit_status(), 2);
  EXPECT_EQ(batch.first_event_number(), 1u);
  EXPECT_EQ(batch.dropped_events(), 1u);
}

TEST(telemetry_buffer, ack_removes_what_was_stored_and_the_reported_drops) {
  telemetry_buffer buffer(2);
  for (int i = 0; i < 4; ++i) buffer.push(crash(i));
  wire::TelemetryBatch batch;
  buffer.fill_batch(batch, 1);
  ASSERT_EQ(batch.events_size(), 1);
  buffer.acknowledge(batch.first_event_number() + 1, batch.dropped_events());
  EXPECT_EQ(buffer.size(), 1u);
  EXPECT_EQ(buffer.dropped_unreported(), 0u);
  // A drop after the batch was cut is still owed to the service.
  buffer.push(crash(5));
  buffer.push(crash(6));
  EXPECT_EQ(buffer.dropped_unreported(), 1u);
}

TEST(telemetry_buffer, zero_capacity_counts_every_event_as_dropped) {
  telemetry_buffer buffer(0);
  EXPECT_TRUE(buffer.push(crash(1)));
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.dropped_unreported(), 1u);
}

TEST(telemetry_buffer, clear_reports_what_was_lost) {
  telemetry_buffer buffer(8);
  buffer.push(crash(1));
  buffer.push(crash(2));
  EXPECT_EQ(buffer.clear(), 2u);
  EXPECT_EQ(buffer.size(), 0u);
}

}  // namespace
}  // namespace fleet::fw
