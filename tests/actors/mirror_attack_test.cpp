// A compromised mirror in a run: a distribution point inside the update
// delivery serves a share of the fleet under valid session MACs (what it
// serves is sealed by the service), so only the firmware's checks of the
// signed manifest and the chunks stand in its way. Each kind is shown
// stopped on every attempt, by the check named for it and no other (never
// bad_mac: the MAC was valid), with nothing it served ever running. A
// control shows the harness reports an attempt that gets through.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "attack_checks.hpp"
#include "fleet/actors/run.hpp"
#include "fleet_text.hpp"

namespace fleet::actors {
namespace {

using testing::expect_stopped_by;

/// Images the mirror serves, after staged_rollout's five (indices 5 to 8).
const char* const mirror_images =
    // made for revision B only
    "image { name: \"app\" version: \"1.2.0\" component: APP product: \"thermostat\" security_version: 2 size: "
    "\"32KiB\" hardware_revisions: \"B\" }\n"
    // a hotfix whose manifest expired at 12h
    "image { name: \"app\" version: \"1.0.5\" component: APP product: \"thermostat\" security_version: 2 size: "
    "\"32KiB\" expires: \"12h\" }\n"
    // an old, vulnerable build, older than the factory one
    "image { name: \"app\" version: \"0.9.0\" component: APP product: \"thermostat\" size: \"32KiB\" }\n"
    // an old build, but newer than the factory one: a genuine update to a device on 1.0.0
    "image { name: \"app\" version: \"1.0.6\" component: APP product: \"thermostat\" size: \"32KiB\" }\n";
constexpr std::size_t app_1_1_0 = 4, app_1_2_0_for_b = 5, app_1_0_5_stale = 6, app_0_9_0 = 7, app_1_0_6 = 8;

/// 30 devices take app 1.1.0 in two waves; a device whose download failed
/// is offered it again (up to three times), so a mirror's damage heals.
run_result run_with(const std::string& attack) {
  return run(testing::load(testing::staged_rollout(30, "", "retries { failed: 3 }") + mirror_images + attack), {});
}

std::uint64_t stopped_by(const attack_outcome& a, const std::string& reason) {
  const auto it = a.stopped_by.find(reason);
  return it == a.stopped_by.end() ? 0 : it->second;
}

// Its own build, signed by its own key (under its own key ID or the
// service's), or a genuine manifest pointed at it: the signature check.
TEST(mirror_attacks, a_rogue_image_is_refused_on_its_signature_and_never_runs) {
  const run_result r = run_with("attack { at: \"2h\" duration: \"1d\" rogue_image {} }");
  const attack_outcome& a = expect_stopped_by(r, {"unknown_signing_key", "bad_signature"});
  EXPECT_EQ(a.kind, "rogue_image");
  EXPECT_GT(stopped_by(a, "unknown_signing_key"), 0u);
  EXPECT_GT(stopped_by(a, "bad_signature"), 0u);
  EXPECT_EQ(r.counters.updates_downloaded, r.counters.updates_committed);  // no rogue download began
  EXPECT_EQ(r.counters.updates_committed, 30u);  // the real build once the mirror is gone
}

TEST(mirror_attacks, tampered_chunks_are_refused_on_their_digests_and_never_written) {
  const run_result r = run_with("attack { at: \"1h\" duration: \"1d12h\" fraction: 0.5 tampered_image {} }");
  const attack_outcome& a = expect_stopped_by(r, {"chunk_digest_mismatch"});
  EXPECT_GT(a.tried, 3u);
  EXPECT_GT(r.counters.updates_failed, 0u);      // downloads given up and reported
  EXPECT_EQ(r.counters.updates_committed, 30u);  // then retried from the real service
  EXPECT_EQ(r.image_starts[app_1_1_0], 30u);
}

// Aimed at the second chunk (issue 19: a mirror that spoils every chunk only
// ever reaches the first chunk's check): the first passes untouched, the
// second is refused on its own digest.
TEST(mirror_attacks, tampering_aimed_at_one_chunk_is_refused_at_that_chunk) {
  const run_result r =
      run_with("attack { at: \"1h\" duration: \"1d12h\" fraction: 0.5 tampered_image { chunk: 1 } }");
  const attack_outcome& a = expect_stopped_by(r, {"chunk_digest_mismatch"});
  EXPECT_GT(a.tried, 3u);
  EXPECT_EQ(r.counters.updates_committed, 30u);
  // The control: aimed past the image's last chunk, it alters nothing, tries nothing, fails no download.
  const run_result past = run_with(
      "attack { at: \"1h\" duration: \"1d12h\" fraction: 0.5 tampered_image { chunk: 1000 } }");
  ASSERT_EQ(past.attacks.size(), 1u);
  EXPECT_EQ(past.attacks[0].tried, 0u);
  EXPECT_EQ(past.counters.updates_failed, 0u);
  EXPECT_GT(r.counters.updates_failed, 0u);
}

TEST(mirror_attacks, endless_data_is_refused_past_the_signed_size) {
  const run_result r = run_with("attack { at: \"1h\" duration: \"1d12h\" fraction: 0.5 endless_data {} }");
  const attack_outcome& a = expect_stopped_by(r, {"chunk_too_large"});
  EXPECT_GT(a.tried, 3u);
  EXPECT_GT(r.counters.updates_failed, 0u);
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

// After most devices took 1.1.0 (security version 2): their counters refuse
// 0.9.0; the few still on 1.0.0 refuse it as not newer.
TEST(mirror_attacks, a_rollback_image_is_refused_on_the_anti_rollback_counter) {
  const run_result r = run_with("attack { at: \"2d12h\" duration: \"1d\" rollback_image { image: \"app@0.9.0\" } }");
  const attack_outcome& a = expect_stopped_by(r, {"rollback", "not_newer"});
  EXPECT_GT(stopped_by(a, "rollback"), 0u);
  EXPECT_EQ(r.image_starts[app_0_9_0], 0u);
}

// The revision-B build served to every device: the A devices refuse it on
// its hardware revisions, the B devices are not served it (it is theirs).
TEST(mirror_attacks, a_manifest_for_another_revision_is_refused_on_its_revisions) {
  const run_result r = run_with("attack { at: \"2h\" duration: \"1d\" mix_and_match { image: \"app@1.2.0\" } }");
  const attack_outcome& a = expect_stopped_by(r, {"incompatible_hardware"});
  EXPECT_LT(a.tried, 30u);  // the A devices' checks of one day, about half the fleet
  EXPECT_EQ(r.image_starts[app_1_2_0_for_b], 0u);
}

// Another product of the tenant (none of its devices in the fleet), its
// app signed by the same service key: the mirror serves its genuine
// manifest to thermostats of both revisions, which refuse it on its product
// (tests/firmware-core/manifest_check_test.cpp has the control: the same
// manifest passes on a doorbell).
TEST(mirror_attacks, a_manifest_for_another_product_is_refused_on_its_product) {
  std::string text = testing::staged_rollout(30, "", "retries { failed: 3 }");
  const std::string thermostat = "  product { name: \"thermostat\"";
  const std::string doorbell =
      "  product { name: \"doorbell\" hardware_rev { name: \"A\" share: 1 } }\n"
      "  firmware: \"bell-boot@1.0.0\" firmware: \"bell-mon@1.0.0\" firmware: \"bell-os@1.0.0\" "
      "firmware: \"bell-app@1.0.0\"\n";
  text.insert(text.find(thermostat), doorbell);
  text +=
      "image { name: \"bell-boot\" version: \"1.0.0\" component: BOOTLOADER product: \"doorbell\" size: \"16KiB\" }\n"
      "image { name: \"bell-mon\" version: \"1.0.0\" component: SECURITY_MONITOR product: \"doorbell\" size: \"16KiB\" }\n"
      "image { name: \"bell-os\" version: \"1.0.0\" component: OS product: \"doorbell\" size: \"32KiB\" }\n"
      "image { name: \"bell-app\" version: \"1.0.0\" component: APP product: \"doorbell\" size: \"32KiB\" }\n"
      "attack { at: \"2h\" duration: \"1d\" mix_and_match { image: \"bell-app@1.0.0\" } }";
  const run_result r = run(testing::load(text), {});
  const attack_outcome& a = expect_stopped_by(r, {"wrong_product"});
  EXPECT_GE(a.tried, 30u);  // every device's checks of the day, both revisions
  constexpr std::size_t bell_app = 8;  // after staged_rollout's five and the doorbell's first three
  ASSERT_GT(r.image_starts.size(), bell_app);
  EXPECT_EQ(r.image_starts[bell_app], 0u);
  EXPECT_EQ(r.counters.updates_committed, 30u);
}

TEST(mirror_attacks, a_stale_manifest_is_refused_on_its_expiry) {
  const run_result r = run_with("attack { at: \"1d\" duration: \"1d\" fraction: 0.5 freeze { image: \"app@1.0.5\" } }");
  expect_stopped_by(r, {"manifest_expired"});
  EXPECT_EQ(r.image_starts[app_1_0_5_stale], 0u);
}

// The control: before any device took 1.1.0, 1.0.6 is newer than what they
// run and at their security version. Nothing refuses it, and the run says
// so: it got through once on every device, and ran; offered again after the
// reboot that installed it, it is no longer newer. So the zeros above are
// the checks' doing, not the harness's.
TEST(mirror_attacks, an_old_build_newer_than_the_factory_one_gets_through_which_shows_the_counter_stops_the_other) {
  const run_result r = run_with("attack { at: \"0s\" duration: \"30m\" rollback_image { image: \"app@1.0.6\" } }");
  ASSERT_EQ(r.attacks.size(), 1u);
  const attack_outcome& a = r.attacks.front();
  EXPECT_EQ(a.got_through, 30u);
  EXPECT_EQ(a.stopped, a.tried - a.got_through);
  EXPECT_EQ(a.stopped_by, (std::map<std::string, std::uint64_t>{{"not_newer", a.stopped}}));
  EXPECT_EQ(r.image_starts[app_1_0_6], 30u);
}

}  // namespace
}  // namespace fleet::actors
