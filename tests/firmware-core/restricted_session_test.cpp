// The firmware in a restricted session (session.cpp on_restricted_session,
// check_grant; pump): the service stopped trusting the OS it runs, refused
// it a certificate and granted a session for repair traffic only. The real
// core against the real service: it checks the grant, asks for the repair
// at once, sends nothing else, installs it, reboots and attests in full.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"
#include "world_checks.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::attested;
using testing::device_world;
using testing::rejected;

const wire::built_image& factory_os(const device_world& w) {
  EXPECT_EQ(w.factory()[2].manifest.component(), wire::OS);
  return w.factory()[2];
}

/// Revokes the OS the device runs; with `repair`, publishes 1.0.1 (security
/// version 2) first. A reboot makes the device attest at once.
void revoke_os(device_world& w, bool repair) {
  if (repair) w.publish(testing::make_image(w.keys(), wire::OS, "1.0.1", 2));
  ASSERT_TRUE(w.service().revoke_image(w.now(), factory_os(w).image_digest).ok());
  w.cut_power();
}

std::size_t sent_of(const device_world& w, wire::Envelope::BodyCase body, std::size_t from = 0) {
  std::size_t n = 0;
  for (std::size_t i = from; i < w.sent_by_device().size(); ++i) {
    wire::Envelope e;
    if (e.ParseFromString(w.sent_by_device()[i]) && e.body_case() == body) ++n;
  }
  return n;
}

TEST(restricted_session, a_device_on_a_revoked_os_repairs_itself_and_attests_again) {
  auto w = attested();
  revoke_os(*w, /*repair=*/true);
  ASSERT_TRUE(w->run_until([&] { return w->firmware().restricted_session(); }, 10min));
  EXPECT_FALSE(w->firmware().has_certificate()) << "no certificate on revoked software";
  EXPECT_EQ(w->firmware().stats().restricted_sessions, 1u);
  EXPECT_EQ(w->count(record_kind::restricted_session), 1u);
  // Downloaded, verified, installed, rebooted, attested in full, committed.
  ASSERT_TRUE(w->run_until([&] { return w->firmware().stats().updates_committed == 1; }, 2h));
  EXPECT_EQ(w->firmware().running_version(component::os), (wire::version{1, 0, 1}));
  EXPECT_TRUE(w->firmware().has_certificate());
  EXPECT_FALSE(w->firmware().restricted_session());
  // Nothing it asked for was refused: it only made repair traffic.
  for (const auto n : w->service().counters().restricted_refused) EXPECT_EQ(n, 0u);
  EXPECT_EQ(w->service().counters().restricted_sessions, 1u);
}

TEST(restricted_session, without_a_repair_it_keeps_checking_and_sends_no_telemetry) {
  auto w = attested();
  w->run_for(1h);  // the first telemetry upload is done
  revoke_os(*w, /*repair=*/false);
  ASSERT_TRUE(w->run_until([&] { return w->firmware().restricted_session(); }, 10min));
  const std::size_t mark = w->sent_by_device().size();
  w->run_for(50h);
  EXPECT_EQ(sent_of(*w, wire::Envelope::kTelemetry, mark), 0u);
  EXPECT_GE(sent_of(*w, wire::Envelope::kUpdateCheck, mark), 2u) << "it checks daily for a repair";
  EXPECT_GT(w->firmware().telemetry_buffered(), 0u) << "the events wait for a full session";
  EXPECT_EQ(w->firmware().running_version(component::os), (wire::version{1, 0, 0}));
  EXPECT_EQ(w->firmware().state(), device_state::running);
}

// Control: the same device with its OS still trusted uploads its telemetry.
TEST(restricted_session, a_trusted_device_uploads_its_telemetry) {
  auto w = attested();
  w->run_for(1h);
  w->cut_power();
  ASSERT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, 10min));
  const std::size_t mark = w->sent_by_device().size();
  w->run_for(50h);
  EXPECT_GT(sent_of(*w, wire::Envelope::kTelemetry, mark), 0u);
}

// A man in the middle answering the evidence with a grant of his own (to
// make the device hold back its telemetry, or to hold the session key): the
// grant's signature is checked against the tenant CA the ROM root vouches for.
void forge_grants(device_world& w, const std::function<void(wire::RestrictedSession&)>& forge) {
  w.tamper_to_device = [forge](std::string& bytes) {
    wire::Envelope e;
    if (!e.ParseFromString(bytes) || !e.has_restricted_session()) return;
    forge(*e.mutable_restricted_session());
    bytes = wire::serialize(e);
  };
}

TEST(restricted_session, a_forged_grant_is_refused) {
  auto w = attested();
  forge_grants(*w, [](wire::RestrictedSession& s) {
    wire::RestrictedGrant grant;
    grant.ParseFromString(s.grant());
    grant.set_not_after_us(grant.not_after_us() + 86'400'000'000);  // a longer session
    s.set_grant(wire::serialize(grant));
  });
  revoke_os(*w, /*repair=*/true);
  w->run_for(30min);
  EXPECT_FALSE(w->firmware().restricted_session());
  EXPECT_GT(rejected(*w, reject_reason::bad_signature), 0u);
  EXPECT_EQ(w->firmware().stats().restricted_sessions, 0u);
}

TEST(restricted_session, a_certificate_passed_off_as_a_grant_is_refused) {
  auto w = attested();
  // A genuine device certificate with its CA signature, from the first attestation.
  wire::SignedCertificate certificate;
  for (const auto& bytes : w->sent_to_device()) {
    wire::Envelope e;
    if (e.ParseFromString(bytes) && e.has_certificate_issued()) certificate = e.certificate_issued().certificate();
  }
  ASSERT_FALSE(certificate.certificate().empty());
  forge_grants(*w, [certificate](wire::RestrictedSession& s) {
    s.set_grant(certificate.certificate());
    s.set_signature(certificate.signature());
  });
  revoke_os(*w, /*repair=*/true);
  w->run_for(30min);
  EXPECT_FALSE(w->firmware().restricted_session());
  EXPECT_EQ(w->firmware().stats().restricted_sessions, 0u);
}

// Control: the grant as the service signed it, carried through the same
// hook untouched, is taken.
TEST(restricted_session, the_services_own_grant_is_taken) {
  auto w = attested();
  forge_grants(*w, [](wire::RestrictedSession&) {});
  revoke_os(*w, /*repair=*/true);
  EXPECT_TRUE(w->run_until([&] { return w->firmware().restricted_session(); }, 10min));
}

// A grant answers one evidence: replayed to the device for a later one, it names other evidence.
TEST(restricted_session, a_grant_for_other_evidence_is_refused) {
  auto w = attested();
  revoke_os(*w, /*repair=*/false);
  ASSERT_TRUE(w->run_until([&] { return w->firmware().restricted_session(); }, 10min));
  wire::RestrictedSession first;
  for (const auto& bytes : w->sent_to_device()) {
    wire::Envelope e;
    if (e.ParseFromString(bytes) && e.has_restricted_session()) first = e.restricted_session();
  }
  forge_grants(*w, [first](wire::RestrictedSession& s) { s = first; });
  w->cut_power();
  w->run_for(30min);
  EXPECT_GT(rejected(*w, reject_reason::certificate_mismatch), 0u);
  EXPECT_EQ(w->firmware().stats().restricted_sessions, 1u);
}

}  // namespace
}  // namespace fleet::fw
