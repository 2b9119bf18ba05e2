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

// An event sent and not yet acknowledged may be stored already: full, the
// buffer drops the new event rather than it (issue 18: the cloud took one
// event more than the devices saw delivered).
TEST(telemetry_buffer, keeps_what_is_on_its_way_and_drops_the_new_event_instead) {
  telemetry_buffer buffer(3);
  for (int i = 1; i <= 3; ++i) buffer.push(crash(i));
  wire::TelemetryBatch batch;
  buffer.fill_batch(batch, 2);  // events 0 and 1 on their way
  const std::uint64_t sent_end = batch.first_event_number() + 2;
  EXPECT_TRUE(buffer.push(crash(4), sent_end));
  EXPECT_EQ(buffer.size(), 3u);
  EXPECT_EQ(buffer.dropped_unreported(), 1u);
  wire::TelemetryBatch again;
  buffer.fill_batch(again, 10);
  EXPECT_EQ(again.first_event_number(), 0u);  // nothing sent was dropped
  EXPECT_EQ(again.events(0).exit_status(), 1);
  EXPECT_EQ(again.events(2).exit_status(), 3);
  // Once acknowledged, the oldest goes first again.
  buffer.acknowledge(sent_end, batch.dropped_events());
  EXPECT_EQ(buffer.size(), 1u);
  EXPECT_FALSE(buffer.push(crash(5), sent_end));
  EXPECT_FALSE(buffer.push(crash(6), sent_end));
  EXPECT_TRUE(buffer.push(crash(7), sent_end));
  wire::TelemetryBatch last;
  buffer.fill_batch(last, 10);
  EXPECT_EQ(last.events(0).exit_status(), 5);
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
