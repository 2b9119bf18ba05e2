// The security service as tests get it: set up for a tenant, releases
// deployed, and a device_world that runs the real firmware against it with
// no wiring by hand.
#include "fleet/testing/service_setup.hpp"

#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "fleet/testing/images.hpp"

namespace fleet::testing {
namespace {

using namespace std::chrono_literals;

bool signed_by(const wire::built_image& image, const crypto::public_key& key) {
  return crypto::verify(image.signed_manifest.manifest(), image.signed_manifest.signature(), key);
}

TEST(service_setup, the_factory_chain_is_signed_by_the_service_and_its_rom_trusts_it) {
  test_keys keys(1);
  service_setup setup(keys, {});
  const fw::rom rom = setup.rom({1});
  EXPECT_EQ(rom.service_root_key, keys.service_root.public_key_bytes);
  ASSERT_EQ(rom.image_signing_keys.size(), 1u);
  const auto plain = factory_images(keys);
  ASSERT_EQ(setup.factory().size(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const auto& image = setup.factory()[i];
    EXPECT_EQ(image.image_digest, plain[i].image_digest);  // the same bytes...
    EXPECT_TRUE(signed_by(image, rom.image_signing_keys[0].key));  // ...signed by the service
    EXPECT_FALSE(signed_by(image, keys.image_key(1).public_key_bytes));
    EXPECT_NE(setup.service().images().find(image.image_digest), nullptr);
  }
  EXPECT_EQ(setup.service().create_product(setup.tenant(), default_product).status,
            cloud::op_status::failed_precondition);  // made once, by the set-up
}

TEST(service_setup, enroll_claims_the_device_into_the_group) {
  test_keys keys(1);
  service_setup setup(keys, {});
  const auto key = crypto::signing_key_from_seed(crypto::seed{3}).public_key_bytes;
  const std::string hex = setup.enroll(key);
  const auto shown = setup.service().show_device(hex);
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown.value.record.tenant, setup.tenant());
  EXPECT_EQ(shown.value.record.group, setup.group());
  EXPECT_TRUE(shown.value.record.key_registered);
  EXPECT_EQ(shown.value.record.public_key, key);
}

TEST(service_setup, a_new_release_supersedes_the_live_one_of_its_component) {
  test_keys keys(1);
  service_setup setup(keys, {});
  setup.enroll(crypto::signing_key_from_seed(crypto::seed{3}).public_key_bytes);
  const auto app11 = setup.publish(fw::sim_time{0}, make_image(keys, wire::APP, "1.1.0"));
  const auto os11 = setup.publish(fw::sim_time{0}, make_image(keys, wire::OS, "1.1.0"));
  EXPECT_EQ(setup.status_of(app11.image_digest).state, cloud::rollout_state::running);
  EXPECT_EQ(setup.status_of(app11.image_digest).devices, 1u);
  const auto app12 = setup.publish(1s, make_image(keys, wire::APP, "1.2.0"));
  EXPECT_EQ(setup.status_of(app11.image_digest).state, cloud::rollout_state::halted);
  EXPECT_EQ(setup.status_of(app12.image_digest).state, cloud::rollout_state::running);
  EXPECT_EQ(setup.status_of(os11.image_digest).state, cloud::rollout_state::running);
  EXPECT_EQ(setup.service().deployments(), 3u);
  EXPECT_FALSE(setup.deployment_of(setup.factory()[0].image_digest).has_value());
  const auto uploaded = setup.upload(1s, make_image(keys, wire::APP, "1.3.0"));
  EXPECT_FALSE(setup.deployment_of(uploaded.image_digest).has_value());
  EXPECT_EQ(setup.service().deployments(), 3u);
}

TEST(service_setup, release_policy_is_valid_and_keeps_offering) {
  const cloud::rollout_policy p = release_policy(5s);
  EXPECT_TRUE(cloud::validate(p).empty());
  EXPECT_EQ(p.start_at, 5s);
  EXPECT_EQ(p.retries.failed, cloud::retries_max);
  EXPECT_EQ(p.retries.rejected, cloud::retries_max);
  EXPECT_EQ(p.retries.timed_out, cloud::retries_max);
  EXPECT_FALSE(p.ramp.has_value());
}

TEST(service_setup, new_image_keys_sign_what_comes_after) {
  test_keys keys(1);
  service_setup setup(keys, {});
  setup.ensure_image_key(fw::sim_time{0}, 2);
  setup.ensure_image_key(fw::sim_time{0}, 2);  // already there: nothing more
  EXPECT_EQ(setup.service().trusted_image_keys().size(), 2u);
  const fw::rom both = setup.rom({1, 2});
  ASSERT_EQ(both.image_signing_keys.size(), 2u);
  const auto app = setup.upload(fw::sim_time{0}, make_image(keys, wire::APP, "1.1.0"));
  EXPECT_EQ(app.manifest.signing_key_id(), 2u);
  EXPECT_TRUE(signed_by(app, both.image_signing_keys[1].key));
  EXPECT_FALSE(signed_by(app, both.image_signing_keys[0].key));
  EXPECT_TRUE(signed_by(setup.factory()[0], both.image_signing_keys[0].key));
}

// ----------------------------------------------------------- the world

TEST(device_world, attests_against_its_own_service_with_no_wiring) {
  device_world w;
  EXPECT_EQ(w.config().rom_keys.service_root_key, w.keys().service_root.public_key_bytes);
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  w.run_for(2min);  // the first update check and the boot telemetry
  EXPECT_EQ(w.service().counters().certificates_issued, 1u);
  EXPECT_EQ(w.service().attestation_totals().of(cloud::attestation_outcome::ok), 1u);
  EXPECT_EQ(w.service().session_totals().opened, 1u);
  const cloud::device_view shown = w.show();
  EXPECT_EQ(shown.record.last_attestation_verdict, cloud::attestation_verdict::passed);
  EXPECT_TRUE(shown.session_live);
  EXPECT_EQ(shown.record.group, w.setup().group());
  const auto events = w.stored_events();
  ASSERT_EQ(events.size(), 1u);  // the boot record
  EXPECT_EQ(events[0].kind, "booted");
  EXPECT_EQ(events[0].version, "1.0.0");
  EXPECT_EQ(w.faults().counters().passed, w.service().counters().requests);
}

TEST(device_world, publish_offers_the_release_and_the_reports_reach_its_deployment) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  const auto app = w.publish(make_image(w.keys(), wire::APP, "1.1.0", 2));
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().updates_committed == 1; }, 26h));
  w.run_for(10min);
  const auto reports = w.update_reports();
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().result.outcome(), wire::COMMITTED);
  EXPECT_EQ(reports.back().result.image_digest(), crypto::to_string(app.image_digest));
  for (const auto& r : reports) EXPECT_TRUE(r.acked);
  const cloud::rollout_status status = w.setup().status_of(app.image_digest);
  EXPECT_EQ(status.attempts.succeeded, 1u);
  EXPECT_EQ(status.state, cloud::rollout_state::completed);
  EXPECT_EQ(w.service().counters().update_results, reports.size());
}

TEST(device_world, reports_the_cloud_never_answered_are_not_acked) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  w.publish(make_image(w.keys(), wire::APP, "1.1.0", 2));
  // Reports go once the device has attested again after the install's reboot.
  ASSERT_TRUE(w.run_until([&] { return w.count(fw::record_kind::attested) == 2; }, 26h));
  const std::size_t acked_before = w.update_reports().size();
  w.faults().drop_replies = true;
  w.run_for(1h);
  const auto reports = w.update_reports();
  ASSERT_GT(reports.size(), acked_before);
  EXPECT_FALSE(reports.back().acked);
  EXPECT_GT(w.faults().counters().replies_dropped, 0u);
}

TEST(device_world, drives_the_service_deadlines) {
  world_options o;
  o.service.ca.ca_lifetime = 30 * 24h;
  o.service.ca.rollover_lead = 30 * 24h - 12h;
  device_world w(o);
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  EXPECT_EQ(w.service().ca().current_ca(default_tenant), 1u);
  // Nothing else happens in between: the CA rolls over because the world
  // passes the service its deadline.
  w.link_down = true;
  w.run_for(13h);
  EXPECT_EQ(w.service().ca().current_ca(default_tenant), 2u);
}

TEST(device_world, another_endpoint_replaces_the_service) {
  struct silent : cloud_endpoint {
    std::vector<std::string> handle(fw::sim_time, std::string_view) override {
      ++requests;
      return {};
    }
    int requests = 0;
  } cloud;
  world_options o;
  o.endpoint = &cloud;
  device_world w(o);
  w.power_on();
  w.run_for(1min);
  EXPECT_GT(cloud.requests, 0);
  EXPECT_FALSE(w.firmware().has_certificate());
  EXPECT_EQ(w.config().rom_keys.service_root_key, w.keys().service_root.public_key_bytes);
  EXPECT_EQ(w.faults().counters().passed, static_cast<std::uint64_t>(cloud.requests));
}

}  // namespace
}  // namespace fleet::testing
