#include "fleet/testing/test_cloud.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::testing {
namespace {

using namespace std::chrono_literals;

constexpr fw::sim_time t0 = std::chrono::hours(1);

/// Plays the device side of the protocol by hand, as the firmware core does.
struct hand_device {
  explicit hand_device(std::uint64_t seed) : stream(seed, 7, "hand-device") {
    key = crypto::signing_key_from_seed(stream.next_seed());
    id = crypto::derive_device_id(key.public_key_bytes);
  }

  wire::Envelope envelope() {
    wire::Envelope e;
    e.set_device_id(crypto::to_string(id));
    e.set_sequence(++sequence);
    return e;
  }

  /// A MAC'd request in the current session; `fill` sets the body.
  template <typename Fill>
  wire::Envelope session_request(Fill fill) {
    wire::Envelope e = envelope();
    e.set_session_id(session_id);
    fill(e);
    e.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(e), session_key)));
    return e;
  }

  crypto::random_stream stream;
  crypto::signing_key_pair key;
  crypto::device_id id{};
  std::uint64_t sequence = 0;
  crypto::exchange_key_pair exchange;
  std::uint64_t session_id = 0;
  crypto::seed session_key{};
};

wire::Evidence evidence_for(hand_device& dev, const std::string& nonce,
                            const std::vector<wire::built_image>& booted,
                            const std::string& product = default_product) {
  dev.exchange = crypto::exchange_key_from_secret(dev.stream.next_seed());
  wire::Evidence ev;
  ev.set_nonce(nonce);
  ev.set_device_public_key(crypto::to_string(dev.key.public_key_bytes));
  ev.set_product(product);
  ev.set_hardware_revision(default_hardware_revision);
  std::vector<crypto::digest> digests;
  for (const auto& image : booted) {
    auto* stage = ev.add_boot();
    stage->set_component(image.manifest.component());
    stage->set_version(image.manifest.version());
    stage->set_manifest_digest(crypto::to_string(image.manifest_digest));
    digests.push_back(image.manifest_digest);
    ev.add_rollback_counters(image.manifest.security_version());
  }
  ev.set_measurement_register(crypto::to_string(measurement_chain(digests)));
  ev.set_session_public_key(crypto::to_string(dev.exchange.public_key_bytes));
  ev.set_device_time_us(default_epoch_us);
  return ev;
}

wire::Envelope evidence_envelope(hand_device& dev, const wire::Evidence& ev,
                                 const crypto::secret_key& signer) {
  wire::Envelope e = dev.envelope();
  auto* se = e.mutable_evidence();
  se->set_evidence(wire::serialize(ev));
  se->set_signature(crypto::to_string(crypto::sign(se->evidence(), signer)));
  return e;
}

class support_cloud : public ::testing::Test {
 protected:
  support_cloud() : cloud(keys), factory(factory_images(keys)), device(42) {
    for (const auto& image : factory) cloud.add_known_good(image);
    cloud.register_device(device.key.public_key_bytes);
  }

  /// Exactly one reply, parsed; echoes device ID and sequence.
  wire::Envelope exchange(fw::sim_time now, const wire::Envelope& request) {
    auto replies = cloud.handle(now, wire::serialize(request));
    EXPECT_EQ(replies.size(), 1u);
    wire::Envelope reply;
    if (replies.size() != 1) return reply;
    EXPECT_TRUE(reply.ParseFromString(replies[0]));
    EXPECT_EQ(reply.device_id(), request.device_id());
    EXPECT_EQ(reply.sequence(), request.sequence());
    return reply;
  }

  std::string challenge(fw::sim_time now, hand_device& dev) {
    wire::Envelope request = dev.envelope();
    request.mutable_challenge_request();
    wire::Envelope reply = exchange(now, request);
    EXPECT_EQ(reply.body_case(), wire::Envelope::kChallenge);
    EXPECT_EQ(reply.challenge().nonce().size(), wire::nonce_bytes);
    return reply.challenge().nonce();
  }

  /// Full attestation; on success the device holds the session.
  wire::Envelope attest(fw::sim_time now, hand_device& dev) {
    std::string nonce = challenge(now, dev);
    wire::Envelope reply = exchange(
        now, evidence_envelope(dev, evidence_for(dev, nonce, factory), dev.key.secret_key_bytes));
    if (reply.has_certificate_issued()) {
      const auto& issued = reply.certificate_issued();
      crypto::public_key cloud_half{};
      EXPECT_TRUE(crypto::to_array(issued.session_public_key(), cloud_half));
      EXPECT_TRUE(crypto::derive_session_key(dev.exchange.secret_key_bytes,
                                             dev.exchange.public_key_bytes, cloud_half,
                                             /*own_is_device=*/true, dev.session_key));
      dev.session_id = issued.session_id();
    }
    return reply;
  }

  wire::Envelope update_check(fw::sim_time now, hand_device& dev,
                              const std::vector<wire::built_image>& installed) {
    return exchange(now, dev.session_request([&](wire::Envelope& e) {
      auto* check = e.mutable_update_check();
      check->set_product(default_product);
      check->set_hardware_revision(default_hardware_revision);
      for (const auto& image : installed) {
        auto* i = check->add_installed();
        i->set_component(image.manifest.component());
        i->set_version(image.manifest.version());
        i->set_security_version(image.manifest.security_version());
        i->set_image_digest(crypto::to_string(image.image_digest));
      }
    }));
  }

  test_keys keys{1};
  test_cloud cloud;
  std::vector<wire::built_image> factory;
  hand_device device;
};

void expect_error(const wire::Envelope& reply, wire::ErrorCode code, const char* detail) {
  ASSERT_EQ(reply.body_case(), wire::Envelope::kError);
  EXPECT_EQ(reply.error().code(), code);
  EXPECT_EQ(reply.error().detail(), detail);
}

// ------------------------------------------------------------------ keys, images

TEST(support_keys, same_seed_same_keys_and_distinct_roles) {
  test_keys a(1), b(1), c(2);
  EXPECT_EQ(a.service_root.public_key_bytes, b.service_root.public_key_bytes);
  EXPECT_NE(a.service_root.public_key_bytes, c.service_root.public_key_bytes);
  EXPECT_NE(a.ca(1).public_key_bytes, a.ca(2).public_key_bytes);
  EXPECT_NE(a.image_key(1).public_key_bytes, a.image_key(2).public_key_bytes);
  EXPECT_NE(a.ca(1).public_key_bytes, a.image_key(1).public_key_bytes);
}

TEST(support_keys, device_config_trusts_image_key_one_unless_told) {
  test_keys keys(1);
  fw::config cfg = keys.make_device_config("thermostat", "rev-b");
  EXPECT_EQ(cfg.rom_keys.service_root_key, keys.service_root.public_key_bytes);
  ASSERT_EQ(cfg.rom_keys.image_signing_keys.size(), 1u);
  EXPECT_EQ(cfg.rom_keys.image_signing_keys[0].id, 1u);
  EXPECT_EQ(cfg.rom_keys.image_signing_keys[0].key, keys.image_key(1).public_key_bytes);
  EXPECT_EQ(cfg.product, "thermostat");
  EXPECT_EQ(cfg.hardware_revision, "rev-b");

  fw::config both = keys.make_device_config("thermostat", "rev-b", {1, 2});
  ASSERT_EQ(both.rom_keys.image_signing_keys.size(), 2u);
  EXPECT_EQ(both.rom_keys.image_signing_keys[1].key, keys.image_key(2).public_key_bytes);
}

TEST(support_images, factory_images_are_the_boot_chain_signed_by_key_one) {
  test_keys keys(1);
  auto images = factory_images(keys);
  ASSERT_EQ(images.size(), 4u);
  const wire::Component order[] = {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::APP};
  const std::uint64_t sizes[] = {16 * 1024, 16 * 1024, 64 * 1024, 32 * 1024};
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto& image = images[i];
    EXPECT_EQ(image.manifest.component(), order[i]);
    EXPECT_EQ(image.manifest.size_bytes(), sizes[i]);
    EXPECT_EQ(image.manifest.chunk_size_bytes(), test_chunk_bytes);
    EXPECT_EQ(image.manifest.product(), default_product);
    EXPECT_GT(image.manifest.expires_at_us(), default_epoch_us);
    EXPECT_TRUE(crypto::verify(image.signed_manifest.manifest(), image.signed_manifest.signature(),
                               keys.image_key(1).public_key_bytes));
    EXPECT_FALSE(crypto::verify(image.signed_manifest.manifest(), image.signed_manifest.signature(),
                                keys.image_key(2).public_key_bytes));
    EXPECT_EQ(crypto::sha256(image_content(image)), image.image_digest);
  }
  auto by_key_two = make_image(keys, wire::APP, "1.1.0", 2, 8192, 2);
  EXPECT_EQ(by_key_two.manifest.signing_key_id(), 2u);
  EXPECT_EQ(by_key_two.manifest.security_version(), 2u);
  EXPECT_EQ(by_key_two.chunks.size(), 2u);
  EXPECT_TRUE(crypto::verify(by_key_two.signed_manifest.manifest(),
                             by_key_two.signed_manifest.signature(),
                             keys.image_key(2).public_key_bytes));
}

TEST(support_measurement, chain_extends_from_zero) {
  crypto::digest a = crypto::sha256("a"), b = crypto::sha256("b");
  EXPECT_EQ(measurement_chain({}), crypto::digest{});
  std::string first(32, '\0');
  first += crypto::as_view(a);
  EXPECT_EQ(measurement_chain({a}), crypto::sha256(first));
  EXPECT_EQ(measurement_chain({a, b}), extend_measurement(crypto::sha256(first), b));
  EXPECT_NE(measurement_chain({a, b}), measurement_chain({b, a}));
}

// --------------------------------------------------------------- attestation

TEST_F(support_cloud, attestation_issues_certificate_under_ca_and_ca_under_root) {
  wire::Envelope reply = attest(t0, device);
  ASSERT_EQ(reply.body_case(), wire::Envelope::kCertificateIssued);
  const auto& issued = reply.certificate_issued();

  EXPECT_TRUE(crypto::verify(issued.certificate().certificate(), issued.certificate().signature(),
                             keys.ca(1).public_key_bytes));
  EXPECT_FALSE(crypto::verify(issued.certificate().certificate(), issued.certificate().signature(),
                              keys.ca(2).public_key_bytes));
  EXPECT_TRUE(crypto::verify(issued.issuer().ca_certificate(), issued.issuer().signature(),
                             keys.service_root.public_key_bytes));

  wire::Certificate cert;
  ASSERT_TRUE(cert.ParseFromString(issued.certificate().certificate()));
  EXPECT_EQ(cert.device_id(), crypto::to_string(device.id));
  EXPECT_EQ(cert.device_public_key(), crypto::to_string(device.key.public_key_bytes));
  EXPECT_EQ(cert.issuer_ca_id(), 1u);
  EXPECT_EQ(cert.not_before_us(), default_epoch_us + t0.count());
  EXPECT_EQ(cert.not_after_us() - cert.not_before_us(), std::int64_t{24} * 3600 * 1000000);
  EXPECT_EQ(cert.tenant(), "contoso");

  wire::CaCertificate ca;
  ASSERT_TRUE(ca.ParseFromString(issued.issuer().ca_certificate()));
  EXPECT_EQ(ca.ca_id(), 1u);
  EXPECT_EQ(ca.public_key(), crypto::to_string(keys.ca(1).public_key_bytes));
  EXPECT_LE(ca.not_before_us(), cert.not_before_us());
  EXPECT_GE(ca.not_after_us(), cert.not_after_us());

  EXPECT_NE(issued.session_id(), 0u);
  EXPECT_EQ(cloud.counters().attestations_ok, 1u);
  EXPECT_EQ(cloud.counters().certificates_issued, 1u);
  const device_record* rec = cloud.device(device.id);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->certificates_issued, 1u);
  ASSERT_TRUE(rec->last_evidence.has_value());
  EXPECT_EQ(rec->last_evidence->boot_size(), 4);
}

TEST_F(support_cloud, active_ca_signs_after_rotation) {
  cloud.set_active_ca(2);
  wire::Envelope reply = attest(t0, device);
  ASSERT_TRUE(reply.has_certificate_issued());
  const auto& issued = reply.certificate_issued();
  EXPECT_TRUE(crypto::verify(issued.certificate().certificate(), issued.certificate().signature(),
                             keys.ca(2).public_key_bytes));
  EXPECT_FALSE(crypto::verify(issued.certificate().certificate(), issued.certificate().signature(),
                              keys.ca(1).public_key_bytes));
  wire::CaCertificate ca;
  ASSERT_TRUE(ca.ParseFromString(issued.issuer().ca_certificate()));
  EXPECT_EQ(ca.ca_id(), 2u);
  EXPECT_EQ(ca.public_key(), crypto::to_string(keys.ca(2).public_key_bytes));
}

TEST_F(support_cloud, certificate_lifetime_is_settable) {
  cloud.set_certificate_lifetime(1h);
  wire::Envelope reply = attest(t0, device);
  ASSERT_TRUE(reply.has_certificate_issued());
  wire::Certificate cert;
  ASSERT_TRUE(cert.ParseFromString(reply.certificate_issued().certificate().certificate()));
  EXPECT_EQ(cert.not_after_us() - cert.not_before_us(), std::int64_t{3600} * 1000000);
}

TEST_F(support_cloud, replayed_nonce_is_refused) {
  std::string nonce = challenge(t0, device);
  wire::Evidence ev = evidence_for(device, nonce, factory);
  wire::Envelope first = exchange(t0, evidence_envelope(device, ev, device.key.secret_key_bytes));
  ASSERT_TRUE(first.has_certificate_issued());

  wire::Envelope again =
      exchange(t0 + 1s, evidence_envelope(device, ev, device.key.secret_key_bytes));
  expect_error(again, wire::ERROR_ATTESTATION_FAILED, "nonce_reused");
  EXPECT_EQ(cloud.counters().rejected(attestation_failure::nonce_reused), 1u);
  EXPECT_EQ(cloud.counters().certificates_issued, 1u);
}

TEST_F(support_cloud, nonce_expires_and_is_bound_to_its_device) {
  std::string nonce = challenge(t0, device);
  wire::Envelope late = exchange(
      t0 + 5min,
      evidence_envelope(device, evidence_for(device, nonce, factory), device.key.secret_key_bytes));
  expect_error(late, wire::ERROR_ATTESTATION_FAILED, "nonce_expired");

  hand_device other(43);
  cloud.register_device(other.key.public_key_bytes);
  std::string others_nonce = challenge(t0, other);
  wire::Envelope stolen =
      exchange(t0, evidence_envelope(device, evidence_for(device, others_nonce, factory),
                                     device.key.secret_key_bytes));
  expect_error(stolen, wire::ERROR_ATTESTATION_FAILED, "nonce_wrong_device");

  wire::Envelope made_up =
      exchange(t0, evidence_envelope(device, evidence_for(device, std::string(32, 'n'), factory),
                                     device.key.secret_key_bytes));
  expect_error(made_up, wire::ERROR_ATTESTATION_FAILED, "unknown_nonce");
  EXPECT_EQ(cloud.counters().attestations_rejected(), 3u);
}

TEST_F(support_cloud, wrong_signature_is_refused) {
  std::string nonce = challenge(t0, device);
  wire::Envelope request =
      evidence_envelope(device, evidence_for(device, nonce, factory), device.key.secret_key_bytes);
  std::string sig = request.evidence().signature();
  sig[0] = static_cast<char>(sig[0] ^ 1);
  request.mutable_evidence()->set_signature(sig);
  expect_error(exchange(t0, request), wire::ERROR_ATTESTATION_FAILED, "bad_signature");

  // Signed by another key, claiming the registered one.
  hand_device impostor(99);
  std::string nonce2 = challenge(t0, device);
  expect_error(exchange(t0, evidence_envelope(device, evidence_for(device, nonce2, factory),
                                              impostor.key.secret_key_bytes)),
               wire::ERROR_ATTESTATION_FAILED, "bad_signature");
  EXPECT_EQ(cloud.counters().rejected(attestation_failure::bad_signature), 2u);
  EXPECT_EQ(cloud.counters().certificates_issued, 0u);
}

TEST_F(support_cloud, unregistered_or_mismatched_keys_are_refused) {
  hand_device stranger(77);  // never registered
  std::string nonce = challenge(t0, stranger);
  expect_error(exchange(t0, evidence_envelope(stranger, evidence_for(stranger, nonce, factory),
                                              stranger.key.secret_key_bytes)),
               wire::ERROR_ATTESTATION_FAILED, "unknown_device");

  // The stranger claims the registered device's ID with its own key.
  std::string nonce2 = challenge(t0, device);
  wire::Envelope claim = evidence_envelope(device, evidence_for(stranger, nonce2, factory),
                                           stranger.key.secret_key_bytes);
  expect_error(exchange(t0, claim), wire::ERROR_ATTESTATION_FAILED, "device_id_mismatch");
}

TEST_F(support_cloud, unknown_measurement_is_refused) {
  auto tampered = factory;
  tampered[3] = make_image(keys, wire::APP, "1.0.0", 1, 4096);  // not known good: other content
  std::string nonce = challenge(t0, device);
  expect_error(exchange(t0, evidence_envelope(device, evidence_for(device, nonce, tampered),
                                              device.key.secret_key_bytes)),
               wire::ERROR_ATTESTATION_FAILED, "unknown_measurement");
  EXPECT_EQ(cloud.counters().rejected(attestation_failure::unknown_measurement), 1u);

  // Publishing makes it known good.
  cloud.publish(tampered[3]);
  std::string nonce2 = challenge(t0, device);
  EXPECT_TRUE(exchange(t0, evidence_envelope(device, evidence_for(device, nonce2, tampered),
                                             device.key.secret_key_bytes))
                  .has_certificate_issued());
}

TEST_F(support_cloud, register_that_is_not_the_chain_is_refused) {
  std::string nonce = challenge(t0, device);
  wire::Evidence ev = evidence_for(device, nonce, factory);
  ev.set_measurement_register(std::string(32, '\0'));
  expect_error(exchange(t0, evidence_envelope(device, ev, device.key.secret_key_bytes)),
               wire::ERROR_ATTESTATION_FAILED, "measurement_mismatch");

  // The OS is required; the app is not (an OS without an app still attests).
  std::string nonce2 = challenge(t0, device);
  std::vector<wire::built_image> no_os = {factory[0], factory[1], factory[3]};
  expect_error(exchange(t0, evidence_envelope(device, evidence_for(device, nonce2, no_os),
                                              device.key.secret_key_bytes)),
               wire::ERROR_ATTESTATION_FAILED, "incomplete_boot_chain");
  std::string nonce3 = challenge(t0, device);
  std::vector<wire::built_image> no_app(factory.begin(), factory.end() - 1);
  EXPECT_TRUE(exchange(t0, evidence_envelope(device, evidence_for(device, nonce3, no_app),
                                             device.key.secret_key_bytes))
                  .has_certificate_issued());
}

TEST_F(support_cloud, other_product_is_refused) {
  std::string nonce = challenge(t0, device);
  expect_error(
      exchange(t0, evidence_envelope(device, evidence_for(device, nonce, factory, "toaster"),
                                     device.key.secret_key_bytes)),
      wire::ERROR_ATTESTATION_FAILED, "wrong_product");

  // Known-good images of another product do not vouch for this one.
  auto toaster = factory_images(keys, "toaster");
  for (const auto& image : toaster) cloud.add_known_good(image);
  std::string nonce2 = challenge(t0, device);
  expect_error(exchange(t0, evidence_envelope(device, evidence_for(device, nonce2, toaster),
                                              device.key.secret_key_bytes)),
               wire::ERROR_ATTESTATION_FAILED, "wrong_product");

  // A consistent toaster, but the device was registered as a thermostat.
  std::string nonce3 = challenge(t0, device);
  expect_error(
      exchange(t0, evidence_envelope(device, evidence_for(device, nonce3, toaster, "toaster"),
                                     device.key.secret_key_bytes)),
      wire::ERROR_ATTESTATION_FAILED, "wrong_product");
  EXPECT_EQ(cloud.counters().rejected(attestation_failure::wrong_product), 3u);
}

// ---------------------------------------------------------- session requests

TEST_F(support_cloud, update_check_gets_newest_published_offer) {
  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  wire::Envelope none = update_check(t0, device, factory);
  ASSERT_EQ(none.body_case(), wire::Envelope::kUpdateOffer);
  EXPECT_EQ(none.update_offer().manifests_size(), 0);

  auto app_11 = make_image(keys, wire::APP, "1.1.0");
  auto app_105 = make_image(keys, wire::APP, "1.0.5");
  auto os_same = factory[2];
  auto other_product = make_image(keys, wire::OS, "2.0.0", 1, 0, 1, "toaster");
  cloud.publish(app_105);
  cloud.publish(app_11);
  cloud.publish(os_same);
  cloud.publish(other_product);

  wire::Envelope offer = update_check(t0 + 1s, device, factory);
  ASSERT_EQ(offer.body_case(), wire::Envelope::kUpdateOffer);
  ASSERT_EQ(offer.update_offer().manifests_size(), 1);
  EXPECT_EQ(offer.update_offer().manifests(0).manifest(), app_11.signed_manifest.manifest());
  EXPECT_EQ(offer.update_offer().manifests(0).signature(), app_11.signed_manifest.signature());
  EXPECT_EQ(cloud.counters().offers_made, 1u);

  cloud.unpublish(app_11.image_digest);
  wire::Envelope after = update_check(t0 + 2s, device, factory);
  ASSERT_EQ(after.update_offer().manifests_size(), 1);
  EXPECT_EQ(after.update_offer().manifests(0).manifest(), app_105.signed_manifest.manifest());
}

TEST_F(support_cloud, bad_mac_and_repeated_sequence_are_unauthenticated) {
  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  wire::Envelope good = device.session_request(
      [](wire::Envelope& e) { e.mutable_update_check()->set_product(default_product); });
  ASSERT_EQ(exchange(t0, good).body_case(), wire::Envelope::kUpdateOffer);

  // Same request again: authentic but not new.
  expect_error(exchange(t0, good), wire::ERROR_UNAUTHENTICATED, "replay");
  EXPECT_EQ(cloud.counters().replays(), 1u);

  wire::Envelope forged = device.session_request(
      [](wire::Envelope& e) { e.mutable_update_check()->set_product(default_product); });
  forged.mutable_update_check()->set_product("toaster");  // changed after the MAC
  expect_error(exchange(t0, forged), wire::ERROR_UNAUTHENTICATED, "bad_mac");
  EXPECT_EQ(cloud.counters().mac_failures(), 1u);

  // A lower sequence with a valid MAC is still a replay.
  device.sequence = 1;
  wire::Envelope old = device.session_request(
      [](wire::Envelope& e) { e.mutable_update_check()->set_product(default_product); });
  expect_error(exchange(t0, old), wire::ERROR_UNAUTHENTICATED, "replay");
  EXPECT_EQ(cloud.counters().replays(), 2u);
}

TEST_F(support_cloud, sessions_are_required_bound_to_the_device_and_expire) {
  wire::Envelope before =
      device.session_request([](wire::Envelope& e) { e.mutable_update_check(); });
  expect_error(exchange(t0, before), wire::ERROR_UNAUTHENTICATED, "no_session");

  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  hand_device other(43);
  cloud.register_device(other.key.public_key_bytes);
  ASSERT_TRUE(attest(t0, other).has_certificate_issued());

  // `other` MACs a request in `device`'s name with its own session.
  wire::Envelope borrowed = other.session_request([&](wire::Envelope& e) {
    e.set_device_id(crypto::to_string(device.id));
    e.mutable_update_check();
  });
  expect_error(exchange(t0, borrowed), wire::ERROR_UNAUTHENTICATED, "wrong_device");

  wire::Envelope late = device.session_request([](wire::Envelope& e) { e.mutable_update_check(); });
  expect_error(exchange(t0 + 24h, late), wire::ERROR_UNAUTHENTICATED, "session_expired");

  // Re-attesting replaces the session; the old one is gone.
  const std::uint64_t old_session = device.session_id;
  const crypto::seed old_key = device.session_key;
  ASSERT_TRUE(attest(t0 + 24h, device).has_certificate_issued());
  EXPECT_NE(device.session_id, old_session);
  device.session_id = old_session;
  device.session_key = old_key;
  wire::Envelope stale =
      device.session_request([](wire::Envelope& e) { e.mutable_update_check(); });
  expect_error(exchange(t0 + 24h, stale), wire::ERROR_UNAUTHENTICATED, "unknown_session");
}

TEST_F(support_cloud, chunk_requests_return_the_published_chunks) {
  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  auto app = make_image(keys, wire::APP, "1.1.0", 1, 3 * test_chunk_bytes + 100);
  cloud.publish(app);
  ASSERT_EQ(app.chunks.size(), 4u);

  std::string downloaded;
  for (std::uint32_t i = 0; i < app.chunks.size(); ++i) {
    wire::Envelope reply = exchange(t0, device.session_request([&](wire::Envelope& e) {
      e.mutable_chunk_request()->set_image_digest(crypto::to_string(app.image_digest));
      e.mutable_chunk_request()->set_index(i);
    }));
    ASSERT_EQ(reply.body_case(), wire::Envelope::kChunk);
    EXPECT_EQ(reply.chunk().index(), i);
    EXPECT_EQ(reply.chunk().image_digest(), crypto::to_string(app.image_digest));
    EXPECT_EQ(reply.chunk().data(), app.chunks[i]);
    downloaded += reply.chunk().data();
  }
  EXPECT_EQ(crypto::sha256(downloaded), app.image_digest);
  EXPECT_EQ(cloud.counters().chunks_served, 4u);

  wire::Envelope past_end = exchange(t0, device.session_request([&](wire::Envelope& e) {
    e.mutable_chunk_request()->set_image_digest(crypto::to_string(app.image_digest));
    e.mutable_chunk_request()->set_index(4);
  }));
  expect_error(past_end, wire::ERROR_NOT_FOUND, "no such chunk");
  wire::Envelope unknown = exchange(t0, device.session_request([&](wire::Envelope& e) {
    e.mutable_chunk_request()->set_image_digest(crypto::to_string(factory[0].image_digest));
  }));
  expect_error(unknown, wire::ERROR_NOT_FOUND, "unknown image");
}

TEST_F(support_cloud, telemetry_is_acked_and_stored_once) {
  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  auto batch = [&](std::uint64_t first, int count) {
    return device.session_request([&](wire::Envelope& e) {
      auto* t = e.mutable_telemetry();
      t->set_first_event_number(first);
      t->set_dropped_events(1);
      for (int i = 0; i < count; ++i) {
        auto* ev = t->add_events();
        ev->set_kind(wire::EVENT_APP_CRASH);
        ev->set_exit_status(static_cast<int>(first) + i);
      }
    });
  };
  wire::Envelope ack = exchange(t0, batch(0, 3));
  ASSERT_EQ(ack.body_case(), wire::Envelope::kTelemetryAck);
  EXPECT_EQ(ack.telemetry_ack().acked_through(), 3u);

  // Resent after a lost ack, plus two new events.
  wire::Envelope ack2 = exchange(t0 + 1s, batch(1, 4));
  EXPECT_EQ(ack2.telemetry_ack().acked_through(), 5u);

  const device_record* rec = cloud.device(device.id);
  ASSERT_NE(rec, nullptr);
  ASSERT_EQ(rec->events.size(), 5u);
  for (std::size_t i = 0; i < rec->events.size(); ++i) {
    EXPECT_EQ(rec->events[i].number, i);
    EXPECT_EQ(rec->events[i].event.exit_status(), static_cast<int>(i));
  }
  EXPECT_EQ(rec->dropped_events, 2u);
  EXPECT_EQ(rec->event_gaps, 0u);
  EXPECT_EQ(cloud.counters().telemetry_events, 5u);

  wire::Envelope too_many = batch(5, static_cast<int>(wire::telemetry_events_max) + 1);
  expect_error(exchange(t0, too_many), wire::ERROR_INVALID, "telemetry batch past limits");
}

TEST_F(support_cloud, update_results_are_acked_and_recorded) {
  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  wire::Envelope reply = exchange(t0, device.session_request([](wire::Envelope& e) {
    auto* r = e.mutable_update_result();
    r->set_component(wire::APP);
    r->set_version("1.1.0");
    r->set_outcome(wire::ROLLED_BACK);
    r->set_reason("health check failed");
  }));
  EXPECT_EQ(reply.body_case(), wire::Envelope::kAck);

  const device_record* rec = cloud.device(device.id);
  ASSERT_NE(rec, nullptr);
  ASSERT_EQ(rec->updates.size(), 1u);
  EXPECT_EQ(rec->updates[0].component, wire::APP);
  EXPECT_EQ(rec->updates[0].version, "1.1.0");
  EXPECT_EQ(rec->updates[0].outcome, wire::ROLLED_BACK);
  EXPECT_EQ(rec->updates[0].reason, "health check failed");
}

bool authentic_reply(const hand_device& dev, const wire::Envelope& reply) {
  return reply.session_id() == dev.session_id &&
         crypto::verify_mac(wire::mac_input(reply), reply.mac(), dev.session_key);
}

TEST_F(support_cloud, session_replies_carry_the_session_mac) {
  ASSERT_TRUE(attest(t0, device).has_certificate_issued());
  wire::Envelope offer = update_check(t0, device, factory);
  ASSERT_EQ(offer.body_case(), wire::Envelope::kUpdateOffer);
  EXPECT_TRUE(authentic_reply(device, offer));

  // Errors inside an authenticated session are MAC'd too.
  wire::Envelope not_found = exchange(t0, device.session_request([](wire::Envelope& e) {
    e.mutable_chunk_request()->set_image_digest(std::string(32, 'x'));
  }));
  EXPECT_EQ(not_found.error().code(), wire::ERROR_NOT_FOUND);
  EXPECT_TRUE(authentic_reply(device, not_found));

  // Without an authenticated request there is nothing to MAC with.
  wire::Envelope forged =
      device.session_request([](wire::Envelope& e) { e.mutable_update_check(); });
  forged.set_mac(std::string(32, '\0'));
  wire::Envelope refused = exchange(t0, forged);
  EXPECT_EQ(refused.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(refused.session_id(), 0u);
  EXPECT_TRUE(refused.mac().empty());

  // A compromised service edits before the MAC; an attacker on the link after it.
  cloud.tamper_reply = [](wire::Envelope& reply) { reply.mutable_update_offer()->add_manifests(); };
  wire::Envelope edited = update_check(t0, device, factory);
  EXPECT_EQ(edited.update_offer().manifests_size(), 1);
  EXPECT_TRUE(authentic_reply(device, edited));
  cloud.tamper_reply = nullptr;
  cloud.tamper_bytes = [](std::string& bytes) {
    wire::Envelope e;
    ASSERT_TRUE(e.ParseFromString(bytes));
    e.mutable_update_offer()->add_manifests();
    bytes = wire::serialize(e);
  };
  auto on_link = cloud.handle(
      t0,
      wire::serialize(device.session_request([](wire::Envelope& e) { e.mutable_update_check(); })));
  ASSERT_EQ(on_link.size(), 1u);
  wire::Envelope edited_on_link;
  ASSERT_TRUE(edited_on_link.ParseFromString(on_link[0]));
  EXPECT_FALSE(authentic_reply(device, edited_on_link));
}

// ------------------------------------------------- malformed input, hooks

TEST_F(support_cloud, unreadable_or_cloud_side_envelopes) {
  EXPECT_TRUE(cloud.handle(t0, "\xff\xff\xff garbage").empty());
  wire::Envelope short_id;
  short_id.set_device_id("short");
  short_id.mutable_challenge_request();
  EXPECT_TRUE(cloud.handle(t0, wire::serialize(short_id)).empty());
  EXPECT_EQ(cloud.counters().ignored, 2u);

  wire::Envelope wrong_way = device.envelope();
  wrong_way.mutable_challenge()->set_nonce("x");
  expect_error(exchange(t0, wrong_way), wire::ERROR_INVALID, "not a device request");

  wire::Envelope huge = device.envelope();
  huge.mutable_telemetry()->add_events()->set_data(std::string(wire::envelope_bytes_max, 'x'));
  expect_error(exchange(t0, huge), wire::ERROR_INVALID, "envelope too large");
  EXPECT_EQ(cloud.counters().invalid, 2u);
}

TEST_F(support_cloud, offline_drop_and_tamper_hooks) {
  wire::Envelope request = device.envelope();
  request.mutable_challenge_request();

  cloud.offline = true;
  EXPECT_TRUE(cloud.handle(t0, wire::serialize(request)).empty());
  EXPECT_EQ(cloud.counters().challenges_issued, 0u);
  cloud.offline = false;

  cloud.drop_replies = true;
  EXPECT_TRUE(cloud.handle(t0, wire::serialize(request)).empty());
  EXPECT_EQ(cloud.counters().challenges_issued, 1u);
  EXPECT_EQ(cloud.counters().replies_dropped, 1u);
  cloud.drop_replies = false;

  cloud.tamper_reply = [](wire::Envelope& reply) { reply.mutable_challenge()->set_nonce("evil"); };
  EXPECT_EQ(exchange(t0, request).challenge().nonce(), "evil");
}

TEST(support_cloud_run, same_seed_same_replies) {
  test_keys keys(1);
  auto run = [&](std::uint64_t seed) {
    cloud_options options;
    options.seed = seed;
    test_cloud cloud(keys, options);
    hand_device device(5);
    for (const auto& image : factory_images(keys)) cloud.add_known_good(image);
    cloud.register_device(device.key.public_key_bytes);
    wire::Envelope request = device.envelope();
    request.mutable_challenge_request();
    auto challenge = cloud.handle(t0, wire::serialize(request));
    wire::Envelope reply;
    EXPECT_TRUE(reply.ParseFromString(challenge.at(0)));
    wire::Evidence ev = evidence_for(device, reply.challenge().nonce(), factory_images(keys));
    auto issued = cloud.handle(
        t0, wire::serialize(evidence_envelope(device, ev, device.key.secret_key_bytes)));
    return challenge.at(0) + issued.at(0);
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(support_cloud_run, wall_time_starts_at_the_epoch) {
  test_keys keys(1);
  EXPECT_EQ(test_cloud(keys).wall_time_us(fw::sim_time{0}), default_epoch_us);
  EXPECT_EQ(test_cloud(keys, std::int64_t{1000}).wall_time_us(std::chrono::seconds(1)), 1001000);
}

}  // namespace
}  // namespace fleet::testing
