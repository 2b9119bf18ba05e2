// The update client's OS deferral: the application may put an OS update off
// for 24 h in total, and reboots, power losses and torn writes inside that
// window do not hand the allowance out again; a new image gets a window of
// its own; the app's os_update_deferral is the total it asks for. And the
// step of an update the core says it is at (update_step), which hosts count
// a fault's reach by.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fleet/testing/device_world.hpp"
#include "metadata.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

const wire::version v110{1, 1, 0};
constexpr duration cap = 24h;  // timing::os_deferral_max
constexpr auto cap_s = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(cap).count());

/// A device holding its certificate whose app puts an OS update off for
/// `app_total` in all.
std::unique_ptr<device_world> deferring_app(duration app_total, std::uint64_t seed = 1) {
  testing::world_options options;
  options.seed = seed;
  auto w = std::make_unique<device_world>(std::move(options));
  device::version_behaviour app;
  app.os_update_deferral = app_total;
  w->behave(w->factory()[index_of(component::app)], app);  // before the app first starts
  w->power_on();
  EXPECT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, 1min));
  w->run_for(1min);  // the first update check is answered before the image exists
  return w;
}

/// The newest valid metadata record in the device's flash.
metadata_record persisted(device_world& w) { return load_metadata(w.device().flash()); }

bool names(const metadata_record& r, const wire::built_image& image) {
  return r.download_component == index_of(component::os) &&
         std::equal(r.download_manifest.begin(), r.download_manifest.end(), image.manifest_digest.begin());
}

bool installed(const device_world& w) { return w.count(record_kind::update_installed) > 0; }

/// Publishes OS 1.1.0 and runs until the device downloaded it and its app
/// first put it off; returns that time.
sim_time until_first_deferral(device_world& w, wire::built_image& image) {
  image = w.publish(make_image(w.keys(), wire::OS, "1.1.0", 1));
  EXPECT_TRUE(w.run_until([&] { return w.count(record_kind::update_deferred) > 0; }, 26h));
  return w.now();
}

/// Runs until the OS update is installed, cutting the power `first_cut` from
/// now and every `period` after; false when `limit` passes first.
bool run_cutting_power(device_world& w, duration first_cut, duration period, duration limit) {
  const sim_time end = w.now() + limit;
  duration next = first_cut;
  while (w.now() < end) {
    if (w.run_until([&] { return installed(w); }, std::min(next, end - w.now()))) return true;
    if (w.now() < end) w.cut_power();
    next = period;
  }
  return false;
}

struct reboots {
  duration app_total;
  duration first_cut;  ///< after the first deferral
};

void PrintTo(const reboots& r, std::ostream* os) {
  *os << "app " << r.app_total.count() / 3'600'000'000 << "h, first reboot after "
      << r.first_cut.count() / 60'000'000 << "min";
}

class os_deferral_with_reboots : public ::testing::TestWithParam<reboots> {};

// The device: it reboots every 20 h under an app asking 23 h (or
// more than the cap). Before the deferral was persisted, every boot started
// the window afresh and the update never went in.
TEST_P(os_deferral_with_reboots, installs_no_later_than_24_hours_after_the_first_deferral) {
  const reboots& p = GetParam();
  auto w = deferring_app(p.app_total);
  wire::built_image image;
  const sim_time first = until_first_deferral(*w, image);
  // Charged in full, bound to the image, before the deferral began.
  const metadata_record charged = persisted(*w);
  EXPECT_TRUE(names(charged, image));
  EXPECT_EQ(charged.deferral_granted_s,
            std::chrono::duration_cast<std::chrono::seconds>(std::min(p.app_total, cap)).count());

  ASSERT_TRUE(run_cutting_power(*w, p.first_cut, 20h, 10 * 24h));
  EXPECT_LE(w->now() - first, cap);
  EXPECT_GE(w->count(record_kind::powered_off), 1u);  // a reboot fell inside the window
  EXPECT_EQ(w->count(record_kind::update_deferred), 1u);  // no boot granted a new window
  ASSERT_TRUE(w->run_until([&] { return w->count(record_kind::update_committed) == 1; }, 1h));
  EXPECT_EQ(w->firmware().running_version(component::os), v110);
  EXPECT_EQ(persisted(*w).deferral_granted_s, 0u);  // cleared with the download
}

INSTANTIATE_TEST_SUITE_P(phases, os_deferral_with_reboots,
                         ::testing::Values(reboots{23h, 1min}, reboots{23h, 10h}, reboots{23h, 19h + 59min},
                                           reboots{3 * 24h, 1min}, reboots{3 * 24h, 10h},
                                           reboots{3 * 24h, 19h + 59min}));

// The control: the same device, but its flash forgets the charge at the
// power loss (as the RAM-only start of the window did). The boot then grants
// a whole new window and the update goes in well past 24 h: the persisted
// charge is what holds the cap.
TEST(os_deferral, a_boot_that_forgets_the_charge_defers_past_the_cap) {
  auto w = deferring_app(3 * 24h);
  wire::built_image image;
  const sim_time first = until_first_deferral(*w, image);
  w->run_for(10h);
  w->cut_power();
  device::sim_flash& flash = w->device().flash();
  metadata_record forgetful = persisted(*w);
  ASSERT_EQ(forgetful.deferral_granted_s, cap_s);
  forgetful.deferral_granted_s = 0;
  flash.restore_power();  // the device stays off; only the test writes
  ASSERT_EQ(store_metadata(flash, forgetful), flash_status::ok);
  flash.cut_power_now();

  ASSERT_TRUE(w->run_until([&] { return installed(*w); }, 3 * 24h));
  EXPECT_EQ(w->count(record_kind::update_deferred), 2u);
  EXPECT_GT(w->now() - first, cap + 9h);
}

// A power cut of any length inside the window: the rest of that deferral is
// forfeit, the device installs when it is back, and no new window opens.
TEST(os_deferral, a_power_loss_inside_the_window_does_not_reopen_it) {
  for (duration off : {duration{3h}, duration{30h}}) {
    SCOPED_TRACE("power off for " + std::to_string(off.count() / 3'600'000'000) + " h");
    auto w = deferring_app(3 * 24h);
    wire::built_image image;
    const sim_time first = until_first_deferral(*w, image);
    w->run_for(5h);
    w->device().set_power_restore_after(off);
    w->cut_power();
    ASSERT_TRUE(w->run_until([&] { return installed(*w); }, off + 1h));
    EXPECT_LE(w->now() - (first + 5h + off), duration{1min});  // at the boot after the cut
    EXPECT_EQ(w->count(record_kind::update_deferred), 1u);
  }
}

struct torn_run {
  std::uint64_t writes = 0;             ///< flash writes from publish to install
  std::uint64_t charge_write = 0;       ///< the write that charged the first deferral
  sim_time first_deferral = never;
  sim_time installed_at = never;
  std::size_t deferrals = 0;
  std::size_t power_losses = 0;
  bool bricked = false;
  bool stuck = false;
  std::optional<metadata_record> after_cut;  ///< what flash held while the power was off
};

// With `cut_at` > 0 the cut_at-th flash write after OS 1.1.0 is published
// is torn by a power loss (power back after 30 s).
torn_run run_torn(std::uint64_t seed, std::uint64_t cut_at) {
  auto w = deferring_app(3 * 24h, seed);
  w->publish(make_image(w->keys(), wire::OS, "1.1.0", 1));
  const std::uint64_t writes_before = w->device().flash().writes_done();
  if (cut_at > 0) w->device().arm_power_cut(static_cast<std::uint32_t>(cut_at));
  torn_run r;
  w->run_until(
      [&] {
        if (r.first_deferral == never && w->count(record_kind::update_deferred) > 0) {
          r.first_deferral = w->now();
          r.charge_write = w->device().flash().writes_done() - writes_before;
        }
        if (!r.after_cut && !w->device().powered()) r.after_cut = persisted(*w);
        return installed(*w) || w->count(record_kind::bricked) > 0;
      },
      4 * 24h);
  r.installed_at = installed(*w) ? w->now() : never;
  r.writes = w->device().flash().writes_done() - writes_before;
  r.deferrals = w->count(record_kind::update_deferred);
  r.power_losses = w->count(record_kind::powered_off);
  r.bricked = w->count(record_kind::bricked) > 0;
  r.stuck = w->stuck();
  return r;
}

// A power cut tearing any flash write from the download to the install,
// the charge of the deferral and the install's own write included: the
// device installs, once deferred, within 24 h of that deferral (plus the 30 s
// it was off when the install's write was the one torn).
TEST(os_deferral, a_torn_write_anywhere_never_extends_the_cap) {
  for (std::uint64_t seed : {1u, 2u}) {
    const torn_run reference = run_torn(seed, 0);
    ASSERT_NE(reference.installed_at, never);
    ASSERT_EQ(reference.deferrals, 1u);
    ASSERT_EQ(reference.installed_at - reference.first_deferral, cap);
    ASSERT_GT(reference.charge_write, 0u);
    for (std::uint64_t k = 1; k <= reference.writes; ++k) {
      SCOPED_TRACE("seed=" + std::to_string(seed) + " power lost at write " + std::to_string(k) + " of " +
                   std::to_string(reference.writes));
      const torn_run r = run_torn(seed, k);
      EXPECT_FALSE(r.stuck);
      EXPECT_FALSE(r.bricked);
      EXPECT_EQ(r.power_losses, 1u);
      ASSERT_NE(r.installed_at, never);
      EXPECT_EQ(r.deferrals, 1u);
      EXPECT_LE(r.installed_at - r.first_deferral, cap + 1min);
      if (k == reference.charge_write) {
        // The torn charge left the record before it: nothing granted, and
        // no deferral began before the power went.
        ASSERT_TRUE(r.after_cut.has_value());
        EXPECT_EQ(r.after_cut->deferral_granted_s, 0u);
        EXPECT_GT(r.first_deferral, reference.first_deferral);
      }
      if (HasFailure()) return;  // one failing write says it all
    }
  }
}

// Installing clears the charge with the download; the next OS image is put
// off for a whole window of its own.
TEST(os_deferral, a_new_pending_image_starts_a_fresh_window) {
  auto w = deferring_app(3 * 24h);
  wire::built_image first_image;
  until_first_deferral(*w, first_image);
  ASSERT_TRUE(w->run_until([&] { return w->count(record_kind::update_committed) == 1; }, 25h));
  EXPECT_EQ(persisted(*w).deferral_granted_s, 0u);

  const auto second_image = w->publish(make_image(w->keys(), wire::OS, "1.2.0", 1));
  ASSERT_TRUE(w->run_until([&] { return w->count(record_kind::update_deferred) == 2; }, 26h));
  const sim_time second = w->now();
  EXPECT_TRUE(names(persisted(*w), second_image));
  EXPECT_EQ(persisted(*w).deferral_granted_s, cap_s);
  ASSERT_TRUE(w->run_until([&] { return w->count(record_kind::update_installed) == 2; }, 25h));
  EXPECT_EQ(w->now() - second, cap);
  ASSERT_TRUE(w->run_until([&] { return w->count(record_kind::update_committed) == 2; }, 1h));
  EXPECT_EQ(w->firmware().running_version(component::os), (wire::version{1, 2, 0}));
}

class os_update_deferral_value : public ::testing::TestWithParam<duration> {};

// The app's os_update_deferral is the total it puts the update off: 1 h,
// 12 h and 3 d give 1 h, 12 h and the 24 h cap (they used to give the same
// run, the app asking again until the cap).
TEST_P(os_update_deferral_value, is_the_total_the_app_puts_the_update_off_capped_at_24_hours) {
  const duration app_total = GetParam();
  auto w = deferring_app(app_total);
  wire::built_image image;
  const sim_time first = until_first_deferral(*w, image);
  ASSERT_TRUE(w->run_until([&] { return installed(*w); }, 3 * 24h));
  EXPECT_EQ(w->now() - first, std::min(app_total, cap));
  EXPECT_EQ(w->count(record_kind::update_deferred), 1u);
}

INSTANTIATE_TEST_SUITE_P(values, os_update_deferral_value, ::testing::Values(duration{1h}, duration{12h},
                                                                             duration{3 * 24h}));

// An app that asks nothing: no deferral, installed when downloaded.
TEST(os_deferral, an_app_asking_nothing_installs_at_once) {
  auto w = deferring_app(0s);
  w->publish(make_image(w->keys(), wire::OS, "1.1.0", 1));
  ASSERT_TRUE(w->run_until([&] { return w->count(record_kind::update_downloaded) > 0; }, 26h));
  EXPECT_TRUE(installed(*w));  // in the same step as the download's last chunk
  EXPECT_EQ(w->count(record_kind::update_deferred), 0u);
}

// ------------------------------------------------------------ update step

TEST(update_step, is_named_from_the_trial_the_download_and_the_verified_image) {
  EXPECT_EQ(update_step_of(false, false, false), update_step::none);
  EXPECT_EQ(update_step_of(false, true, false), update_step::downloading);
  EXPECT_EQ(update_step_of(false, true, true), update_step::staged);
  EXPECT_EQ(update_step_of(true, false, false), update_step::trial);
  EXPECT_EQ(update_step_of(true, true, false), update_step::trial);  // a trial comes first
  EXPECT_STREQ(name_of(update_step::none), "none");
  EXPECT_STREQ(name_of(update_step::downloading), "downloading");
  EXPECT_STREQ(name_of(update_step::staged), "staged");
  EXPECT_STREQ(name_of(update_step::trial), "trial");
}

/// Runs until `done`, noting each step the core is at after an event when it differs from the last noted.
bool note_steps(device_world& w, std::vector<update_step>& seen, const std::function<bool()>& done,
                duration limit) {
  return w.run_until(
      [&] {
        const update_step now = w.firmware().update_step_now();
        if (seen.empty() || seen.back() != now) seen.push_back(now);
        return done();
      },
      limit);
}

// An OS update the app puts off for an hour: offered and fetched
// (downloading), verified and deferred (staged), installed and booted on
// trial (trial), committed (none again).
TEST(update_step, follows_an_update_from_the_offer_to_the_commit) {
  auto w = deferring_app(1h);
  std::vector<update_step> seen{w->firmware().update_step_now()};
  ASSERT_EQ(seen.front(), update_step::none);
  w->publish(make_image(w->keys(), wire::OS, "1.1.0", 1));
  ASSERT_TRUE(note_steps(*w, seen, [&] { return w->count(record_kind::update_deferred) > 0; }, 26h));
  EXPECT_EQ(w->firmware().update_step_now(), update_step::staged);
  ASSERT_TRUE(note_steps(*w, seen, [&] { return w->count(record_kind::update_committed) > 0; }, 2h));
  EXPECT_EQ(seen, (std::vector<update_step>{update_step::none, update_step::downloading, update_step::staged,
                                            update_step::trial, update_step::none}));
}

// Off, the RAM that knew the image was verified is gone: the metadata still
// names the download, so the device is downloading until its boot reads the
// image back and verifies it again; the deferral is forfeit, so it installs.
TEST(update_step, a_device_off_with_a_staged_image_is_downloading_until_it_verifies_it_again) {
  auto w = deferring_app(3h);
  wire::built_image image;
  until_first_deferral(*w, image);
  ASSERT_EQ(w->firmware().update_step_now(), update_step::staged);
  w->cut_power();
  ASSERT_EQ(w->firmware().state(), device_state::powered_off);
  EXPECT_EQ(w->firmware().update_step_now(), update_step::downloading);
  std::vector<update_step> seen;
  ASSERT_TRUE(note_steps(*w, seen, [&] { return installed(*w); }, 1h));
  EXPECT_EQ(seen, (std::vector<update_step>{update_step::downloading, update_step::trial}));
  EXPECT_EQ(w->count(record_kind::update_downloaded), 2u);  // verified again
}

}  // namespace
}  // namespace fleet::fw
