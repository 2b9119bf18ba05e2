// Device-side defences of the attack table (product.md). Each attack is
// shown stopped, next to the same flow with honest input going through, so
// the check named is what makes the difference.
#include <gtest/gtest.h>

#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::fw {
namespace {

using namespace std::chrono_literals;
using testing::device_world;
using testing::make_image;

std::uint32_t rejected(const device_world& w, reject_reason r) {
  return w.firmware().stats().rejected[static_cast<std::size_t>(r)];
}

bool ran(const device_world& w, const crypto::digest& image) {
  for (const auto& r : w.records()) {
    if (r.kind == record_kind::software_started && r.digest == image) return true;
  }
  return false;
}

std::unique_ptr<device_world> attested(testing::world_options options = {}) {
  auto w = std::make_unique<device_world>(std::move(options));
  w->power_on();
  EXPECT_TRUE(w->run_until([&] { return w->firmware().has_certificate(); }, 1min));
  return w;
}

// Runs a day and a bit: one daily update check, download and trial included.
void run_a_day(device_world& w) { w.run_for(26h); }

// ------------------------------------------------------------ certificates

// Re-signs the issued device certificate after `edit`, with `ca_key`.
std::function<void(wire::Envelope&)> rewrite_certificate(std::function<void(wire::Certificate&)> edit,
                                                         crypto::secret_key ca_key) {
  return [edit, ca_key](wire::Envelope& reply) {
    if (!reply.has_certificate_issued()) return;
    auto* signed_cert = reply.mutable_certificate_issued()->mutable_certificate();
    wire::Certificate cert;
    cert.ParseFromString(signed_cert->certificate());
    edit(cert);
    signed_cert->set_certificate(wire::serialize(cert));
    signed_cert->set_signature(crypto::to_string(crypto::sign(signed_cert->certificate(), ca_key)));
  };
}

struct certificate_case {
  const char* name;
  reject_reason expected;
};

TEST(attack_certificate, honest_rewrite_with_the_real_ca_key_is_accepted) {
  device_world w;
  w.cloud().tamper_reply = rewrite_certificate([](wire::Certificate&) {}, w.keys().ca(1).secret_key_bytes);
  w.power_on();
  EXPECT_TRUE(w.run_until([&] { return w.firmware().has_certificate(); }, 1min));
  EXPECT_EQ(w.firmware().stats().rejected_total(), 0u);
}

TEST(attack_certificate, certificate_signed_by_another_key_is_refused) {
  device_world w;
  crypto::seed rogue{};
  rogue.fill(0x66);
  w.cloud().tamper_reply = rewrite_certificate([](wire::Certificate&) {},
                                               crypto::signing_key_from_seed(rogue).secret_key_bytes);
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
  w.cloud().tamper_reply = [&](wire::Envelope& reply) {
    if (!reply.has_certificate_issued()) return;
    auto* issued = reply.mutable_certificate_issued();
    wire::CaCertificate ca;
    ca.ParseFromString(issued->issuer().ca_certificate());
    ca.set_public_key(crypto::to_string(rogue_ca.public_key_bytes));
    issued->mutable_issuer()->set_ca_certificate(wire::serialize(ca));
    issued->mutable_issuer()->set_signature(
        crypto::to_string(crypto::sign(issued->issuer().ca_certificate(), rogue_root.secret_key_bytes)));
    issued->mutable_certificate()->set_signature(
        crypto::to_string(crypto::sign(issued->certificate().certificate(), rogue_ca.secret_key_bytes)));
  };
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
    w.cloud().tamper_reply = rewrite_certificate(edit, w.keys().ca(1).secret_key_bytes);
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

// ----------------------------------------------------------------- images

TEST(attack_image, unsigned_image_is_never_downloaded_or_run) {
  auto w = attested();
  auto evil = make_image(w->keys(), wire::APP, "1.1.0", 1);
  evil.signed_manifest.clear_signature();
  w->publish(evil);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::bad_signature), 0u);
  EXPECT_EQ(w->firmware().stats().chunks_downloaded, 0u);
  EXPECT_FALSE(ran(*w, evil.image_digest));
  EXPECT_EQ(w->firmware().running_version(component::app), (wire::version{1, 0, 0}));
}

TEST(attack_image, image_signed_by_an_untrusted_key_is_refused_and_trusting_it_lets_it_in) {
  auto w = attested();
  auto other_key = make_image(w->keys(), wire::APP, "1.1.0", 1, 0, /*signing_key_id=*/2);
  w->publish(other_key);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::unknown_signing_key), 0u);
  EXPECT_FALSE(ran(*w, other_key.image_digest));

  testing::world_options trusting;
  trusting.trusted_image_keys = {1, 2};
  auto t = attested(trusting);
  t->publish(make_image(t->keys(), wire::APP, "1.1.0", 1, 0, 2));
  run_a_day(*t);
  EXPECT_EQ(t->firmware().stats().updates_committed, 1u);
}

// A malicious mirror serving other bytes for a genuine manifest.
TEST(attack_image, tampered_chunk_is_refused_and_never_written) {
  auto w = attested();
  auto app = make_image(w->keys(), wire::APP, "1.1.0", 1);
  w->cloud().tamper_reply = [](wire::Envelope& reply) {
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
  w->cloud().tamper_reply = [](wire::Envelope& reply) {
    if (reply.has_chunk()) reply.mutable_chunk()->set_data(std::string(reply.chunk().data()));
  };
  w->publish(app);
  run_a_day(*w);
  EXPECT_EQ(w->firmware().stats().updates_committed, 1u);
  EXPECT_TRUE(ran(*w, app.image_digest));
}

// Mix-and-match: release 1.1.0's manifest, release 1.2.0's bytes; or a
// manifest edited to point at the other release's image.
TEST(attack_image, mix_and_match_of_releases_is_refused) {
  auto w = attested();
  auto a = make_image(w->keys(), wire::APP, "1.1.0", 1);
  auto b = make_image(w->keys(), wire::APP, "1.2.0", 1);
  w->cloud().tamper_reply = [&](wire::Envelope& reply) {
    if (reply.has_chunk()) reply.mutable_chunk()->set_data(b.chunks[reply.chunk().index()]);
  };
  w->publish(a);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::chunk_digest_mismatch), 0u);
  EXPECT_FALSE(ran(*w, a.image_digest));
  EXPECT_FALSE(ran(*w, b.image_digest));

  auto m = attested();
  auto spliced = a;
  wire::Manifest manifest = a.manifest;
  manifest.set_image_digest(crypto::to_string(b.image_digest));
  spliced.signed_manifest.set_manifest(wire::serialize(manifest));  // signature is a's
  m->publish(spliced);
  run_a_day(*m);
  EXPECT_GT(rejected(*m, reject_reason::bad_signature), 0u);
  EXPECT_EQ(m->firmware().stats().chunks_downloaded, 0u);
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
  spec.expires_at_us = w->cloud().wall_time_us(w->now()) - 1;  // expired a moment ago
  auto stale = make_image(w->keys(), spec, 32 * 1024);
  w->publish(stale);
  run_a_day(*w);
  EXPECT_GT(rejected(*w, reject_reason::manifest_expired), 0u);
  EXPECT_FALSE(ran(*w, stale.image_digest));

  auto n = attested();
  n->publish(make_image(n->keys(), wire::APP, "1.2.0", 1));
  run_a_day(*n);
  ASSERT_EQ(n->firmware().running_version(component::app), (wire::version{1, 2, 0}));
  auto older = make_image(n->keys(), wire::APP, "1.1.5", 1);
  n->cloud().unpublish(make_image(n->keys(), wire::APP, "1.2.0", 1).image_digest);
  n->cloud().tamper_reply = [&](wire::Envelope& reply) {
    if (reply.has_update_offer()) *reply.mutable_update_offer()->add_manifests() = older.signed_manifest;
  };
  n->publish(older);
  run_a_day(*n);
  EXPECT_GT(rejected(*n, reject_reason::not_newer), 0u);
  EXPECT_FALSE(ran(*n, older.image_digest));
}

// Endless data: a chunk longer than the signed size allows.
TEST(attack_image, endless_data_is_bounded_by_the_signed_size) {
  auto w = attested();
  auto app = make_image(w->keys(), wire::APP, "1.1.0", 1);
  w->cloud().tamper_reply = [](wire::Envelope& reply) {
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
