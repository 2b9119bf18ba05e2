// A device's whole life against the security service: boot, attestation,
// certificate, update, trial boot, commit; and the ways a build goes bad.
#include <gtest/gtest.h>

#include <set>

#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

const wire::version v100{1, 0, 0};
const wire::version v110{1, 1, 0};

/// Outcomes the device reported and the service acked, in order.
std::vector<wire::UpdateOutcome> outcomes(const device_world& w) {
  std::vector<wire::UpdateOutcome> out;
  for (const auto& r : w.update_reports()) {
    if (r.acked) out.push_back(r.result.outcome());
  }
  return out;
}

bool contains(const std::vector<wire::UpdateOutcome>& v, wire::UpdateOutcome o) {
  return std::find(v.begin(), v.end(), o) != v.end();
}

TEST(core_lifecycle, boots_attests_and_gets_a_certificate) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  EXPECT_EQ(w.count(record_kind::booted), 1u);
  EXPECT_EQ(w.count(record_kind::software_started), 4u);
  EXPECT_EQ(w.firmware().state(), device_state::running);
  EXPECT_EQ(w.firmware().running_version(component::app), v100);
  EXPECT_EQ(w.firmware().stats().attestations, 1u);
  EXPECT_EQ(w.service().counters().certificates_issued, 1u);
  EXPECT_EQ(w.show().record.last_attestation_verdict, cloud::attestation_verdict::passed);
  // The certificate lives 24 h on the device clock.
  EXPECT_NEAR(static_cast<double>(w.firmware().certificate_not_after_us() -
                                  w.device().clock().wall_time_us(w.now())),
              24.0 * 3600e6, 60e6);
}

TEST(core_lifecycle, installs_an_update_and_commits_it_after_the_health_window) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  auto app110 = w.publish(make_image(w.keys(), wire::APP, "1.1.0", /*security_version=*/2));
  // The next daily check (with up to 1 h of jitter) finds it.
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 26h));
  EXPECT_EQ(w.firmware().running_version(component::app), v110);
  EXPECT_EQ(w.firmware().active_slot(component::app), slot::b);
  EXPECT_FALSE(w.firmware().trial_pending());
  EXPECT_EQ(w.device().secure_element().read_counter(component::app), 2u);
  EXPECT_EQ(w.count(record_kind::update_installed), 1u);
  EXPECT_EQ(w.firmware().stats().chunks_downloaded, app110.chunks.size());
  // Reports reach the cloud once the device has a session again.
  ASSERT_TRUE(w.run_until([&] { return contains(outcomes(w), wire::COMMITTED); }, 5min));
  EXPECT_TRUE(contains(outcomes(w), wire::DOWNLOADED));
  EXPECT_EQ(w.count(record_kind::bricked), 0u);
  // The deployment counted one success, the progress reports on the way, and is done.
  const cloud::rollout_status status = w.setup().status_of(app110.image_digest);
  EXPECT_EQ(status.attempts.succeeded, 1u);
  EXPECT_EQ(status.attempts.failed, 0u);
  EXPECT_GE(status.reports[static_cast<std::size_t>(cloud::report_result::progress)], 1u);
  EXPECT_EQ(status.state, cloud::rollout_state::completed);
}

class bad_build : public ::testing::TestWithParam<int> {};

// Each way a new build can fail its trial ends with the old build running,
// the counter untouched and a ROLLED_BACK report.
// Each request names what it asks of the service (fw::send::body), so that
// the network can route it without reading it: the name is its body's.
TEST(core_lifecycle, each_request_is_addressed_to_what_its_body_asks) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  w.publish(make_image(w.keys(), wire::APP, "1.1.0", /*security_version=*/2));
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 26h));
  ASSERT_EQ(w.addressed_by_device().size(), w.sent_by_device().size());
  std::set<int> bodies;
  for (std::size_t i = 0; i < w.sent_by_device().size(); ++i) {
    wire::Envelope env;
    ASSERT_TRUE(env.ParseFromString(w.sent_by_device()[i]));
    EXPECT_EQ(w.addressed_by_device()[i], env.body_case()) << i;
    bodies.insert(env.body_case());
  }
  // Attestation, the update check, chunks and the result: every route was taken.
  for (const auto body : {wire::Envelope::kChallengeRequest, wire::Envelope::kEvidence, wire::Envelope::kUpdateCheck,
                          wire::Envelope::kChunkRequest, wire::Envelope::kUpdateResult}) {
    EXPECT_EQ(bodies.count(body), 1u) << body;
  }
}

TEST_P(bad_build, rolls_back_automatically_and_reports) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  auto app110 = make_image(w.keys(), wire::APP, "1.1.0", 2);
  device::version_behaviour b;
  switch (GetParam()) {
    case 0: b.leak_crash_after = 1min; break;                // crashes inside the health window
    case 1: b.boot_failure_probability = 1.0; break;          // never boots
    case 2: b.health_check_failure_probability = 1.0; break;  // boots, reports unhealthy
    case 3: b.boot_duration = 20min; break;                   // slower than the watchdog
  }
  w.behave(app110, b);
  app110 = w.publish(app110);
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_rolled_back) == 1; }, 26h));
  ASSERT_TRUE(w.run_until([&] { return contains(outcomes(w), wire::ROLLED_BACK); }, 5min));
  EXPECT_EQ(w.setup().status_of(app110.image_digest).attempts.failed, 1u);
  EXPECT_EQ(w.firmware().running_version(component::app), v100);
  EXPECT_EQ(w.firmware().active_slot(component::app), slot::a);
  EXPECT_FALSE(w.firmware().trial_pending());
  EXPECT_EQ(w.device().secure_element().read_counter(component::app), 1u);
  EXPECT_EQ(w.count(record_kind::update_committed), 0u);
  EXPECT_EQ(w.count(record_kind::bricked), 0u);
  EXPECT_EQ(w.firmware().state(), device_state::running);
}

INSTANTIATE_TEST_SUITE_P(kinds, bad_build, ::testing::Values(0, 1, 2, 3));

TEST(core_lifecycle, the_app_may_defer_an_os_update_for_24_hours_at_most) {
  device_world w;
  auto app = w.factory()[3];
  device::version_behaviour greedy;
  greedy.os_update_deferral = 3 * 24h;  // more than the firmware allows
  w.behave(app, greedy);
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  w.publish(make_image(w.keys(), wire::OS, "1.1.0", 1));
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_downloaded) == 1; }, 26h));
  const sim_time downloaded = w.now();
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_installed) == 1; }, 3 * 24h));
  // One deferral of the whole allowance; asked again, the app gets nothing more.
  EXPECT_EQ(w.count(record_kind::update_deferred), 1u);
  EXPECT_EQ(w.now() - downloaded, duration{24h});
  ASSERT_TRUE(w.run_until([&] { return w.count(record_kind::update_committed) == 1; }, 1h));
  EXPECT_EQ(w.firmware().running_version(component::os), v110);
}

TEST(core_lifecycle, renews_its_certificate_daily_before_expiry) {
  device_world w;
  w.power_on();
  w.run_for(5 * 24h);
  // Renewal at 20-24 h after each issue: 5 days give 5 or 6 attestations.
  EXPECT_GE(w.firmware().stats().attestations, 5u);
  EXPECT_LE(w.firmware().stats().attestations, 7u);
  EXPECT_TRUE(w.firmware().has_certificate());
  EXPECT_GT(w.firmware().certificate_not_after_us(), w.device().clock().wall_time_us(w.now()));
}

/// The X25519 share of every evidence the device sent, in order.
std::vector<std::string> evidence_shares(const device_world& w) {
  std::vector<std::string> shares;
  for (const auto& bytes : w.sent_by_device()) {
    wire::Envelope e;
    wire::Evidence ev;
    if (e.ParseFromString(bytes) && e.has_evidence() && ev.ParseFromString(e.evidence().evidence())) {
      shares.push_back(ev.session_public_key());
    }
  }
  return shares;
}

/// The session IDs and service halves of every certificate the device was sent.
std::vector<std::pair<std::uint64_t, std::string>> issued_sessions(const device_world& w) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  for (const auto& bytes : w.sent_to_device()) {
    wire::Envelope e;
    if (e.ParseFromString(bytes) && e.has_certificate_issued()) {
      out.emplace_back(e.certificate_issued().session_id(), e.certificate_issued().session_public_key());
    }
  }
  return out;
}

// A renewal within one boot costs no X25519 on either side: the device
// sends the same share and the service answers with the same half. Each
// session still has its own ID (so its own key), and a new boot makes a
// new share.
TEST(core_lifecycle, renewals_in_one_boot_reuse_the_key_exchange_and_a_reboot_makes_a_new_one) {
  device_world w;
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().attestations == 1; }, 1min));
  const auto before_renewal = crypto::counted_ops();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().attestations == 2; }, 25h));
  EXPECT_EQ((crypto::counted_ops() - before_renewal).key_exchanges, 0u);
  auto shares = evidence_shares(w);
  auto sessions = issued_sessions(w);
  ASSERT_EQ(shares.size(), 2u);
  ASSERT_EQ(sessions.size(), 2u);
  EXPECT_EQ(shares[0], shares[1]);
  EXPECT_EQ(sessions[0].second, sessions[1].second);
  EXPECT_NE(sessions[0].first, sessions[1].first);
  // The renewed session works: the device goes on using it.
  w.run_for(1h);
  EXPECT_TRUE(w.firmware().has_certificate());
  EXPECT_EQ(w.firmware().stats().rejected_total(), 0u);

  w.cut_power();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().attestations == 3; }, 1h));
  shares = evidence_shares(w);
  sessions = issued_sessions(w);
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_NE(shares[2], shares[1]);
  EXPECT_NE(sessions[2].second, sessions[1].second);
}

/// The tenant CA named by the last certificate the device was sent.
std::uint32_t last_issuer(const device_world& w) {
  std::uint32_t issuer = 0;
  for (const auto& bytes : w.sent_to_device()) {
    wire::Envelope e;
    wire::Certificate cert;
    if (e.ParseFromString(bytes) && e.has_certificate_issued() &&
        cert.ParseFromString(e.certificate_issued().certificate().certificate())) {
      issuer = cert.issuer_ca_id();
    }
  }
  return issuer;
}

TEST(core_lifecycle, accepts_certificates_from_the_new_ca_during_a_rotation) {
  testing::world_options options;
  // A tenant CA that lives 30 days: its successor is made 12 h after it.
  options.service.ca.ca_lifetime = 30 * 24h;
  options.service.ca.rollover_lead = 30 * 24h - 12h;
  device_world w(options);
  w.power_on();
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().attestations == 1; }, 1min));
  EXPECT_EQ(last_issuer(w), 1u);
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().attestations == 2; }, 25h));
  EXPECT_EQ(w.service().ca().current_ca(testing::default_tenant), 2u);
  // Both CAs are trusted during the overlap; the renewal came from the new one.
  EXPECT_EQ(w.service().ca().trusted_cas(w.service().wall(w.now()), testing::default_tenant).size(), 2u);
  EXPECT_EQ(last_issuer(w), 2u);
  EXPECT_EQ(w.firmware().stats().rejected_total(), 0u);
}

TEST(core_lifecycle, app_crashes_are_reported_in_telemetry_after_reboot_and_daily) {
  device_world w;
  device::version_behaviour crashy;
  crashy.crash_rate_per_hour = 2.0;  // ~48 a day: more than the 32-event buffer holds
  crashy.crash_signal = 6;
  w.behave(w.factory()[3], crashy);
  w.power_on();
  w.run_for(50h);
  const auto events = w.stored_events();
  std::size_t crashes = 0;
  for (const auto& e : events) crashes += e.kind == "app_crash" && e.signal == 6;
  EXPECT_GT(w.firmware().stats().app_crashes, 60u);
  EXPECT_GT(crashes, 10u);
  // Every event the device made (a boot record per boot, one per crash) is
  // stored by the service, still buffered, or counted as dropped: none vanish.
  const auto& stats = w.firmware().stats();
  const cloud::device_telemetry stored = w.show().telemetry;
  EXPECT_EQ(stored.stored, events.size());
  EXPECT_EQ(stored.store_dropped, 0u);
  EXPECT_EQ(stored.stored + w.firmware().telemetry_buffered() + stats.telemetry_dropped,
            w.count(record_kind::booted) + stats.app_crashes);
  EXPECT_GT(stats.telemetry_dropped, 0u);
  // Drops travel with the next batch: those before the last upload are known.
  EXPECT_GT(stored.device_dropped, 0u);
  EXPECT_LE(stored.device_dropped, stats.telemetry_dropped);
}

// The device judges certificates by its own clock: two days fast, every
// certificate the cloud issues looks expired and is refused; once the clock
// is set right, the next retry attests.
TEST(core_lifecycle, a_clock_far_ahead_refuses_certificates_until_it_is_corrected) {
  device_world w;
  w.device().clock().jump(48h);
  w.power_on();
  w.run_for(2h);
  EXPECT_FALSE(w.firmware().has_certificate());
  const auto refused = w.firmware().stats().rejected[static_cast<std::size_t>(reject_reason::certificate_expired)];
  EXPECT_GT(refused, 0u);
  // Each refusal backs off further (full jitter over 5 s doubling to the 1 h
  // cap): about 13 attempts expected in two hours, not one every few seconds
  // (without the backoff it was about 2,900).
  EXPECT_LE(refused, 20u);
  w.device().clock().jump(-duration{48h});
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1h + 1min));
}

// During an outage retries back off exponentially (with full jitter, up to
// the one-hour cap), so a fleet does not hammer the service; when the
// service returns the device is back within the cap.
TEST(core_lifecycle, backs_off_during_an_outage_and_recovers_within_the_cap) {
  device_world w;
  w.link_down = true;
  w.power_on();
  w.run_for(12h);
  const auto attempts = w.firmware().stats().requests_sent;
  // Doubling from 5 s to the 1 h cap, then about one a jittered half-hour.
  EXPECT_GE(attempts, 10u);
  EXPECT_LE(attempts, 40u);
  EXPECT_EQ(w.firmware().stats().request_timeouts, attempts);
  w.link_down = false;
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1h + 1min));
}

/// How long each accepted certificate took, in order.
std::vector<duration> attestation_times(const device_world& w) {
  std::vector<duration> out;
  for (const record& r : w.records()) {
    if (r.kind == record_kind::attested) out.push_back(r.took);
  }
  return out;
}

TEST(core_lifecycle, an_attestation_is_timed_from_its_first_challenge_request_through_every_retry) {
  device_world w;
  w.link_down = true;
  w.power_on();
  w.run_for(2h);
  w.link_down = false;
  ASSERT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1h + 1min));
  // Power-on to the first request is the boot (well under a minute): the wait spans the outage.
  const std::vector<duration> took = attestation_times(w);
  ASSERT_EQ(took.size(), 1u);
  EXPECT_GE(took[0], 2h - 1min);
  EXPECT_LE(took[0], 3h + 1min);
  // The daily renewal is timed from its own request: a clean round trip.
  ASSERT_TRUE(w.run_until([&] { return w.firmware().stats().attestations == 2; }, 25h));
  const std::vector<duration> renewed = attestation_times(w);
  ASSERT_EQ(renewed.size(), 2u);
  EXPECT_GT(renewed[1], 0us);
  EXPECT_LT(renewed[1], 10s);
}

}  // namespace
}  // namespace fleet::fw
