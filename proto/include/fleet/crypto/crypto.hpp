#pragma once
// Cryptographic primitives used on both sides of the wire, each one counted.
//
// Ed25519 (libsodium) for signatures: deterministic, so runs replay.
// SHA-256 (OpenSSL, SHA-NI) for bulk hashing of images and chunks.
// X25519 + keyed BLAKE2b (libsodium) for session keys and message MACs.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fleet::crypto {

using digest = std::array<std::uint8_t, 32>;      ///< SHA-256 output
using public_key = std::array<std::uint8_t, 32>;  ///< Ed25519 or X25519 public key
using secret_key = std::array<std::uint8_t, 64>;  ///< Ed25519 secret key (seed + public key)
using seed = std::array<std::uint8_t, 32>;        ///< Ed25519 key seed, X25519 secret
using signature = std::array<std::uint8_t, 64>;   ///< Ed25519 signature
using mac = std::array<std::uint8_t, 32>;         ///< keyed BLAKE2b-256
using device_id = std::array<std::uint8_t, 64>;   ///< SHA-512 of a device public key

struct signing_key_pair {
  public_key public_key_bytes{};
  secret_key secret_key_bytes{};
};

struct exchange_key_pair {
  public_key public_key_bytes{};
  seed secret_key_bytes{};
};

/// Views a fixed-size byte array as bytes, for APIs that take std::string_view.
template <std::size_t N>
std::string_view as_view(const std::array<std::uint8_t, N>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), N};
}

/// Copies exactly N bytes into an array; false when the size differs.
template <std::size_t N>
bool to_array(std::string_view bytes, std::array<std::uint8_t, N>& out) {
  if (bytes.size() != N) return false;
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
  return true;
}

template <std::size_t N>
std::string to_string(const std::array<std::uint8_t, N>& bytes) {
  return std::string(as_view(bytes));
}

/// Lowercase hex of any bytes.
std::string to_hex(std::string_view bytes);

/// Parses hex (either case) into `size` bytes; false unless `hex` is exactly
/// 2 * size hex digits.
bool from_hex(std::string_view hex, std::uint8_t* out, std::size_t size);

template <std::size_t N>
bool from_hex(std::string_view hex, std::array<std::uint8_t, N>& out) {
  return from_hex(hex, out.data(), N);
}

signing_key_pair signing_key_from_seed(const seed& s);
signature sign(std::string_view message, const secret_key& key);
bool verify(std::string_view message, std::string_view signature_bytes, const public_key& key);

digest sha256(std::string_view data);

/// Incremental SHA-256 for images read chunk by chunk.
class sha256_stream {
 public:
  sha256_stream();
  ~sha256_stream();
  sha256_stream(const sha256_stream&) = delete;
  sha256_stream& operator=(const sha256_stream&) = delete;
  void update(std::string_view data);
  digest finish();

 private:
  void* ctx_;  // EVP_MD_CTX, opaque to keep OpenSSL headers out
};

/// Device ID: SHA-512 of the device public key (128 hex characters shown).
device_id derive_device_id(const public_key& device_public_key);

exchange_key_pair exchange_key_from_secret(const seed& secret);
/// X25519 of one side's secret and the other's share; false on a low-order point.
bool exchange_shared_secret(const seed& own_secret, const public_key& peer_public, seed& shared);
/// One session's key: the shared secret hashed with both shares and the
/// session ID, so sessions that reuse a shared secret still get keys of their own.
seed session_key_from(const seed& shared, const public_key& device_share, const public_key& service_share,
                      std::uint64_t session_id);
/// Both steps at once, for a side that keeps nothing between sessions.
bool derive_session_key(const seed& own_secret, const public_key& own_public,
                        const public_key& peer_public, bool own_is_device, std::uint64_t session_id,
                        seed& session_key);

/// Keyed BLAKE2b-256 over `message`.
mac compute_mac(std::string_view message, const seed& key);
/// Constant-time comparison of a received MAC with the expected one.
bool verify_mac(std::string_view message, std::string_view mac_bytes, const seed& key);

/// Unkeyed BLAKE2b-256, for deriving seeds (not for images).
digest blake2b(std::string_view data);

/// Every crypto operation this process has performed, summed over threads.
struct op_counts {
  std::uint64_t signs = 0;
  std::uint64_t verifies = 0;
  std::uint64_t key_exchanges = 0;  ///< X25519 scalar multiplications
  std::uint64_t macs = 0;           ///< keyed BLAKE2b computations
  std::uint64_t hash_calls = 0;     ///< SHA-256 / SHA-512 / BLAKE2b finishes
  std::uint64_t hashed_bytes = 0;   ///< bytes through SHA-256, SHA-512 and BLAKE2b
  /// Of hashed_bytes, those through BLAKE2b (MACs, key and seed
  /// derivation): in software they cost about three times SHA-256's byte,
  /// which the CPU does in hardware.
  std::uint64_t blake2b_bytes = 0;
};

op_counts counted_ops();
/// Difference of two snapshots: what happened between them.
op_counts operator-(const op_counts& later, const op_counts& earlier);
/// Sum of two tallies.
op_counts& operator+=(op_counts& total, const op_counts& more);

}  // namespace fleet::crypto
