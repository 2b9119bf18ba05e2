#include "fleet/crypto/crypto.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace fleet::crypto {
namespace {

seed seed_of(std::uint8_t v) {
  seed s{};
  s.fill(v);
  return s;
}

TEST(crypto, signature_verifies_only_the_signed_message_and_key) {
  auto kp = signing_key_from_seed(seed_of(1));
  auto other = signing_key_from_seed(seed_of(2));
  auto sig = sign("hello", kp.secret_key_bytes);
  EXPECT_TRUE(verify("hello", as_view(sig), kp.public_key_bytes));
  EXPECT_FALSE(verify("hellp", as_view(sig), kp.public_key_bytes));
  EXPECT_FALSE(verify("hello", as_view(sig), other.public_key_bytes));
  EXPECT_FALSE(verify("hello", as_view(sig).substr(1), kp.public_key_bytes));
}

TEST(crypto, signatures_are_deterministic) {
  auto kp = signing_key_from_seed(seed_of(3));
  EXPECT_EQ(sign("m", kp.secret_key_bytes), sign("m", kp.secret_key_bytes));
}

TEST(crypto, sha256_one_shot_is_right_every_call_and_on_every_thread) {
  // The one-shot hash reuses a context a thread: a reuse that kept state, or
  // a thread that shared another's context, would change these.
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  const std::string empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  EXPECT_EQ(to_hex(as_view(sha256("abc"))), abc);
  EXPECT_EQ(to_hex(as_view(sha256(""))), empty);
  EXPECT_EQ(to_hex(as_view(sha256("abc"))), abc);
  std::string on_another_thread;
  std::thread([&] { on_another_thread = to_hex(as_view(sha256("abc"))); }).join();
  EXPECT_EQ(on_another_thread, abc);
}

TEST(crypto, counted_ops_sum_every_thread_live_or_ended) {
  const op_counts before = counted_ops();
  std::vector<std::thread> ended;
  for (int t = 0; t < 3; ++t) {
    ended.emplace_back([] {
      for (int i = 0; i < 5; ++i) sha256("0123456789");
    });
  }
  for (std::thread& t : ended) t.join();
  std::promise<void> hashed, may_end;
  std::thread live([&] {
    sha256("0123456789");
    hashed.set_value();
    may_end.get_future().wait();
  });
  hashed.get_future().wait();
  const op_counts while_live = counted_ops() - before;
  may_end.set_value();
  live.join();
  EXPECT_EQ(while_live.hash_calls, 16u);
  EXPECT_EQ(while_live.hashed_bytes, 160u);
  // A block handed back and taken again starts from nothing: no count twice.
  std::thread([] { sha256("0123456789"); }).join();
  EXPECT_EQ((counted_ops() - before).hash_calls, 17u);
}

TEST(crypto, sha256_matches_known_vector_and_stream) {
  EXPECT_EQ(to_hex(as_view(sha256("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256_stream s;
  s.update("a");
  s.update("bc");
  EXPECT_EQ(s.finish(), sha256("abc"));
}

TEST(crypto, device_id_is_128_hex_characters_of_the_public_key) {
  auto kp = signing_key_from_seed(seed_of(4));
  auto id = derive_device_id(kp.public_key_bytes);
  EXPECT_EQ(to_hex(as_view(id)).size(), 128u);
  EXPECT_NE(id, derive_device_id(signing_key_from_seed(seed_of(5)).public_key_bytes));
}

TEST(crypto, both_sides_derive_the_same_session_key) {
  auto device = exchange_key_from_secret(seed_of(6));
  auto service = exchange_key_from_secret(seed_of(7));
  seed k_device{}, k_service{};
  ASSERT_TRUE(derive_session_key(device.secret_key_bytes, device.public_key_bytes,
                                 service.public_key_bytes, true, 77, k_device));
  ASSERT_TRUE(derive_session_key(service.secret_key_bytes, service.public_key_bytes,
                                 device.public_key_bytes, false, 77, k_service));
  EXPECT_EQ(k_device, k_service);
  auto m = compute_mac("msg", k_device);
  EXPECT_TRUE(verify_mac("msg", as_view(m), k_service));
  EXPECT_FALSE(verify_mac("msh", as_view(m), k_service));
}

TEST(crypto, low_order_peer_key_is_refused) {
  auto device = exchange_key_from_secret(seed_of(8));
  public_key zero{};
  seed out{};
  EXPECT_FALSE(derive_session_key(device.secret_key_bytes, device.public_key_bytes, zero, true, 1, out));
}

TEST(crypto, sessions_sharing_a_secret_get_keys_of_their_own) {
  auto device = exchange_key_from_secret(seed_of(10));
  auto service = exchange_key_from_secret(seed_of(11));
  seed shared{};
  ASSERT_TRUE(exchange_shared_secret(device.secret_key_bytes, service.public_key_bytes, shared));
  const seed first = session_key_from(shared, device.public_key_bytes, service.public_key_bytes, 1);
  EXPECT_NE(first, session_key_from(shared, device.public_key_bytes, service.public_key_bytes, 2));
  EXPECT_NE(first, session_key_from(shared, service.public_key_bytes, device.public_key_bytes, 1));
  seed derived{};
  ASSERT_TRUE(derive_session_key(service.secret_key_bytes, service.public_key_bytes, device.public_key_bytes,
                                 false, 1, derived));
  EXPECT_EQ(first, derived);
}

TEST(crypto, operations_are_counted) {
  auto kp = signing_key_from_seed(seed_of(9));
  auto before = counted_ops();
  auto sig = sign("x", kp.secret_key_bytes);
  verify("x", as_view(sig), kp.public_key_bytes);
  sha256(std::string(100, 'a'));
  auto d = counted_ops() - before;
  EXPECT_EQ(d.signs, 1u);
  EXPECT_EQ(d.verifies, 1u);
  EXPECT_EQ(d.hashed_bytes, 100u);
  EXPECT_EQ(d.blake2b_bytes, 0u);
}

// The crypto floor costs BLAKE2b's bytes at BLAKE2b's rate: MACs and
// derivations count their bytes apart from SHA-256's.
TEST(crypto, bytes_through_blake2b_are_counted_apart) {
  const auto before = counted_ops();
  compute_mac(std::string(300, 'm'), seed_of(1));
  blake2b(std::string(40, 'b'));
  sha256(std::string(7, 's'));
  const auto d = counted_ops() - before;
  EXPECT_EQ(d.macs, 1u);
  EXPECT_EQ(d.hashed_bytes, 347u);
  EXPECT_EQ(d.blake2b_bytes, 340u);
  op_counts sum = d;
  sum += d;
  EXPECT_EQ(sum.blake2b_bytes, 680u);
  EXPECT_EQ(sum.hashed_bytes, 694u);
  EXPECT_EQ(sum.macs, 2u);
}

TEST(crypto, from_hex_reads_what_to_hex_writes_and_refuses_anything_else) {
  const digest d = sha256("abc");
  digest back{};
  ASSERT_TRUE(from_hex(to_hex(as_view(d)), back));
  EXPECT_EQ(back, d);
  std::string upper = to_hex(as_view(d));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_TRUE(from_hex(upper, back));
  EXPECT_EQ(back, d);
  EXPECT_FALSE(from_hex(to_hex(as_view(d)).substr(1), back));  // odd length
  EXPECT_FALSE(from_hex(to_hex(as_view(d)) + "00", back));      // too long
  std::string bad = to_hex(as_view(d));
  bad[10] = 'g';
  EXPECT_FALSE(from_hex(bad, back));
}

}  // namespace
}  // namespace fleet::crypto
