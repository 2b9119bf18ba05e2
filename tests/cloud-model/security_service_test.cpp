// The security service against the REAL firmware core (device_world over a
// service_endpoint): lifecycle, staged rollout, bad build and abort, a
// build failing after commit rolled back by the cloud, and each cloud-side
// defence of the attack table.
#include "fleet/cloud/security_service.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "fleet/cloud/rollout_governor.hpp"
#include "service_fixture.hpp"

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;
using fleet::testing::device_world;
using fleet::testing::service_endpoint;

TEST(security_service, real_firmware_attests_updates_and_commits_in_a_staged_rollout) {
  service_fixture f;
  service_endpoint link(f.service, 1);
  auto world = f.make_world(link);
  const auto v11 = f.upload_app(sim_time{0}, "1.1.0");
  world->publish(v11);
  const deployment_id dep = f.deploy(sim_time{0}, v11, staged_policy(sim_time{0}));

  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
  EXPECT_EQ(f.service.counters().certificates_issued, 1u);
  const auto shown = f.service.show_device(crypto::to_hex(crypto::as_view(world->id())));
  ASSERT_TRUE(shown.ok());
  EXPECT_EQ(shown.value.record.last_attestation_verdict, attestation_verdict::passed);

  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_committed) > 0; }, 2h));
  world->run_for(10min);  // the COMMITTED report and the re-attestation after the reboot
  EXPECT_FALSE(world->stuck());
  const auto status = f.service.deployment_status(dep);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status.value.attempts.succeeded, 1u);
  EXPECT_EQ(status.value.attempts.failed, 0u);
  EXPECT_EQ(status.value.state, rollout_state::completed);
  EXPECT_EQ(status.value.waves.size(), 2u);
  EXPECT_GE(f.service.counters().certificates_issued, 2u);  // every boot attests
  EXPECT_GT(f.service.counters().chunks_served, 0u);

  const auto after = f.service.show_device(crypto::to_hex(crypto::as_view(world->id())));
  EXPECT_NE(after.value.record.last_update_request, never);
  EXPECT_EQ(after.value.record.last_os_version, (wire::version{1, 0, 0}));
  EXPECT_GT(after.value.telemetry.stored, 0u);
  const auto csv = f.service.export_error_reports(world->now(), f.tenant);
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv.value.find("device_id,"), std::string::npos);
  EXPECT_GT(std::count(csv.value.begin(), csv.value.end(), '\n'), 1);
}

TEST(security_service, bad_build_rolls_back_and_the_abort_rule_stops_the_deployment) {
  service_fixture f;
  service_endpoint link(f.service, 1);
  auto world = f.make_world(link);
  const auto bad = f.upload_app(sim_time{0}, "1.2.0");
  world->publish(bad);
  device::version_behaviour crashes;
  crashes.boot_failure_probability = 1.0;
  world->behave(bad, crashes);
  rollout_policy p = staged_policy(sim_time{0});
  p.abort.failed = abort_rule{0.5, 1};
  const deployment_id dep = f.deploy(sim_time{0}, bad, p);

  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_rolled_back) > 0; }, 3h));
  world->run_for(30min);
  const auto status = f.service.deployment_status(dep);
  EXPECT_EQ(status.value.state, rollout_state::aborted);
  EXPECT_EQ(status.value.attempts.failed, 1u);
  EXPECT_EQ(world->firmware().running_version(fw::component::app), (wire::version{1, 0, 0}));
  // Aborted is final: the operator cannot resume it.
  EXPECT_EQ(f.service.resume(world->now(), dep).status, op_status::failed_precondition);
}

// ------------------------------------------------- cloud-initiated rollback

/// An app build of `version` at `security_version`, signed by the service and known to the world.
wire::built_image upload_app_at(service_fixture& f, device_world& w, const std::string& version,
                                std::uint32_t security_version) {
  auto spec = testing::image_spec_for(wire::APP, version);
  spec.security_version = security_version;
  const auto image = testing::make_image(f.keys, spec, testing::factory_image_bytes(wire::APP));
  const auto r = f.service.upload_image(sim_time{0}, spec, testing::image_content(image));
  EXPECT_TRUE(r.ok()) << r.message;
  return w.publish(testing::built_from(*f.service.images().find(r.value)));
}

/// 1.1.0 (security version 2) leaks and crashes 30 min after every start:
/// it passes its 5-minute trial and commits, so the device never rolls it
/// back itself. One failed device fires the rollback.
struct leaky_build : service_fixture {
  explicit leaky_build(bool with_rollback_image) {
    world = make_world(link);
    bad = upload_app_at(*this, *world, "1.1.0", 2);
    back = upload_app_at(*this, *world, "1.1.1", 2);  // the old content rolled forward
    device::version_behaviour leak;
    leak.leak_crash_after = 30min;
    world->behave(bad, leak);
    deployment_spec spec;
    spec.group = production;
    spec.images = {bad.image_digest};
    spec.policy = staged_policy(sim_time{0});
    spec.policy.waves = wave_plan::by_percent({100});
    spec.policy.rollback.failed_devices = 1;
    spec.name = "app-1.1.0";
    if (with_rollback_image) spec.rollback_image = back.image_digest;
    const auto created = service.create_deployment(sim_time{0}, spec);
    EXPECT_TRUE(created.ok()) << created.message;
    dep = created.value.id;
  }
  rollout_status status() const { return service.deployment_status(dep).value; }
  wire::version app() const { return world->firmware().running_version(fw::component::app); }

  service_endpoint link{service, 1};
  std::unique_ptr<device_world> world;
  wire::built_image bad;
  wire::built_image back;
  deployment_id dep = 0;
};

TEST(security_service, a_build_failing_after_commit_is_rolled_back_by_the_cloud) {
  leaky_build f(/*with_rollback_image=*/true);
  f.world->power_on();
  ASSERT_TRUE(f.world->run_until([&] { return f.world->count(fw::record_kind::update_committed) > 0; }, 2h));
  EXPECT_EQ(f.app(), (wire::version{1, 1, 0}));
  EXPECT_EQ(f.world->device().secure_element().read_counter(fw::component::app), 2u);
  // The crashes reach the cloud with the device's telemetry (daily): a failure after commit.
  ASSERT_TRUE(f.world->run_until([&] { return f.status().state == rollout_state::rollback_requested; }, 48h));
  EXPECT_EQ(f.service.counters().failures_after_commit, 1u);
  EXPECT_EQ(f.status().waves[0].outcomes.of(device_outcome::failed_after_commit), 1u);
  // At its next update check the device is offered 1.1.1 and installs it
  // through its own checks: trial, health window, commit.
  ASSERT_TRUE(f.world->run_until([&] { return f.world->count(fw::record_kind::update_committed) > 1; }, 48h));
  f.world->run_for(10min);  // the COMMITTED report
  EXPECT_FALSE(f.world->stuck());
  EXPECT_EQ(f.app(), (wire::version{1, 1, 1}));
  EXPECT_EQ(f.world->device().secure_element().read_counter(fw::component::app), 2u);
  const rollback_progress back = f.status().rolled_back;
  EXPECT_EQ(back.took, 1u);
  EXPECT_EQ(back.offered, 1u);
  EXPECT_EQ(back.committed, 1u);
  EXPECT_NE(back.last_committed_at, never);
  EXPECT_GE(f.service.counters().rollback_offers, 1u);
  // Rolled back for good: 1.1.1 does not crash, and nothing more is offered.
  const std::size_t crashes = f.world->count(fw::record_kind::app_crashed);
  f.world->run_for(48h);
  EXPECT_EQ(f.world->count(fw::record_kind::app_crashed), crashes);
  EXPECT_EQ(f.app(), (wire::version{1, 1, 1}));
  EXPECT_EQ(f.status().rolled_back.offers, back.offers);
}

TEST(security_service, without_a_rollback_image_the_failed_build_stays) {
  // The control: the same build and trigger, no image named. The policy
  // fires and stops the rollout, and the device keeps crashing on 1.1.0.
  leaky_build f(/*with_rollback_image=*/false);
  f.world->power_on();
  ASSERT_TRUE(f.world->run_until([&] { return f.status().state == rollout_state::rollback_requested; }, 48h));
  f.world->run_for(72h);
  EXPECT_EQ(f.app(), (wire::version{1, 1, 0}));
  EXPECT_EQ(f.status().rolled_back.offered, 0u);
  EXPECT_EQ(f.service.counters().rollback_offers, 0u);
}

TEST(security_service, a_rollback_image_the_devices_would_refuse_cannot_be_deployed) {
  service_fixture f;
  service_endpoint link(f.service, 1);
  auto world = f.make_world(link);
  const auto bad = upload_app_at(f, *world, "1.1.0", 2);
  const auto spec_with = [&](const wire::built_image& back, bool trigger) {
    deployment_spec spec;
    spec.group = f.production;
    spec.images = {bad.image_digest};
    spec.policy = staged_policy(sim_time{0});
    if (trigger) spec.policy.rollback.failed_share = 0.1;
    spec.rollback_image = back.image_digest;
    return spec;
  };
  const auto refused = [&](const deployment_spec& spec) {
    const auto r = f.service.create_deployment(sim_time{0}, spec);
    EXPECT_EQ(r.status, op_status::invalid_argument);
    return r.message;
  };
  // The old build itself: lower version and security version.
  const auto old_build = upload_app_at(f, *world, "1.0.5", 1);
  EXPECT_NE(refused(spec_with(old_build, true)).find("not newer"), std::string::npos);
  // Newer, but below the counter that committing 1.1.0 raised.
  const auto below = upload_app_at(f, *world, "1.1.1", 1);
  EXPECT_NE(refused(spec_with(below, true)).find("anti-rollback counter"), std::string::npos);
  // Another component: nothing of it to roll back.
  auto os_spec = testing::image_spec_for(wire::OS, "1.2.0");
  os_spec.security_version = 2;
  const auto os = testing::make_image(f.keys, os_spec, testing::factory_image_bytes(wire::OS));
  const auto os_id = f.service.upload_image(sim_time{0}, os_spec, testing::image_content(os));
  ASSERT_TRUE(os_id.ok());
  EXPECT_NE(refused(spec_with(testing::built_from(*f.service.images().find(os_id.value)), true)).find("component"),
            std::string::npos);
  // A good target without a trigger would never be offered.
  const auto good = upload_app_at(f, *world, "1.1.2", 2);
  EXPECT_NE(refused(spec_with(good, false)).find("no trigger"), std::string::npos);
  // The same target with a trigger is taken: what was refused was the target.
  EXPECT_TRUE(f.service.create_deployment(sim_time{0}, spec_with(good, true)).ok());
  EXPECT_EQ(f.service.deployments(), 1u);
}

// A revoking rotation publishes a trusted key store signed by the service
// root: the keys trusted now and the ones revoked, its version going up.
TEST(security_service, a_revoking_rotation_publishes_a_signed_key_store) {
  service_fixture f;
  EXPECT_TRUE(f.service.key_store().key_store().empty());
  ASSERT_TRUE(f.service.rotate_image_signing_key(sim_time{0}).ok());  // kept: no store
  EXPECT_TRUE(f.service.key_store().key_store().empty());
  for (std::uint32_t version = 1; version <= 2; ++version) {
    ASSERT_TRUE(f.service.rotate_image_signing_key(sim_time{1h}, key_rotation::revoke_previous).ok());
    const wire::SignedKeyStore& signed_store = f.service.key_store();
    EXPECT_TRUE(crypto::verify(signed_store.key_store(), signed_store.signature(), f.keys.service_root.public_key_bytes));
    wire::KeyStore store;
    ASSERT_TRUE(store.ParseFromString(signed_store.key_store()));
    EXPECT_EQ(store.version(), version);
    ASSERT_EQ(store.keys_size(), 1);
    EXPECT_EQ(store.keys(0).id(), version + 2);
    EXPECT_EQ(store.revoked_key_ids_size(), static_cast<int>(version + 1));
  }
}

TEST(security_service, a_manifest_the_device_refuses_is_counted_against_its_deployment) {
  service_fixture f;
  service_endpoint link(f.service, 1);
  auto world = f.make_world(link);  // its ROM trusts image-signing key 1 only
  ASSERT_TRUE(f.service.rotate_image_signing_key(sim_time{0}).ok());
  const auto v11 = f.upload_app(sim_time{0}, "1.1.0");  // signed with key 2
  world->publish(v11);
  rollout_policy p = staged_policy(sim_time{0});
  p.abort.rejected = abort_rule{0.5, 1};
  const deployment_id dep = f.deploy(sim_time{0}, v11, p);

  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_rejected) > 0; }, 2h));
  world->run_for(10min);  // the REJECTED report
  const auto status = f.service.deployment_status(dep);
  EXPECT_EQ(status.value.attempts.rejected, 1u);
  EXPECT_EQ(status.value.reports[static_cast<std::size_t>(report_result::counted)], 1u);
  EXPECT_EQ(status.value.state, rollout_state::aborted);
}

TEST(security_service, a_new_deployment_supersedes_the_live_one_of_its_group_and_component) {
  service_fixture f;
  service_endpoint link(f.service, 1);
  auto world = f.make_world(link);
  const auto v11 = f.upload_app(sim_time{0}, "1.1.0");
  const auto v12 = f.upload_app(sim_time{0}, "1.2.0");
  world->publish(v11);
  world->publish(v12);
  const deployment_id old_dep = f.deploy(sim_time{0}, v11, staged_policy(sim_time{0}));
  const deployment_id new_dep = f.deploy(sim_time{0}, v12, staged_policy(sim_time{0}));
  EXPECT_EQ(f.service.deployment_status(old_dep).value.state, rollout_state::halted);

  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_committed) > 0; }, 2h));
  EXPECT_EQ(world->firmware().running_version(fw::component::app), (wire::version{1, 2, 0}));
  EXPECT_EQ(f.service.deployment_status(old_dep).value.attempts.offers, 0u);
  EXPECT_EQ(f.service.deployment_status(new_dep).value.attempts.offers, 1u);
}

// A deployment scheduled for later leaves the live one running until it
// starts (found by the rollback scenario: both deployments are made at the
// start of a run, the second for day 4, and it halted the first at once).
TEST(security_service, a_scheduled_deployment_supersedes_the_live_one_only_when_it_starts) {
  service_fixture f;
  const auto v11 = f.upload_app(sim_time{0}, "1.1.0");
  const auto v12 = f.upload_app(sim_time{0}, "1.2.0");
  const deployment_id old_dep = f.deploy(sim_time{0}, v11, staged_policy(sim_time{0}));
  const deployment_id new_dep = f.deploy(sim_time{0}, v12, staged_policy(sim_time{std::chrono::hours(24)}));
  EXPECT_EQ(f.service.deployment_status(new_dep).value.state, rollout_state::scheduled);
  EXPECT_NE(f.service.deployment_status(old_dep).value.state, rollout_state::halted);
  f.service.advance(sim_time{std::chrono::hours(23)});
  EXPECT_NE(f.service.deployment_status(old_dep).value.state, rollout_state::halted);
  f.service.advance(sim_time{std::chrono::hours(24)});
  EXPECT_NE(f.service.deployment_status(new_dep).value.state, rollout_state::scheduled);
  EXPECT_EQ(f.service.deployment_status(old_dep).value.state, rollout_state::halted);
}

// A partition of the partitioned engine: its deployments wait for the
// control's orders, and taking over an older one asks the control to halt
// that one fleet-wide.
TEST(security_service, a_governed_deployment_follows_orders_and_its_take_over_asks_for_a_fleet_wide_halt) {
  service_settings settings = default_settings();
  settings.governed_rollouts = true;
  service_fixture f(settings);
  const auto v11 = f.upload_app(sim_time{0}, "1.1.0");
  const auto v12 = f.upload_app(sim_time{0}, "1.2.0");
  const deployment_id old_dep = f.deploy(sim_time{0}, v11, staged_policy(sim_time{0}));
  EXPECT_EQ(f.service.deployment_status(old_dep).value.state, rollout_state::scheduled);  // no orders yet
  rollout_governor old_control(staged_policy(sim_time{0}), 1, sim_time{0});
  const auto first = old_control.tick(sim_time{0}, {f.service.deployment_share_report(old_dep).value});
  EXPECT_TRUE(f.service.follow_deployment(sim_time{0}, old_dep, first[0]).ok());
  EXPECT_NE(f.service.deployment_status(old_dep).value.state, rollout_state::scheduled);

  const deployment_id new_dep = f.deploy(sim_time{1s}, v12, staged_policy(sim_time{0}));
  EXPECT_NE(f.service.deployment_status(old_dep).value.state, rollout_state::halted);  // the new one has not started
  rollout_governor new_control(staged_policy(sim_time{0}), 1, sim_time{1s});
  const auto orders = new_control.tick(sim_time{1s}, {f.service.deployment_share_report(new_dep).value});
  EXPECT_TRUE(f.service.follow_deployment(sim_time{1s}, new_dep, orders[0]).ok());
  EXPECT_EQ(f.service.deployment_status(old_dep).value.state, rollout_state::halted);  // here, at once
  const auto report = f.service.deployment_share_report(old_dep);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report.value.halt_requested);
  old_control.tick(sim_time{2s}, {report.value});
  EXPECT_EQ(old_control.state(), rollout_state::halted);  // and fleet-wide at the next tick

  rollout_orders wrong = orders[0];
  wrong.opened_at.push_back(never);
  EXPECT_EQ(f.service.follow_deployment(sim_time{2s}, new_dep, wrong).status, op_status::invalid_argument);
  EXPECT_EQ(f.service.pause(sim_time{2s}, new_dep).status, op_status::failed_precondition);  // the control's call
}

TEST(security_service, an_ungoverned_deployment_takes_no_orders) {
  service_fixture f;
  const auto v11 = f.upload_app(sim_time{0}, "1.1.0");
  const deployment_id dep = f.deploy(sim_time{0}, v11, staged_policy(sim_time{0}));
  EXPECT_EQ(f.service.deployment_share_report(dep).status, op_status::failed_precondition);
  rollout_orders orders;
  orders.opened_at.assign(2, never);
  EXPECT_EQ(f.service.follow_deployment(sim_time{0}, dep, orders).status, op_status::failed_precondition);
  EXPECT_EQ(f.service.deployment_status(dep).value.state, rollout_state::completed);  // no device: done on its own
}

TEST(security_service, an_expired_image_cannot_be_deployed) {
  service_fixture f;
  auto spec = testing::image_spec_for(wire::APP, "1.1.0");
  spec.expires_at_us = testing::default_epoch_us + std::chrono::microseconds(1h).count();
  const deployment_spec d = f.spec_for(spec, testing::factory_image_bytes(wire::APP));
  EXPECT_TRUE(f.service.create_deployment(sim_time{0}, d).ok());  // valid for another hour
  const auto refused = f.service.create_deployment(sim_time{std::chrono::hours(2)}, d);
  EXPECT_EQ(refused.status, op_status::failed_precondition);
  EXPECT_NE(refused.message.find("expired"), std::string::npos) << refused.message;
}

TEST(security_service, legacy_firmware_is_offered_to_guardians_only) {
  service_fixture f;
  service_endpoint link(f.service, 1);
  auto world = f.make_world(link);  // an ordinary device: no legacy device behind it
  const deployment_spec d = f.spec_for(testing::image_spec_for(wire::LEGACY_FIRMWARE, "2.0.0"), 8 * 1024);
  const auto dep = f.service.create_deployment(sim_time{0}, d);
  ASSERT_TRUE(dep.ok()) << dep.message;

  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
  world->run_for(2h);
  EXPECT_GT(f.service.counters().update_checks, 0u);
  EXPECT_EQ(f.service.counters().offers, 0u);
  EXPECT_EQ(world->count(fw::record_kind::update_rejected), 0u);
}

// ----------------------------------------------------------------- defences

TEST(security_service_defence, spoofed_evidence_signed_without_the_device_key_gets_no_certificate) {
  attested_fixture f;
  const auto real = last_sent(*f.world, wire::Envelope::kEvidence);
  ASSERT_TRUE(real);
  const std::uint64_t certificates = f.service.counters().certificates_issued;
  sim_time now = f.world->now();

  wire::Envelope ask;
  ask.set_device_id(real->device_id());
  ask.set_sequence(1);
  ask.mutable_challenge_request();
  const wire::Envelope challenge = reply_of(f.service.handle(now, wire::serialize(ask), 66));
  ASSERT_TRUE(challenge.has_challenge());

  wire::Evidence ev;
  ASSERT_TRUE(ev.ParseFromString(real->evidence().evidence()));
  ev.set_nonce(challenge.challenge().nonce());
  const auto attacker = crypto::signing_key_from_seed(crypto::random_stream(99, 0, "attacker").next_seed());
  wire::Envelope spoof;
  spoof.set_device_id(real->device_id());
  spoof.set_sequence(2);
  spoof.mutable_evidence()->set_evidence(wire::serialize(ev));
  spoof.mutable_evidence()->set_signature(
      crypto::to_string(crypto::sign(spoof.evidence().evidence(), attacker.secret_key_bytes)));
  const wire::Envelope answer = reply_of(f.service.handle(now + 1ms, wire::serialize(spoof), 66));
  ASSERT_TRUE(answer.has_error());
  EXPECT_EQ(answer.error().code(), wire::ERROR_ATTESTATION_FAILED);
  EXPECT_EQ(answer.error().detail(), "bad_signature");
  EXPECT_EQ(f.service.counters().certificates_issued, certificates);
  // Not a clone: nobody who cannot sign for the device can get it flagged.
  EXPECT_EQ(f.service.counters().clones_flagged, 0u);
}

TEST(security_service_defence, replayed_evidence_is_refused_by_the_single_use_nonce) {
  attested_fixture f;
  const auto real = last_sent(*f.world, wire::Envelope::kEvidence);
  ASSERT_TRUE(real);
  const std::uint64_t certificates = f.service.counters().certificates_issued;
  const wire::Envelope answer = reply_of(f.service.handle(f.world->now(), wire::serialize(*real), 1));
  ASSERT_TRUE(answer.has_error());
  EXPECT_EQ(answer.error().code(), wire::ERROR_ATTESTATION_FAILED);
  EXPECT_EQ(answer.error().detail(), "nonce_reused");
  EXPECT_EQ(f.service.counters().certificates_issued, certificates);
}

TEST(security_service_defence, cloned_identity_from_a_second_place_is_flagged_and_revoked) {
  attested_fixture f;
  const auto issued = last_received(*f.world, wire::Envelope::kCertificateIssued);
  ASSERT_TRUE(issued);
  // The clone: the same key (same seed) from another network location.
  service_endpoint elsewhere(f.service, 2);
  testing::world_options o;
  o.seed = 1;
  o.endpoint = &elsewhere;
  o.rom = testing::service_rom(f.service, f.keys.service_root.public_key_bytes);
  o.factory = f.factory;
  device_world clone(o);
  ASSERT_EQ(clone.id(), f.world->id());
  clone.run_until(f.world->now());  // the same point in time, powered off until now
  clone.power_on();
  ASSERT_TRUE(clone.run_until([&] { return clone.count(fw::record_kind::attestation_failed) > 0; }, 10min));
  EXPECT_EQ(clone.count(fw::record_kind::attested), 0u);
  EXPECT_GE(f.service.counters().clones_flagged, 1u);
  EXPECT_GE(f.service.counters().revocations, 1u);
  const auto shown = f.service.show_device(crypto::to_hex(crypto::as_view(f.world->id())));
  EXPECT_TRUE(shown.value.blocked);
  EXPECT_FALSE(shown.value.session_live);

  // The identity is blocked, and the certificate it held is revoked.
  const wire::Envelope presented = certificate_request(*f.world, *issued, 1000);
  wire::Envelope answer = reply_of(f.service.handle(clone.now(), wire::serialize(presented), 3));
  ASSERT_TRUE(answer.has_error());
  EXPECT_EQ(answer.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(answer.error().detail(), "certificate identity_blocked");
  EXPECT_EQ(f.service.ca().check(f.service.wall(clone.now()), presented.certificate()).status,
            certificate_status::revoked);

  // Until the operator unblocks it, the identity gets no certificate, from anywhere.
  const std::uint64_t certificates = f.service.counters().certificates_issued;
  f.world->run_until(clone.now());
  f.world->run_for(48h);
  EXPECT_EQ(f.service.counters().certificates_issued, certificates);
  EXPECT_TRUE(f.service.unblock_device(crypto::to_hex(crypto::as_view(f.world->id()))).ok());
}

TEST(security_service_defence, forged_or_expired_certificates_presented_are_refused) {
  attested_fixture f;
  const auto issued = last_received(*f.world, wire::Envelope::kCertificateIssued);
  ASSERT_TRUE(issued);
  const wire::SignedCertificate genuine = issued->certificate_issued().certificate();
  sim_time now = f.world->now();
  std::uint64_t sequence = 5000;
  // Each with a proof by the device key: what is judged is the certificate.
  auto present = [&](const wire::SignedCertificate& cert, sim_time at) {
    wire::Envelope e;
    e.set_device_id(issued->device_id());
    e.set_sequence(++sequence);
    *e.mutable_certificate() = cert;
    e.mutable_update_check()->set_product(testing::default_product);
    e.set_certificate_proof(
        crypto::to_string(f.world->device().secure_element().sign(wire::certificate_proof_input(e))));
    return reply_of(f.service.handle(at, wire::serialize(e), 1));
  };

  // The genuine certificate is accepted (the honest path next to the attacks).
  EXPECT_TRUE(present(genuine, now).has_update_offer());

  // Edited after signing: a longer validity.
  wire::Certificate body;
  ASSERT_TRUE(body.ParseFromString(genuine.certificate()));
  body.set_not_after_us(body.not_after_us() + 365LL * 24 * 3600 * 1000000);
  wire::SignedCertificate edited = genuine;
  edited.set_certificate(wire::serialize(body));
  wire::Envelope r = present(edited, now);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(r.error().detail(), "certificate bad_signature");

  // Signed by a rogue CA that claims the tenant CA's id.
  const auto rogue = crypto::signing_key_from_seed(crypto::random_stream(5, 0, "rogue-ca").next_seed());
  wire::SignedCertificate forged;
  forged.set_certificate(wire::serialize(body));
  forged.set_signature(crypto::to_string(crypto::sign(forged.certificate(), rogue.secret_key_bytes)));
  r = present(forged, now);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().detail(), "certificate bad_signature");

  // Garbage.
  wire::SignedCertificate junk;
  junk.set_certificate("not a certificate");
  r = present(junk, now);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), wire::ERROR_UNAUTHENTICATED);

  // Expired: the genuine certificate a day and an hour later.
  r = present(genuine, now + 25h);
  ASSERT_TRUE(r.has_error());
  EXPECT_EQ(r.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(r.error().detail(), "certificate expired");
  EXPECT_EQ(f.service.counters().certificate_checks_refused, 4u);
}

/// Floods the service before passing each of the device's requests on: a
/// few registered devices and a crowd of made-up IDs, all at the same instant.
class flooding_endpoint : public testing::cloud_endpoint {
 public:
  flooding_endpoint(security_service& s, std::vector<crypto::device_id> flooders)
      : service_(s), flooders_(std::move(flooders)) {}
  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override {
    for (int i = 0; i < 300; ++i) {
      wire::Envelope e;
      crypto::device_id id{};
      if (i % 2 == 0) {
        id = flooders_[static_cast<std::size_t>(i / 2) % flooders_.size()];
      } else {
        random_.fill(id.data(), id.size());  // made-up identities
      }
      e.set_device_id(crypto::to_string(id));
      e.set_sequence(static_cast<std::uint64_t>(++sequence_));
      if (i % 3 == 0) {
        e.mutable_challenge_request();
      } else {
        e.mutable_update_check()->set_product(testing::default_product);
      }
      service_.handle(now, wire::serialize(e), 100 + static_cast<source_id>(i % 7));
      ++sent_;
    }
    return service_.handle(now, request, 1);
  }
  std::uint64_t sent() const { return sent_; }

 private:
  security_service& service_;
  std::vector<crypto::device_id> flooders_;
  crypto::random_stream random_{3, 0, "flood"};
  std::int64_t sequence_ = 0;
  std::uint64_t sent_ = 0;
};

TEST(security_service_defence, a_request_flood_cannot_starve_attestation) {
  service_settings s = default_settings();
  s.rates.per_device = {1, 5};
  s.rates.per_source = {5, 10};
  s.rates.global = {200, 200};
  s.rates.attestation_share = 0.3;
  service_fixture f(s);
  std::vector<crypto::device_id> flooders;
  for (std::uint64_t i = 0; i < 3; ++i) {
    const auto key = crypto::signing_key_from_seed(crypto::random_stream(i, 0, "flooder").next_seed());
    f.enroll(key.public_key_bytes);
    flooders.push_back(crypto::derive_device_id(key.public_key_bytes));
  }
  flooding_endpoint link(f.service, flooders);
  auto world = f.make_world(link);
  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
  EXPECT_GT(link.sent(), 500u);
  const rate_counters& rc = f.service.rates().counters();
  const auto other = static_cast<std::size_t>(traffic::other);
  const auto attestation = static_cast<std::size_t>(traffic::attestation);
  // The flood's places: its challenges and session-less checks come before any authentication.
  EXPECT_GT(rc.refused[attestation][static_cast<std::size_t>(rate_refusal::source)] +
                rc.refused[other][static_cast<std::size_t>(rate_refusal::source)],
            0u);
  EXPECT_GT(f.service.counters().rate_limited, 0u);
  EXPECT_GT(f.service.counters().unauthenticated, 0u);  // its session-less checks: refused, charged to nobody
  EXPECT_EQ(f.service.counters().certificates_issued, 1u);
}

TEST(security_service_defence, without_an_attestation_share_the_same_flood_would_starve_it) {
  // The test above could not fail if attestation were never at risk: here
  // the flood's made-up IDs spend the global budget before the device asks.
  rate_limiter limiter(rate_limits{{1, 5}, {200, 200}, 0.3, 1000});
  for (int i = 0; i < 1000; ++i) limiter.admit_global(sim_time{0}, traffic::other);
  EXPECT_FALSE(limiter.admit_global(sim_time{0}, traffic::other).ok());
  EXPECT_TRUE(limiter.admit_global(sim_time{0}, traffic::attestation).ok());
}

// ------------------------------------------------------- malformed input

TEST(security_service, malformed_and_oversized_input_never_crashes) {
  service_fixture f;
  EXPECT_TRUE(f.service.handle(sim_time{0}, std::string(wire::envelope_bytes_max + 1, 'x'), 1).empty());
  EXPECT_TRUE(f.service.handle(sim_time{0}, "\xff\xff\xff", 1).empty());
  wire::Envelope e;
  e.set_device_id("short");
  e.mutable_challenge_request();
  wire::Envelope r = reply_of(f.service.handle(sim_time{0}, wire::serialize(e), 1));
  EXPECT_EQ(r.error().code(), wire::ERROR_INVALID);
  e.set_device_id(std::string(64, 'a'));
  r = reply_of(f.service.handle(sim_time{0}, wire::serialize(e), 1));
  EXPECT_EQ(r.error().code(), wire::ERROR_NOT_FOUND);
  e.mutable_update_check();
  r = reply_of(f.service.handle(sim_time{0}, wire::serialize(e), 1));
  EXPECT_EQ(r.error().code(), wire::ERROR_UNAUTHENTICATED);
  e.mutable_chunk();  // a reply body sent as a request
  r = reply_of(f.service.handle(sim_time{0}, wire::serialize(e), 1));
  EXPECT_EQ(r.error().code(), wire::ERROR_INVALID);
  crypto::random_stream random(9, 0, "fuzz");
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(random.below(300), '\0');
    random.fill(reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size());
    f.service.handle(sim_time{i}, bytes, 1);
  }
  EXPECT_GT(f.service.counters().ignored, 2u);
}

}  // namespace
}  // namespace fleet::cloud
