#include "fleet/cloud/certificate_authority.hpp"

#include <gtest/gtest.h>

#include "fleet/wire/envelope.hpp"

namespace fleet::cloud {
namespace {

constexpr duration day = 24h;
constexpr duration ca_life = 2 * 365 * day;
constexpr sim_time rollover{ca_life - 90 * day};  // when the first CA's successor is made

const crypto::signing_key_pair root = crypto::signing_key_from_seed(crypto::seed{42});

crypto::device_id device_a() { return crypto::device_id{0xaa}; }
crypto::device_id device_b() { return crypto::device_id{0xbb}; }
std::string evidence() { return std::string(32, 'e'); }
std::string binding() { return std::string(32, 's'); }

certificate_authority make_ca(std::uint64_t seed = 7, ca_settings settings = {}) {
  return certificate_authority(root, crypto::random_stream(seed, 0, "ca-keys"), settings);
}

wire::Certificate parse(const wire::SignedCertificate& s) {
  wire::Certificate c;
  EXPECT_TRUE(c.ParseFromString(s.certificate()));
  return c;
}

wire::CaCertificate parse(const wire::SignedCaCertificate& s) {
  wire::CaCertificate c;
  EXPECT_TRUE(c.ParseFromString(s.ca_certificate()));
  return c;
}

issued_certificate issue(certificate_authority& ca, sim_time now, const crypto::device_id& d = device_a(),
                         const std::string& tenant = "acme") {
  issued_certificate out = ca.issue(now, tenant, d, crypto::public_key{1}, evidence(), binding());
  EXPECT_TRUE(out.ok()) << name_of(out.refusal);
  return out;
}

TEST(certificate_authority, issues_a_24_hour_certificate_under_a_ca_under_the_root) {
  auto ca = make_ca();
  const sim_time t0{10s};
  const issued_certificate issued = issue(ca, t0);
  const wire::Certificate cert = parse(issued.certificate);
  const wire::CaCertificate issuer = parse(issued.issuer);
  EXPECT_EQ(cert.serial(), issued.serial);
  EXPECT_EQ(cert.device_id(), crypto::to_string(device_a()));
  EXPECT_EQ(cert.device_public_key(), crypto::to_string(crypto::public_key{1}));
  EXPECT_EQ(cert.tenant(), "acme");
  EXPECT_EQ(cert.evidence_digest(), evidence());
  EXPECT_EQ(cert.session_binding(), binding());
  EXPECT_EQ(cert.not_before_us(), t0.count());
  EXPECT_EQ(cert.not_after_us() - cert.not_before_us(), std::chrono::microseconds(day).count());
  EXPECT_EQ(cert.issuer_ca_id(), issuer.ca_id());
  EXPECT_EQ(issuer.tenant(), "acme");
  EXPECT_EQ(issuer.not_after_us() - issuer.not_before_us(), std::chrono::microseconds(ca_life).count());
  EXPECT_TRUE(crypto::verify(issued.issuer.ca_certificate(), issued.issuer.signature(), root.public_key_bytes));
  crypto::public_key ca_key{};
  ASSERT_TRUE(crypto::to_array(issuer.public_key(), ca_key));
  EXPECT_TRUE(crypto::verify(issued.certificate.certificate(), issued.certificate.signature(), ca_key));
  EXPECT_EQ(ca.check(t0 + 1h, issued.certificate).status, certificate_status::ok);
  EXPECT_EQ(ca.counters().certificates_issued, 1u);
}

TEST(certificate_authority, tenants_get_their_own_cas_and_serials_are_unique) {
  auto ca = make_ca();
  const auto a = issue(ca, sim_time{0}, device_a(), "acme");
  const auto b = issue(ca, sim_time{0}, device_b(), "rival");
  EXPECT_NE(parse(a.certificate).issuer_ca_id(), parse(b.certificate).issuer_ca_id());
  EXPECT_NE(a.serial, b.serial);
  EXPECT_EQ(ca.trusted_cas(sim_time{0}, "acme").size(), 1u);
  EXPECT_FALSE(ca.current_ca("nobody"));
}

TEST(certificate_authority, keys_follow_the_seed) {
  auto one = make_ca(1), same = make_ca(1), other = make_ca(2);
  const auto a = issue(one, sim_time{0}), b = issue(same, sim_time{0}), c = issue(other, sim_time{0});
  EXPECT_EQ(parse(a.issuer).public_key(), parse(b.issuer).public_key());
  EXPECT_EQ(a.certificate.SerializeAsString(), b.certificate.SerializeAsString());
  EXPECT_NE(parse(a.issuer).public_key(), parse(c.issuer).public_key());
}

TEST(certificate_authority, issue_refusals) {
  auto ca = make_ca();
  EXPECT_EQ(ca.issue(sim_time{0}, "acme", device_a(), {}, "short", binding()).refusal,
            issue_refusal::bad_evidence_digest);
  EXPECT_EQ(ca.issue(sim_time{0}, "acme", device_a(), {}, evidence(), "short").refusal,
            issue_refusal::bad_session_binding);
  EXPECT_EQ(ca.issue(sim_time{0}, "", device_a(), {}, evidence(), binding()).refusal, issue_refusal::bad_tenant);
  EXPECT_EQ(ca.issue(sim_time{0}, std::string(ca_tenant_bytes_max + 1, 't'), device_a(), {}, evidence(), binding())
                .refusal,
            issue_refusal::bad_tenant);
  EXPECT_EQ(ca.counters().certificates_issued, 0u);
}

TEST(certificate_authority, validity_window_is_checked) {
  auto ca = make_ca();
  const sim_time t0{100 * day};
  const auto issued = issue(ca, t0);
  EXPECT_EQ(ca.check(t0 + day, issued.certificate).status, certificate_status::ok);  // inclusive end
  EXPECT_EQ(ca.check(t0 + day + 1us, issued.certificate).status, certificate_status::expired);
  EXPECT_EQ(ca.check(t0 - 1us, issued.certificate).status, certificate_status::not_yet_valid);
}

TEST(certificate_authority, tampered_forged_and_malformed_certificates_fail) {
  auto ca = make_ca();
  const auto issued = issue(ca, sim_time{0});
  const sim_time t{1h};

  wire::Certificate edited = parse(issued.certificate);
  edited.set_device_id(crypto::to_string(device_b()));  // someone else's identity, CA signature kept
  wire::SignedCertificate tampered = issued.certificate;
  tampered.set_certificate(wire::serialize(edited));
  EXPECT_EQ(ca.check(t, tampered).status, certificate_status::bad_signature);

  const auto attacker = crypto::signing_key_from_seed(crypto::seed{99});
  wire::SignedCertificate forged;
  forged.set_certificate(wire::serialize(edited));
  forged.set_signature(crypto::to_string(crypto::sign(forged.certificate(), attacker.secret_key_bytes)));
  EXPECT_EQ(ca.check(t, forged).status, certificate_status::bad_signature);

  wire::Certificate unknown = edited;
  unknown.set_issuer_ca_id(77);
  forged.set_certificate(wire::serialize(unknown));
  EXPECT_EQ(ca.check(t, forged).status, certificate_status::unknown_issuer);

  // Another tenant's CA does not vouch for acme's devices.
  issue(ca, sim_time{0}, device_b(), "rival");
  wire::Certificate cross = parse(issued.certificate);
  cross.set_tenant("rival");
  forged.set_certificate(wire::serialize(cross));
  EXPECT_EQ(ca.check(t, forged).status, certificate_status::unknown_issuer);

  wire::SignedCertificate garbage;
  garbage.set_certificate("\xff\xff\xff");
  garbage.set_signature(std::string(64, 's'));
  EXPECT_EQ(ca.check(t, garbage).status, certificate_status::malformed);
  wire::SignedCertificate short_signature = issued.certificate;
  short_signature.set_signature("sig");
  EXPECT_EQ(ca.check(t, short_signature).status, certificate_status::malformed);
  wire::Certificate no_digest = parse(issued.certificate);
  no_digest.clear_evidence_digest();
  garbage.set_certificate(wire::serialize(no_digest));
  EXPECT_EQ(ca.check(t, garbage).status, certificate_status::malformed);

  EXPECT_EQ(ca.check(t, issued.certificate).status, certificate_status::ok);
  EXPECT_EQ(ca.counters().checks[static_cast<std::size_t>(certificate_status::bad_signature)], 2u);
}

TEST(certificate_authority, rolls_over_90_days_before_expiry_and_trusts_both_in_the_overlap) {
  auto ca = make_ca();
  const auto first = issue(ca, sim_time{0});
  const std::uint32_t old_ca = parse(first.issuer).ca_id();
  EXPECT_EQ(ca.next_deadline(), rollover);

  const auto before = issue(ca, rollover - 1us);
  EXPECT_EQ(parse(before.certificate).issuer_ca_id(), old_ca);
  EXPECT_EQ(ca.trusted_cas(rollover - 1us, "acme").size(), 1u);

  const auto after = issue(ca, rollover);
  const std::uint32_t new_ca = parse(after.certificate).issuer_ca_id();
  EXPECT_NE(new_ca, old_ca);
  EXPECT_EQ(parse(after.issuer).ca_id(), new_ca);
  EXPECT_EQ(ca.current_ca("acme"), std::optional<std::uint32_t>{new_ca});
  EXPECT_EQ(ca.counters().cas_created, 2u);

  // Both trusted during the overlap: the old CA's certificate still checks.
  EXPECT_EQ(ca.trusted_cas(rollover + 1h, "acme").size(), 2u);
  EXPECT_EQ(ca.check(rollover + 1h, before.certificate).status, certificate_status::ok);
  EXPECT_EQ(ca.check(rollover + 1h, after.certificate).status, certificate_status::ok);

  // After the old CA expires only the new one is trusted.
  const sim_time old_gone{ca_life + 1us};
  const auto trusted = ca.trusted_cas(old_gone, "acme");
  ASSERT_EQ(trusted.size(), 1u);
  EXPECT_EQ(parse(trusted[0]).ca_id(), new_ca);
  EXPECT_EQ(ca.check(old_gone, before.certificate).status, certificate_status::expired);
}

TEST(certificate_authority, advance_rolls_over_without_an_issue) {
  auto ca = make_ca();
  issue(ca, sim_time{0});
  ca.advance(rollover);
  EXPECT_EQ(ca.counters().cas_created, 2u);
  EXPECT_EQ(ca.next_deadline(), rollover + ca_life - 90 * day);
}

TEST(certificate_authority, revoked_certificates_fail) {
  auto ca = make_ca();
  const auto a1 = issue(ca, sim_time{0});
  const auto b1 = issue(ca, sim_time{0}, device_b());
  EXPECT_EQ(ca.revoke(sim_time{1s}, a1.serial), revoke_result::revoked);
  EXPECT_EQ(ca.revoke(sim_time{1s}, a1.serial), revoke_result::already_revoked);
  EXPECT_EQ(ca.revoke(sim_time{1s}, 999), revoke_result::unknown_serial);
  EXPECT_EQ(ca.check(sim_time{2s}, a1.certificate).status, certificate_status::revoked);
  EXPECT_EQ(ca.check(sim_time{2s}, b1.certificate).status, certificate_status::ok);
}

TEST(certificate_authority, revoking_a_device_revokes_its_earlier_certificates_only) {
  auto ca = make_ca();
  const auto old1 = issue(ca, sim_time{0});
  const auto old2 = issue(ca, sim_time{1h});
  EXPECT_EQ(ca.revoke_device(sim_time{2h}, device_a()), revoke_result::revoked);
  const auto fresh = issue(ca, sim_time{3h});
  EXPECT_EQ(ca.check(sim_time{3h}, old1.certificate).status, certificate_status::revoked);
  EXPECT_EQ(ca.check(sim_time{3h}, old2.certificate).status, certificate_status::revoked);
  EXPECT_EQ(ca.check(sim_time{3h}, fresh.certificate).status, certificate_status::ok);
  EXPECT_EQ(ca.revoke_device(sim_time{4h}, device_a()), revoke_result::already_revoked);
  EXPECT_EQ(ca.check(sim_time{4h}, fresh.certificate).status, certificate_status::revoked);
}

TEST(certificate_authority, revocation_lists_are_bounded_and_forget_expired_entries) {
  ca_settings small;
  small.revoked_serials_max = 2;
  small.revoked_devices_max = 1;
  auto ca = make_ca(7, small);
  const auto a = issue(ca, sim_time{0}), b = issue(ca, sim_time{0}), c = issue(ca, sim_time{0});
  EXPECT_EQ(ca.revoke(sim_time{0}, a.serial), revoke_result::revoked);
  EXPECT_EQ(ca.revoke(sim_time{0}, b.serial), revoke_result::revoked);
  // Full of live revocations: refused rather than forgetting one.
  EXPECT_EQ(ca.revoke(sim_time{0}, c.serial), revoke_result::list_full);
  EXPECT_EQ(ca.counters().revocations_refused, 1u);
  EXPECT_EQ(ca.check(sim_time{1h}, a.certificate).status, certificate_status::revoked);

  // One certificate lifetime later every revoked certificate has expired: forgotten.
  const auto d = issue(ca, sim_time{day + 1us});
  EXPECT_EQ(ca.revoked_serials(), 0u);
  EXPECT_EQ(ca.counters().revocations_forgotten, 2u);
  EXPECT_EQ(ca.revoke(sim_time{day + 1us}, d.serial), revoke_result::revoked);
  EXPECT_EQ(ca.check(sim_time{day + 1us}, a.certificate).status, certificate_status::expired);

  EXPECT_EQ(ca.revoke_device(sim_time{day + 1us}, device_a()), revoke_result::revoked);
  EXPECT_EQ(ca.revoke_device(sim_time{day + 1us}, device_b()), revoke_result::list_full);
  ca.advance(sim_time{3 * day});
  EXPECT_EQ(ca.revoked_devices(), 0u);
  EXPECT_EQ(ca.revoke_device(sim_time{3 * day}, device_b()), revoke_result::revoked);
}

TEST(certificate_authority, names) {
  EXPECT_STREQ(name_of(certificate_status::unknown_issuer), "unknown_issuer");
  EXPECT_STREQ(name_of(revoke_result::list_full), "list_full");
  EXPECT_STREQ(name_of(issue_refusal::bad_tenant), "bad_tenant");
}

}  // namespace
}  // namespace fleet::cloud
