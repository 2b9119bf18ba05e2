#include "fleet/cloud/telemetry_store.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::cloud {
namespace {

constexpr duration day = 24h;
constexpr std::int64_t wall_at_zero_us = 1'700'000'000'000'000;  // 2023-11-14T22:13:20Z

wire::TelemetryBatch batch(std::uint64_t first, std::size_t events, std::uint64_t dropped = 0,
                           const std::string& version = "1.0.0") {
  wire::TelemetryBatch b;
  b.set_first_event_number(first);
  b.set_dropped_events(dropped);
  for (std::size_t i = 0; i < events; ++i) {
    auto* e = b.add_events();
    e->set_device_time_us(wall_at_zero_us + static_cast<std::int64_t>(first + i));
    e->set_kind(wire::EVENT_APP_CRASH);
    e->set_exit_status(static_cast<std::int32_t>(first + i));  // marks the event number
    e->set_signal(11);
    e->set_version(version);
  }
  return b;
}

std::vector<std::string> lines(const std::string& csv) {
  std::vector<std::string> out;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct telemetry_fixture : ::testing::Test {
  registry reg;
  tenant_id acme = reg.create_tenant("acme").id;
  tenant_id rival = reg.create_tenant("rival").id;
  telemetry_store store;

  telemetry_fixture() {
    crypto::random_stream rng(1, 0, "telemetry-test");
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {
      crypto::device_id id{};
      rng.fill(id.data(), id.size());
      ids.push_back(crypto::to_hex(crypto::as_view(id)));
    }
    reg.claim(acme, {ids[0], ids[1]});  // devices 0 and 1
    reg.claim(rival, {ids[2]});         // device 2
  }
  std::string hex_of(device_index d) { return crypto::to_hex(crypto::as_view(reg.device(d)->id)); }
};

TEST_F(telemetry_fixture, stores_events_and_acks_through_the_last_number) {
  const ingest_result r = store.ingest(sim_time{1s}, 0, batch(0, 5, 2));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.stored, 5u);
  EXPECT_EQ(r.acked_through, 5u);
  const device_telemetry t = store.of(0);
  EXPECT_EQ(t.stored, 5u);
  EXPECT_EQ(t.device_dropped, 2u);
  EXPECT_EQ(store.events(), 5u);
}

TEST_F(telemetry_fixture, a_batch_resent_after_a_lost_ack_adds_nothing) {
  store.ingest(sim_time{1s}, 0, batch(0, 5, 3));
  const ingest_result again = store.ingest(sim_time{2s}, 0, batch(0, 5, 3));
  EXPECT_EQ(again.stored, 0u);
  EXPECT_EQ(again.duplicates, 5u);
  EXPECT_EQ(again.acked_through, 5u);
  EXPECT_EQ(store.of(0).stored, 5u);
  EXPECT_EQ(store.of(0).device_dropped, 3u);  // the resend's drop count is not added again
  // A resend that overlaps new events takes only the new ones.
  const ingest_result overlap = store.ingest(sim_time{3s}, 0, batch(3, 4, 4));
  EXPECT_EQ(overlap.stored, 2u);
  EXPECT_EQ(overlap.duplicates, 2u);
  EXPECT_EQ(store.of(0).stored, 7u);
  EXPECT_EQ(store.of(0).device_dropped, 7u);
  EXPECT_EQ(store.counters().duplicates, 7u);
}

TEST_F(telemetry_fixture, a_gap_in_the_numbering_is_counted) {
  store.ingest(sim_time{1s}, 0, batch(0, 2));
  const ingest_result r = store.ingest(sim_time{2s}, 0, batch(10, 2));
  EXPECT_EQ(r.gap, 8u);
  EXPECT_EQ(r.acked_through, 12u);
  EXPECT_EQ(store.of(0).gaps, 8u);
  EXPECT_EQ(store.counters().gaps, 8u);
}

TEST_F(telemetry_fixture, over_1000_events_the_oldest_are_dropped_and_counted) {
  std::uint64_t next = 0;
  for (int i = 0; i < 5; ++i) {
    store.ingest(sim_time{1s}, 0, batch(next, 250));
    next += 250;
  }
  EXPECT_EQ(store.of(0).stored, events_per_device_max);
  EXPECT_EQ(store.of(0).store_dropped, 250u);
  EXPECT_EQ(store.counters().dropped_per_device_bound, 250u);
  // The survivors are the newest: events 250 .. 1249.
  const auto rows = lines(store.export_csv(reg, {acme, 0}, sim_time{2s}));
  ASSERT_EQ(rows.size(), 1 + events_per_device_max);
  EXPECT_NE(rows[1].find(",app_crash,250,11,"), std::string::npos) << rows[1];
  EXPECT_NE(rows.back().find(",app_crash,1249,11,"), std::string::npos) << rows.back();
}

TEST_F(telemetry_fixture, events_older_than_14_days_are_dropped) {
  store.ingest(sim_time{0}, 0, batch(0, 3));
  store.ingest(sim_time{10 * day}, 0, batch(3, 2));
  EXPECT_EQ(lines(store.export_csv(reg, {acme, 0}, sim_time{14 * day})).size(), 1u + 5);
  EXPECT_EQ(lines(store.export_csv(reg, {acme, 0}, sim_time{14 * day + 1us})).size(), 1u + 2);
  store.ingest(sim_time{15 * day}, 0, batch(5, 1));
  EXPECT_EQ(store.of(0).stored, 3u);
  EXPECT_EQ(store.counters().dropped_age, 3u);
}

TEST_F(telemetry_fixture, the_whole_store_is_bounded) {
  telemetry_limits limits;
  limits.events_max = 4;
  telemetry_store small(limits);
  const ingest_result r = small.ingest(sim_time{0}, 0, batch(0, 6));
  EXPECT_EQ(r.stored, 4u);
  EXPECT_EQ(r.acked_through, 6u);  // acked: the device must not resend forever
  EXPECT_EQ(small.counters().dropped_store_full, 2u);
  EXPECT_EQ(small.of(0).store_dropped, 2u);
}

TEST_F(telemetry_fixture, refusals) {
  EXPECT_EQ(store.ingest(sim_time{0}, 0, batch(0, wire::telemetry_events_max + 1)).refusal,
            ingest_refusal::too_many_events);
  EXPECT_EQ(store.ingest(sim_time{0}, 0, batch(UINT64_MAX - 1, 2)).refusal, ingest_refusal::bad_numbering);
  EXPECT_EQ(store.ingest(sim_time{0}, 0, batch(0, 1, 0, std::string(event_version_bytes_max + 1, 'v'))).refusal,
            ingest_refusal::bad_event);
  auto bad_kind = batch(0, 1);
  bad_kind.mutable_events(0)->set_kind(static_cast<wire::EventKind>(99));
  EXPECT_EQ(store.ingest(sim_time{0}, 0, bad_kind).refusal, ingest_refusal::bad_event);
  auto big_data = batch(0, 1);
  big_data.mutable_events(0)->set_data(std::string(wire::event_data_bytes_max + 1, 'd'));
  EXPECT_EQ(store.ingest(sim_time{0}, 0, big_data).refusal, ingest_refusal::bad_event);
  telemetry_limits limits;
  limits.devices_max = 10;
  telemetry_store small(limits);
  EXPECT_EQ(small.ingest(sim_time{0}, 10, batch(0, 1)).refusal, ingest_refusal::unknown_device);
  EXPECT_EQ(store.events(), 0u);
  EXPECT_EQ(store.counters().refused[static_cast<std::size_t>(ingest_refusal::bad_event)], 3u);
}

TEST_F(telemetry_fixture, csv_export_has_a_header_and_one_row_per_event) {
  auto b = batch(0, 1, 0, "2.0.1");
  b.mutable_events(0)->set_kind(wire::EVENT_UPDATE);
  b.mutable_events(0)->set_update_outcome(wire::ROLLED_BACK);
  b.mutable_events(0)->set_device_time_us(wall_at_zero_us + 123'456);
  b.mutable_events(0)->set_exit_status(-1);
  b.mutable_events(0)->set_signal(0);
  store.ingest(sim_time{1s}, 1, b);
  const auto rows = lines(store.export_csv(reg, {acme, std::nullopt}, sim_time{2s}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], "device_id,device_time,kind,exit_status,signal,update_outcome,version");
  EXPECT_EQ(rows[1], hex_of(1) + ",2023-11-14T22:13:20.123456Z,update,-1,0,rolled_back,2.0.1");
}

TEST_F(telemetry_fixture, csv_escapes_commas_and_quotes_in_versions) {
  store.ingest(sim_time{1s}, 0, batch(0, 1, 0, "1,2\"x"));
  const auto rows = lines(store.export_csv(reg, {acme, 0}, sim_time{2s}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].substr(rows[1].rfind(",\"") + 1), "\"1,2\"\"x\"");
}

TEST_F(telemetry_fixture, export_filters_by_tenant_and_device) {
  store.ingest(sim_time{1s}, 0, batch(0, 2));
  store.ingest(sim_time{2s}, 1, batch(0, 3));
  store.ingest(sim_time{3s}, 2, batch(0, 4));
  EXPECT_EQ(lines(store.export_csv(reg, {acme, std::nullopt}, sim_time{4s})).size(), 1u + 5);
  EXPECT_EQ(lines(store.export_csv(reg, {rival, std::nullopt}, sim_time{4s})).size(), 1u + 4);
  EXPECT_EQ(lines(store.export_csv(reg, {acme, 1}, sim_time{4s})).size(), 1u + 3);
  // A device of another tenant is not exported.
  EXPECT_EQ(lines(store.export_csv(reg, {acme, 2}, sim_time{4s})).size(), 1u);
  const auto rows = lines(store.export_csv(reg, {acme, std::nullopt}, sim_time{4s}));
  EXPECT_EQ(rows[1].substr(0, 128), hex_of(0));  // oldest first
  EXPECT_EQ(rows[5].substr(0, 128), hex_of(1));
}

TEST_F(telemetry_fixture, export_is_at_most_1000_rows_the_newest) {
  // 2 devices x 800 events, device 1's later: the newest 1000 are its 800
  // and device 0's last 200.
  for (std::uint64_t n = 0; n < 800; n += 200) {
    store.ingest(sim_time{1s}, 0, batch(n, 200));
    store.ingest(sim_time{2s}, 1, batch(n, 200));
  }
  const auto rows = lines(store.export_csv(reg, {acme, std::nullopt}, sim_time{3s}));
  ASSERT_EQ(rows.size(), 1 + export_rows_max);
  EXPECT_EQ(rows[1].substr(0, 128), hex_of(0));
  EXPECT_NE(rows[1].find(",app_crash,600,11,"), std::string::npos) << rows[1];
  EXPECT_EQ(rows[201].substr(0, 128), hex_of(1));
  EXPECT_NE(rows[201].find(",app_crash,0,11,"), std::string::npos) << rows[201];
}

}  // namespace
}  // namespace fleet::cloud
