#include "fleet/device/sim_secure_element.hpp"

#include <gtest/gtest.h>

#include "fleet/crypto/random_stream.hpp"

namespace fleet::device {
namespace {

TEST(sim_secure_element, signatures_verify_with_the_device_public_key) {
  sim_secure_element se(42, 7);
  const auto before = crypto::counted_ops();
  const crypto::signature sig = se.sign("challenge nonce");
  EXPECT_EQ((crypto::counted_ops() - before).signs, 1u);
  EXPECT_TRUE(crypto::verify("challenge nonce", crypto::as_view(sig), se.device_public_key()));
  EXPECT_FALSE(crypto::verify("another nonce", crypto::as_view(sig), se.device_public_key()));
}

TEST(sim_secure_element, keys_come_from_the_device_key_stream) {
  const sim_secure_element a(42, 7);
  const sim_secure_element again(42, 7);
  const sim_secure_element other_device(42, 8);
  const sim_secure_element other_run(43, 7);
  EXPECT_EQ(a.device_public_key(), again.device_public_key());
  EXPECT_NE(a.device_public_key(), other_device.device_public_key());
  EXPECT_NE(a.device_public_key(), other_run.device_public_key());
  crypto::random_stream stream(42, 7, "device-key");
  EXPECT_EQ(a.device_public_key(), crypto::signing_key_from_seed(stream.next_seed()).public_key_bytes);
}

TEST(sim_secure_element, counters_never_go_down) {
  sim_secure_element se(1, 0);
  EXPECT_EQ(se.read_counter(fw::component::os), 0u);
  se.advance_counter(fw::component::os, 5);
  EXPECT_EQ(se.read_counter(fw::component::os), 5u);
  se.advance_counter(fw::component::os, 3);
  EXPECT_EQ(se.read_counter(fw::component::os), 5u);
  se.advance_counter(fw::component::os, 6);
  EXPECT_EQ(se.read_counter(fw::component::os), 6u);
  EXPECT_EQ(se.read_counter(fw::component::app), 0u);  // counters are per component
  se.advance_counter(fw::component::legacy_firmware, 2);
  EXPECT_EQ(se.read_counter(fw::component::legacy_firmware), 2u);
}

TEST(sim_secure_element, measurement_is_a_sha256_chain) {
  sim_secure_element se(1, 0);
  const crypto::digest stage1 = crypto::sha256("bootloader");
  const crypto::digest stage2 = crypto::sha256("security monitor");
  se.begin_measured_boot();
  EXPECT_EQ(se.measurement(), crypto::digest{});
  se.extend_measurement(stage1);
  se.extend_measurement(stage2);

  crypto::digest expected{};
  for (const auto* stage : {&stage1, &stage2})
    expected = crypto::sha256(crypto::to_string(expected) + crypto::to_string(*stage));
  EXPECT_EQ(se.measurement(), expected);

  se.begin_measured_boot();  // a reset starts the chain again
  EXPECT_EQ(se.measurement(), crypto::digest{});
}

TEST(sim_secure_element, random_bytes_come_from_the_trng_stream) {
  sim_secure_element a(9, 1);
  sim_secure_element b(9, 1);
  sim_secure_element c(9, 2);
  std::uint8_t x[40]{}, y[40]{}, z[40]{};
  a.random(x, sizeof x);
  b.random(y, sizeof y);
  c.random(z, sizeof z);
  EXPECT_TRUE(std::equal(std::begin(x), std::end(x), std::begin(y)));
  EXPECT_FALSE(std::equal(std::begin(x), std::end(x), std::begin(z)));
  crypto::random_stream trng(9, 1, "trng");
  std::uint8_t w[40]{};
  trng.fill(w, sizeof w);
  EXPECT_TRUE(std::equal(std::begin(x), std::end(x), std::begin(w)));
}

}  // namespace
}  // namespace fleet::device
