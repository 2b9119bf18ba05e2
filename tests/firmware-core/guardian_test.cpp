// Guardian mode: a guardian device fronts a legacy device with no security
// of its own. It relays the legacy data and flashes the legacy device only
// with images it downloaded and verified itself.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

std::unique_ptr<device_world> guardian() {
  testing::world_options options;
  options.guardian = true;
  auto w = std::make_unique<device_world>(options);
  w->power_on();
  EXPECT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, 1min));
  return w;
}

/// Legacy readings the device sent in telemetry batches: with a payload, and without.
std::pair<std::size_t, std::size_t> legacy_events_sent(const device_world& w) {
  std::size_t with_data = 0, empty = 0;
  for (const auto& bytes : w.sent_by_device()) {
    wire::Envelope e;
    if (!e.ParseFromString(bytes) || !e.has_telemetry()) continue;
    for (const auto& event : e.telemetry().events()) {
      if (event.kind() != wire::EVENT_LEGACY_DATA) continue;
      ++(event.data().empty() ? empty : with_data);
    }
  }
  return {with_data, empty};
}

TEST(guardian, relays_legacy_readings_through_telemetry) {
  auto w = guardian();
  w->run_for(25h);  // one daily upload with a day of 15-minute readings
  std::size_t relayed = 0;
  for (const auto& e : w->stored_events()) relayed += e.kind == "legacy_data";
  EXPECT_GT(w->device().legacy()->readings_taken(), 90u);
  EXPECT_GT(relayed, 10u);
  // The service keeps no payloads (its export has none): what the device
  // sent it carried the readings.
  const auto [with_data, empty] = legacy_events_sent(*w);
  EXPECT_GE(with_data, relayed);
  EXPECT_EQ(empty, 0u);
  // The buffer holds 32 events: older readings were dropped and counted, not
  // lost silently. Every event (readings and the boot record) is accounted for.
  const cloud::device_telemetry stored = w->show().telemetry;
  EXPECT_EQ(stored.store_dropped, 0u);
  EXPECT_EQ(stored.stored + w->firmware().stats().telemetry_dropped + w->firmware().telemetry_buffered(),
            w->device().legacy()->readings_taken() + w->count(record_kind::booted));
}

TEST(guardian, flashes_the_legacy_device_with_a_verified_image) {
  auto w = guardian();
  auto legacy = make_image(w->keys(), wire::LEGACY_FIRMWARE, "2.0.0", 1, 48 * 1024);
  w->publish(legacy);
  ASSERT_TRUE(w->run_until([&] { return w->firmware().stats().legacy_flashes == 1; }, 26h));
  EXPECT_TRUE(w->device().legacy()->flashed());
  EXPECT_EQ(w->device().legacy()->firmware_version(), (wire::version{2, 0, 0}));
  EXPECT_EQ(w->device().legacy()->bytes_received_total(), 48u * 1024);
  EXPECT_EQ(w->firmware().running_version(component::legacy_firmware), (wire::version{2, 0, 0}));
}

TEST(guardian, a_tampered_legacy_image_never_reaches_the_legacy_device) {
  auto w = guardian();
  auto legacy = make_image(w->keys(), wire::LEGACY_FIRMWARE, "2.0.0", 1, 48 * 1024);
  w->faults().tamper_reply = [](wire::Envelope& reply) {
    if (reply.has_chunk() && reply.chunk().index() == 5) (*reply.mutable_chunk()->mutable_data())[7] ^= 1;
  };
  w->publish(legacy);
  w->run_for(26h);
  EXPECT_GT(w->faults().counters().replies_edited, 0u);
  EXPECT_GT(w->firmware().stats().rejected[static_cast<std::size_t>(reject_reason::chunk_digest_mismatch)], 0u);
  EXPECT_FALSE(w->device().legacy()->flashed());
  EXPECT_EQ(w->device().legacy()->bytes_received_total(), 0u);
  EXPECT_EQ(w->firmware().running_version(component::legacy_firmware), (wire::version{1, 0, 0}));
}

// A validly signed legacy image pushed into an ordinary device's offer is
// refused by the device itself: it has no legacy device to flash.
TEST(guardian, an_ordinary_device_refuses_legacy_images_and_data) {
  device_world w;
  w.power_on();
  w.run_for(1min);
  w.faults().offer(w.upload(make_image(w.keys(), wire::LEGACY_FIRMWARE, "2.0.0", 1, 48 * 1024)));
  w.run_for(26h);
  EXPECT_GT(w.faults().counters().rogue_offers, 0u);
  EXPECT_GT(w.firmware().stats().rejected[static_cast<std::size_t>(reject_reason::malformed)], 0u);
  EXPECT_EQ(w.firmware().stats().chunks_downloaded, 0u);
  outputs out;
  w.device().handle(w.now(), legacy_data{"reading"}, out);
  EXPECT_GT(w.firmware().stats().rejected[static_cast<std::size_t>(reject_reason::unexpected)], 0u);
}

}  // namespace
}  // namespace fleet::fw
