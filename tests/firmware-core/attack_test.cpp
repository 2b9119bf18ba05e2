// Device-side defences of the attack table (product.md). Each attack is
// shown stopped, next to the same flow with honest input going through, so
// the check named is what makes the difference.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "world_checks.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::ran;
using testing::rejected;
using testing::make_image;
using testing::attested;

// Runs a day and a bit: one daily update check, download and trial included.
void run_a_day(device_world& w) { w.run_for(26h); }

// ------------------------------------------------------------ certificates

// Re-issues the device certificate after `edit`, signed with `signer`, under
// a tenant CA certificate for `ca` signed with `root`. With the service root
// (the tests hold it) and `ca`'s own key this is a CA the device must trust.
std::function<void(wire::Envelope&)> reissue_certificate(std::function<void(wire::Certificate&)> edit,
                                                         crypto::signing_key_pair ca, crypto::secret_key signer,
                                                         crypto::secret_key root) {
  return [edit, ca, signer, root](wire::Envelope& reply) {
    if (!reply.has_certificate_issued()) return;
    auto* issued = reply.mutable_certificate_issued();
    wire::CaCertificate ca_body;
    ca_body.ParseFromString(issued->issuer().ca_certificate());
    ca_body.set_public_key(crypto::to_string(ca.public_key_bytes));
    issued->mutable_issuer()->set_ca_certificate(wire::serialize(ca_body));
    issued->mutable_issuer()->set_signature(crypto::to_string(crypto::sign(issued->issuer().ca_certificate(), root)));
    auto* signed_cert = issued->mutable_certificate();
    wire::Certificate cert;
    cert.ParseFromString(signed_cert->certificate());
    edit(cert);
    signed_cert->set_certificate(wire::serialize(cert));
    signed_cert->set_signature(crypto::to_string(crypto::sign(signed_cert->certificate(), signer)));
  };
}

/// Re-issued by a tenant CA of the tests' own, vouched for by the service root.
std::function<void(wire::Envelope&)> reissue_honestly(const device_world& w,
                                                      std::function<void(wire::Certificate&)> edit) {
  const auto& ca = w.keys().ca(1);
  return reissue_certificate(std::move(edit), ca, ca.secret_key_bytes, w.keys().service_root.secret_key_bytes);
}

struct certificate_case {
  const char* name;
  reject_reason expected;
};

TEST(attack_certificate, honest_reissue_under_a_ca_the_root_vouches_for_is_accepted) {
  device_world w;
  w.faults().tamper_reply = reissue_honestly(w, [](wire::Certificate&) {});
  w.power_on();
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  EXPECT_EQ(w.firmware().stats().rejected_total(), 0u);
  EXPECT_GT(w.faults().counters().replies_edited, 0u);
}

TEST(attack_certificate, certificate_signed_by_another_key_is_refused) {
  device_world w;
  crypto::seed rogue{};
  rogue.fill(0x66);
  w.faults().tamper_reply = reissue_certificate([](wire::Certificate&) {}, w.keys().ca(1),
                                                crypto::signing_key_from_seed(rogue).secret_key_bytes,
                                                w.keys().service_root.secret_key_bytes);
  w.power_on();
  w.run_for(10min);
  EXPECT_FALSE(w.firmware().has_certificate());
  EXPECT_GT(rejected(w, reject_reason::bad_signature), 0u);
}

TEST(attack_certificate, ca_not_vouched_for_by_the_rom_root_is_refused) {
  device_world w;
  crypto::seed rogue{};
  rogue.fill(0x77);
  auto rogue_root = crypto::signing_key_from_seed(rogue);
  auto rogue_ca = crypto::signing_key_from_seed(rogue_root.public_key_bytes);
  w.faults().tamper_reply = reissue_certificate([](wire::Certificate&) {}, rogue_ca, rogue_ca.secret_key_bytes,
                                                rogue_root.secret_key_bytes);
  w.power_on();
  w.run_for(10min);
  EXPECT_FALSE(w.firmware().has_certificate());
  EXPECT_GT(rejected(w, reject_reason::untrusted_ca), 0u);
}

TEST(attack_certificate, expired_or_foreign_certificates_are_refused) {
  for (int variant = 0; variant < 2; ++variant) {
    SCOPED_TRACE(variant == 0 ? "expired" : "another device's");
    device_world w;
    auto edit = variant == 0 ? std::function<void(wire::Certificate&)>([](wire::Certificate& c) {
      c.set_not_after_us(c.not_before_us() - 1);
    })
                             : std::function<void(wire::Certificate&)>([](wire::Certificate& c) {
                                 std::string id = c.device_id();
                                 id[0] ^= 1;
                                 c.set_device_id(id);
                               });
    w.faults().tamper_reply = reissue_honestly(w, edit);
    w.power_on();
    w.run_for(10min);
    EXPECT_FALSE(w.firmware().has_certificate());
    EXPECT_GT(rejected(w, variant == 0 ? reject_reason::certificate_expired
                                       : reject_reason::certificate_mismatch),
              0u);
  }
}

// An old, validly signed certificate replayed at the next attestation: the
// CA signed the digest of the evidence it answered, which is not this one.
TEST(attack_certificate, a_replayed_certificate_is_refused) {
  auto w = attested();
  std::string old_reply;
  for (const auto& bytes : w->sent_to_device()) {
    wire::Envelope env;
    if (env.ParseFromString(bytes) && env.has_certificate_issued()) old_reply = bytes;
  }
  ASSERT_FALSE(old_reply.empty());
  w->tamper_to_device = [&](std::string& bytes) {
    wire::Envelope env, old;
    if (!env.ParseFromString(bytes) || !env.has_certificate_issued()) return;
    old.ParseFromString(old_reply);
    old.set_sequence(env.sequence());  // the sequence is not authenticated here
    bytes = wire::serialize(old);
  };
  w->run_for(25h);  // past the renewal
  EXPECT_GT(rejected(*w, reject_reason::certificate_mismatch), 0u);
  EXPECT_EQ(w->firmware().stats().attestations, 1u);
  // Without the replay the renewal goes through.
  auto honest = attested();
  honest->run_for(25h);
  EXPECT_GE(honest->firmware().stats().attestations, 2u);
}

// Renewals under the CA the device already verified skip that verify; a
// different CA certificate at a renewal is verified afresh, so a rogue one
// is still refused.
TEST(attack_certificate, a_rogue_ca_at_a_renewal_is_refused_though_the_good_one_was_cached) {
  auto w = attested();
  const crypto::op_counts before = crypto::counted_ops();
  ASSERT_TRUE(w->run_until([&] { return w->firmware().stats().attestations >= 2; }, 25h));
  // The renewal: the cloud verifies the evidence, the device its certificate;
  // the CA certificate it had verified is not verified again.
  EXPECT_EQ((crypto::counted_ops() - before).verifies, 2u);

  crypto::seed rogue{};
  rogue.fill(0x77);
  auto rogue_root = crypto::signing_key_from_seed(rogue);
  auto rogue_ca = crypto::signing_key_from_seed(rogue_root.public_key_bytes);
  w->faults().tamper_reply = reissue_certificate([](wire::Certificate&) {}, rogue_ca, rogue_ca.secret_key_bytes,
                                                 rogue_root.secret_key_bytes);
  w->run_for(25h);
  EXPECT_GT(rejected(*w, reject_reason::untrusted_ca), 0u);
  EXPECT_EQ(w->firmware().stats().attestations, 2u);
}

// A man in the middle swaps the service's X25519 share in CertificateIssued
// for his own: he would then hold the session key, forge every sealed reply
// and swallow the device's reports. The certificate names the share the
// service sent (its session binding, signed by the CA), so the swap is refused.
TEST(attack_certificate, a_swapped_session_share_is_refused) {
  crypto::seed attacker{};
  attacker.fill(0x42);
  const std::string share = crypto::to_string(crypto::exchange_key_from_secret(attacker).public_key_bytes);
  device_world w;
  w.faults().tamper_reply = [&](wire::Envelope& reply) {
    if (reply.has_certificate_issued()) reply.mutable_certificate_issued()->set_session_public_key(share);
  };
  w.power_on();
  w.run_for(10min);
  EXPECT_FALSE(w.firmware().has_certificate());
  EXPECT_GT(rejected(w, reject_reason::session_not_bound), 0u);
  EXPECT_EQ(w.firmware().stats().attestations, 0u);
}

// The binding is what stops it: the same swap with a certificate re-issued to
// name the attacker's share (a CA the root vouches for, as if the CA were
// compromised too) is accepted.
TEST(attack_certificate, a_swapped_share_the_certificate_names_is_accepted) {
  crypto::seed attacker{};
  attacker.fill(0x42);
  const std::string share = crypto::to_string(crypto::exchange_key_from_secret(attacker).public_key_bytes);
  device_world w;
  std::uint64_t session_id = 0;
  auto reissue = reissue_honestly(w, [&](wire::Certificate& c) {
    c.set_session_binding(crypto::to_string(wire::session_binding(share, session_id)));
  });
  w.faults().tamper_reply = [&](wire::Envelope& reply) {
    if (!reply.has_certificate_issued()) return;
    reply.mutable_certificate_issued()->set_session_public_key(share);
    session_id = reply.certificate_issued().session_id();
    reissue(reply);
  };
  w.power_on();
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  EXPECT_EQ(rejected(w, reject_reason::session_not_bound), 0u);
}

// ----------------------------------------------------------------- images

// A compromised service offers what no image-signing key signed.
TEST(attack_image, unsigned_image_is_never_downloaded_or_run) {
  auto w = attested();
  auto evil = make_image(w->keys(), wire::APP, "1.1.0", 1);
  evil.signed_manifest.clear_signature();
  w->faults().offer(evil);
  run_a_day(*w);
  EXPECT_GT(w->faults().counters().rogue_offers, 0u);
  testing::expect_refused_on_its_manifest(*w, evil, reject_reason::bad_signature);
}

// The service signs with an image-signing key the device's ROM does not hold.
TEST(attack_image, image_signed_by_an_untrusted_key_is_refused_and_trusting_it_lets_it_in) {
  auto w = attested();
  ASSERT_TRUE(w->service().rotate_image_signing_key(w->now()).ok());
  auto other_key = w->publish(make_image(w->keys(), wire::APP, "1.1.0", 1));
  ASSERT_EQ(other_key.manifest.signing_key_id(), 2u);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::unknown_signing_key), 0u);
  EXPECT_FALSE(ran(*w, other_key.image_digest));

  testing::world_options trusting;
  trusting.trusted_image_keys = {1, 2};
  auto t = attested(trusting);
  const auto trusted = t->publish(make_image(t->keys(), wire::APP, "1.1.0", 1));
  ASSERT_EQ(trusted.manifest.signing_key_id(), 2u);
  run_a_day(*t);
  EXPECT_EQ(t->firmware().stats().updates_committed, 1u);
}

// A malicious mirror serving other bytes for a genuine manifest.
TEST(attack_image, tampered_chunk_is_refused_and_never_written) {
  auto w = attested();
  auto app = make_image(w->keys(), wire::APP, "1.1.0", 1);
  w->faults().tamper_reply = [](wire::Envelope& reply) {
    if (reply.has_chunk() && reply.chunk().index() == 2) (*reply.mutable_chunk()->mutable_data())[100] ^= 0x20;
  };
  w->publish(app);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::chunk_digest_mismatch), 0u);
  // Given up after download_failures_max attempts; offered again next day.
  EXPECT_GE(w->firmware().stats().updates_failed, 1u);
  EXPECT_FALSE(ran(*w, app.image_digest));
  EXPECT_TRUE(w->device().flash().read_chunk(component::app, slot::b, 2).empty());
}

TEST(attack_image, honest_mirror_goes_through) {
  auto w = attested();
  auto app = make_image(w->keys(), wire::APP, "1.1.0", 1);
  w->faults().tamper_reply = [](wire::Envelope& reply) {
    if (reply.has_chunk()) reply.mutable_chunk()->set_data(std::string(reply.chunk().data()));
  };
  w->publish(app);
  run_a_day(*w);
  EXPECT_GT(w->faults().counters().replies_edited, app.chunks.size());
  EXPECT_EQ(w->firmware().stats().updates_committed, 1u);
  EXPECT_TRUE(ran(*w, app.image_digest));
}

// Mix-and-match: release 1.1.0's manifest, release 1.2.0's bytes; or a
// manifest edited to point at the other release's image.
TEST(attack_image, mix_and_match_of_releases_is_refused) {
  auto w = attested();
  auto a = w->publish(make_image(w->keys(), wire::APP, "1.1.0", 1));
  auto b = w->upload(make_image(w->keys(), wire::APP, "1.2.0", 1));
  w->faults().tamper_reply = [&](wire::Envelope& reply) {
    if (reply.has_chunk()) reply.mutable_chunk()->set_data(b.chunks[reply.chunk().index()]);
  };
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::chunk_digest_mismatch), 0u);
  EXPECT_FALSE(ran(*w, a.image_digest));
  EXPECT_FALSE(ran(*w, b.image_digest));

  auto m = attested();
  auto spliced = m->upload(a);
  wire::Manifest manifest = spliced.manifest;
  manifest.set_image_digest(crypto::to_string(b.image_digest));
  spliced.signed_manifest.set_manifest(wire::serialize(manifest));  // the signature is of a's manifest
  m->faults().offer(spliced);
  run_a_day(*m);
  EXPECT_GT(m->faults().counters().rogue_offers, 0u);
  EXPECT_GT(rejected(*m, reject_reason::bad_signature), 0u);
  EXPECT_EQ(m->firmware().stats().chunks_downloaded, 0u);
}

// Mix-and-match across products and revisions: a genuine manifest, signed
// by the service, made for another hardware revision or another product and
// offered as is. The same revision's build offered to a device of that
// revision goes in: the manifest's product and revisions are what refuse it.
TEST(attack_image, a_genuine_manifest_for_another_revision_or_product_is_refused) {
  auto spec = testing::image_spec_for(wire::APP, "1.1.0");
  spec.hardware_revisions = {"rev-b"};
  auto w = attested();
  const auto for_rev_b = w->upload(make_image(w->keys(), spec, 32 * 1024));
  w->faults().offer(for_rev_b);
  run_a_day(*w);
  EXPECT_GT(w->faults().counters().rogue_offers, 0u);
  EXPECT_GT(rejected(*w, reject_reason::incompatible_hardware), 0u);
  EXPECT_EQ(w->firmware().stats().chunks_downloaded, 0u);
  EXPECT_FALSE(ran(*w, for_rev_b.image_digest));

  auto p = attested();
  const auto doorbell = p->upload(make_image(p->keys(), wire::APP, "1.1.0", 1, 0, 1, "doorbell"));
  p->faults().offer(doorbell);
  run_a_day(*p);
  EXPECT_GT(rejected(*p, reject_reason::wrong_product), 0u);
  EXPECT_EQ(p->firmware().stats().chunks_downloaded, 0u);
  EXPECT_FALSE(ran(*p, doorbell.image_digest));

  testing::world_options on_rev_b;
  on_rev_b.hardware_revision = "rev-b";
  auto b = attested(on_rev_b);
  const auto fits = b->publish(make_image(b->keys(), spec, 32 * 1024));
  run_a_day(*b);
  EXPECT_EQ(b->firmware().stats().rejected_total(), 0u);
  EXPECT_TRUE(ran(*b, fits.image_digest));
}

TEST(attack_image, rollback_to_an_old_signed_image_is_refused) {
  auto w = attested();
  w->publish(make_image(w->keys(), wire::APP, "1.1.0", /*security_version=*/3));
  run_a_day(*w);
  ASSERT_EQ(w->firmware().stats().updates_committed, 1u);
  ASSERT_EQ(w->device().secure_element().read_counter(component::app), 3u);
  // Newer version number, older (vulnerable) security version.
  auto old = make_image(w->keys(), wire::APP, "1.2.0", 2);
  w->publish(old);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::rollback), 0u);
  EXPECT_FALSE(ran(*w, old.image_digest));
  // The same release at the current security version goes in.
  auto fixed = make_image(w->keys(), wire::APP, "1.2.1", 3);
  w->publish(fixed);
  run_a_day(*w);
  EXPECT_TRUE(ran(*w, fixed.image_digest));
}

// Freeze: a stale manifest replayed to keep the device on old code.
TEST(attack_image, stale_or_older_manifests_are_refused) {
  auto w = attested();
  auto spec = testing::image_spec_for(wire::APP, "1.1.0");
  spec.expires_at_us = w->service().wall(w->now()).count() - 1;  // expired a moment ago
  auto stale = w->upload(make_image(w->keys(), spec, 32 * 1024));
  w->faults().offer(stale);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::manifest_expired), 0u);
  EXPECT_FALSE(ran(*w, stale.image_digest));

  auto n = attested();
  n->publish(make_image(n->keys(), wire::APP, "1.2.0", 1));
  run_a_day(*n);
  ASSERT_EQ(n->firmware().running_version(component::app), (wire::version{1, 2, 0}));
  auto older = n->upload(make_image(n->keys(), wire::APP, "1.1.5", 1));  // validly signed
  n->faults().offer(older);
  run_a_day(*n);
  EXPECT_GT(rejected(*n, reject_reason::not_newer), 0u);
  EXPECT_FALSE(ran(*n, older.image_digest));
}

// Endless data: a chunk longer than the signed size allows.
TEST(attack_image, endless_data_is_bounded_by_the_signed_size) {
  auto w = attested();
  auto app = make_image(w->keys(), wire::APP, "1.1.0", 1);
  w->faults().tamper_reply = [](wire::Envelope& reply) {
    if (reply.has_chunk()) reply.mutable_chunk()->mutable_data()->append(std::string(64 * 1024, 'x'));
  };
  w->publish(app);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::chunk_too_large), 0u);
  EXPECT_FALSE(ran(*w, app.image_digest));
  for (std::uint32_t i = 0; i < app.chunks.size() + 4; ++i) {
    EXPECT_TRUE(w->device().flash().read_chunk(component::app, slot::b, i).empty()) << i;
  }
}

// ---------------------------------------------------------- on the link

// A man in the middle flips bits in what the cloud sends: the session MAC
// (or, before a session, the signatures) refuse it; the same bytes
// unaltered are accepted.
TEST(attack_link, altered_replies_are_refused) {
  auto w = attested();
  auto app = make_image(w->keys(), wire::APP, "1.1.0", 1);
  w->publish(app);
  w->tamper_to_device = [](std::string& bytes) {
    wire::Envelope env;
    if (env.ParseFromString(bytes) && env.has_update_offer() && env.update_offer().manifests_size() > 0) {
      auto* m = env.mutable_update_offer()->mutable_manifests(0);
      m->set_signature(m->signature());  // unchanged...
      env.set_sequence(env.sequence());
      wire::Manifest manifest;
      manifest.ParseFromString(m->manifest());
      manifest.set_version("9.9.9");  // ...but the manifest is altered
      m->set_manifest(wire::serialize(manifest));
      bytes = wire::serialize(env);
    }
  };
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::bad_mac), 0u);
  EXPECT_FALSE(ran(*w, app.image_digest));

  auto honest = attested();
  honest->publish(app);
  honest->tamper_to_device = [](std::string& bytes) {
    wire::Envelope env;
    if (env.ParseFromString(bytes)) bytes = wire::serialize(env);  // re-encoded, same meaning
  };
  run_a_day(*honest);
  EXPECT_TRUE(ran(*honest, app.image_digest));
  EXPECT_EQ(honest->firmware().stats().rejected_total(), 0u);
}

TEST(attack_link, replayed_replies_are_refused) {
  auto w = attested();
  w->run_for(1h);
  const auto before = w->firmware().stats().rejected_total();
  for (const auto& old : w->sent_to_device()) w->inject(old);
  EXPECT_EQ(w->firmware().stats().rejected_total() - before, w->sent_to_device().size());
  EXPECT_EQ(rejected(*w, reject_reason::unexpected), w->sent_to_device().size());
}

}  // namespace
}  // namespace fleet::fw
