// Secure boot from the A/B slots, as the boot ROM and each stage would do it:
// only signed, intact, non-rolled-back images run; a bad active slot falls
// back to the other; no valid chain is a brick.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "fleet/testing/evidence.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

bool ran(const device_world& w, const crypto::digest& image) {
  for (const auto& r : w.records()) {
    if (r.kind == record_kind::software_started && r.digest == image) return true;
  }
  return false;
}

const wire::built_image& factory(const device_world& w, component c) { return w.factory()[index_of(c)]; }

TEST(core_boot, measures_every_stage_into_the_secure_element) {
  device_world w;
  w.power_on();
  std::vector<crypto::digest> stages;
  for (const auto& image : w.factory()) stages.push_back(image.manifest_digest);
  EXPECT_EQ(w.device().secure_element().measurement(), testing::measurement_chain(stages));
  EXPECT_EQ(w.count(record_kind::software_started), 4u);
  for (const auto& image : w.factory()) EXPECT_TRUE(ran(w, image.image_digest));
}

TEST(core_boot, a_rotten_active_slot_falls_back_to_the_other_and_stays_there) {
  device_world w;
  auto& flash = w.device().flash();
  device::provision(flash, component::os, slot::b, factory(w, component::os));
  ASSERT_TRUE(flash.rot_bit(component::os, slot::a, 3, 100));
  w.power_on();
  EXPECT_EQ(w.firmware().state(), device_state::running);
  EXPECT_EQ(w.count(record_kind::boot_fallback), 1u);
  EXPECT_EQ(w.firmware().active_slot(component::os), slot::b);
  EXPECT_EQ(w.firmware().stats().boot_fallbacks, 1u);
  // The next boot starts from slot B directly.
  w.cut_power();
  w.run_for(1min);
  EXPECT_EQ(w.count(record_kind::boot_fallback), 1u);
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 5min));
}

TEST(core_boot, no_valid_os_in_either_slot_is_a_brick) {
  device_world w;
  ASSERT_TRUE(w.device().flash().rot_header_bit(component::os, slot::a, 200));
  w.power_on();
  EXPECT_EQ(w.firmware().state(), device_state::bricked);
  EXPECT_EQ(w.count(record_kind::bricked), 1u);
  EXPECT_FALSE(ran(w, factory(w, component::os).image_digest));
  EXPECT_FALSE(ran(w, factory(w, component::app).image_digest));
  w.run_for(1h);
  EXPECT_TRUE(w.sent_by_device().empty());  // a brick says nothing
}

TEST(core_boot, without_a_valid_app_the_os_runs_and_attests) {
  device_world w;
  ASSERT_TRUE(w.device().flash().rot_bit(component::app, slot::a, 0, 0));
  w.power_on();
  EXPECT_EQ(w.firmware().state(), device_state::running);
  EXPECT_EQ(w.firmware().running_version(component::app), (wire::version{}));
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
}

// An attacker with the flash in hand writes images straight into the slots.
TEST(core_boot, unsigned_or_resigned_images_in_flash_never_run) {
  device_world w;
  auto& flash = w.device().flash();
  auto evil = make_image(w.keys(), wire::APP, "6.6.6", 1);
  evil.signed_manifest.clear_signature();
  device::provision(flash, component::app, slot::a, evil);
  crypto::seed rogue{};
  rogue.fill(0x99);
  auto resigned = make_image(w.keys(), wire::APP, "6.6.7", 1);
  resigned.signed_manifest = wire::sign_manifest(resigned.manifest, crypto::signing_key_from_seed(rogue).secret_key_bytes);
  device::provision(flash, component::app, slot::b, resigned);
  w.power_on();
  EXPECT_FALSE(ran(w, evil.image_digest));
  EXPECT_FALSE(ran(w, resigned.image_digest));
  EXPECT_EQ(w.firmware().running_version(component::app), (wire::version{}));
  // The same slots with the genuine image boot it.
  device_world honest;
  device::provision(honest.device().flash(), component::app, slot::b, factory(honest, component::app));
  honest.power_on();
  EXPECT_TRUE(ran(honest, factory(honest, component::app).image_digest));
}

TEST(core_boot, an_image_below_the_anti_rollback_counter_never_runs) {
  device_world w;
  auto newer = w.upload(make_image(w.keys(), wire::APP, "1.1.0", 2));
  device::provision(w.device().flash(), component::app, slot::b, newer);
  w.device().secure_element().advance_counter(component::app, 2);  // 1.1.0 was committed once
  w.power_on();
  EXPECT_FALSE(ran(w, factory(w, component::app).image_digest));  // security version 1 < 2
  EXPECT_TRUE(ran(w, newer.image_digest));
  EXPECT_EQ(w.firmware().active_slot(component::app), slot::b);
}

// Power lost during every trial boot: the try counter runs out and the old
// image comes back, reported with what was rolled back. Losing power says
// nothing about the build, so it is not marked as failed and installs later.
TEST(core_boot, trial_boots_exhausted_by_power_loss_roll_back_without_blaming_the_image) {
  device_world w;
  w.power_on();
  w.run_for(1min);
  auto app = w.publish(make_image(w.keys(), wire::APP, "1.1.0", 2));
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_installed) == 1; }, 26h));
  for (std::uint32_t boot = 0; boot < w.config().trial_boot_tries; ++boot) {
    ASSERT_TRUE(w.run_until([&] { return w.device().powered() && w.firmware().trial_pending(); }, 5min));
    w.run_for(30s);  // inside the health window
    w.cut_power();
  }
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_rolled_back) == 1; }, 5min));
  EXPECT_EQ(w.firmware().running_version(component::app), (wire::version{1, 0, 0}));
  const auto last_acked = [&] {
    const auto reports = w.update_reports();
    return reports.empty() || !reports.back().acked ? wire::UpdateResult{} : reports.back().result;
  };
  ASSERT_TRUE(w.run_until([&] { return last_acked().outcome() == wire::ROLLED_BACK; }, 10min));
  const wire::UpdateResult report = last_acked();
  EXPECT_EQ(report.version(), "1.1.0");
  EXPECT_EQ(report.reason(), "trial boots exhausted");
  EXPECT_EQ(w.setup().status_of(app.image_digest).attempts.failed, 1u);
  // Offered again, it installs and commits.
  EXPECT_TRUE(w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 26h));
  EXPECT_EQ(w.firmware().stats().rejected[static_cast<std::size_t>(reject_reason::failed_before)], 0u);
  ASSERT_TRUE(w.run_until([&] { return last_acked().outcome() == wire::COMMITTED; }, 10min));
  EXPECT_EQ(w.setup().status_of(app.image_digest).attempts.succeeded, 1u);
}

TEST(core_boot, a_build_that_failed_its_trial_is_not_installed_again) {
  device_world w;
  w.power_on();
  w.run_for(1min);
  auto app = make_image(w.keys(), wire::APP, "1.1.0", 2);
  device::version_behaviour crash;
  crash.leak_crash_after = 1min;
  w.behave(app, crash);
  w.publish(app);
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_rolled_back) == 1; }, 26h));
  const std::uint64_t offers = w.service().counters().offers;
  w.run_for(3 * 24h);
  // The service kept offering the build; the device refused it each time.
  EXPECT_GE(w.service().counters().offers - offers, 3u);
  EXPECT_EQ(w.count(record_kind::update_installed), 1u);
  EXPECT_GE(w.firmware().stats().rejected[static_cast<std::size_t>(reject_reason::failed_before)], 3u);
  // A fixed build (another image, superseding the failed one) goes in.
  w.publish(make_image(w.keys(), wire::APP, "1.1.1", 2));
  EXPECT_TRUE(w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 26h));
}

}  // namespace
}  // namespace fleet::fw
