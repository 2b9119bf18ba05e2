#pragma once
// The crypto floor: what a run's counted crypto operations cost at unit
// costs measured in the same process, so the ratio CPU / floor says how much
// of a run is not crypto. Unit costs: Ed25519 sign and verify of 200 bytes,
// X25519 (a key pair from a secret), a keyed BLAKE2b MAC of 96 bytes, and
// per byte over 4 KiB, SHA-256 (OpenSSL, in hardware where the CPU has it)
// and BLAKE2b (libsodium, in software). A byte is costed at the rate of the
// hash it went through: BLAKE2b's for MACs and derivations (a MAC over a
// 16 KiB chunk is mostly bytes), SHA-256's for the rest (SHA-512 is costed
// as SHA-256: it only hashes 32-byte keys).

#include <cstdint>
#include <functional>
#include <string>

#include "common.hpp"
#include "fleet/crypto/crypto.hpp"

namespace fleet::bench {

struct crypto_unit_costs {
  double sign_us = 0, verify_us = 0, x25519_us = 0, mac_us = 0, sha256_ns_per_byte = 0, blake2b_ns_per_byte = 0;

  /// Microseconds the operations cost at these unit costs. A MAC's bytes
  /// are counted in its unit cost and again in the bytes (a small overcount).
  double floor_us(const crypto::op_counts& ops) const {
    const std::uint64_t sha256_bytes = ops.hashed_bytes - ops.blake2b_bytes;
    return static_cast<double>(ops.signs) * sign_us + static_cast<double>(ops.verifies) * verify_us +
           static_cast<double>(ops.key_exchanges) * x25519_us + static_cast<double>(ops.macs) * mac_us +
           (static_cast<double>(sha256_bytes) * sha256_ns_per_byte +
            static_cast<double>(ops.blake2b_bytes) * blake2b_ns_per_byte) /
               1000;
  }
};

/// CPU seconds of one call of `op`, looped for about `budget` seconds.
inline double unit_cost(const std::function<void()>& op, double budget = 0.2) {
  std::uint64_t n = 0;
  const double start = cpu_seconds();
  double elapsed = 0;
  do {
    for (int i = 0; i < 64; ++i) op();
    n += 64;
    elapsed = cpu_seconds() - start;
  } while (elapsed < budget);
  return elapsed / static_cast<double>(n);
}

/// Measures the unit costs now (about a second of CPU). The operations it
/// runs are counted too: take counted_ops() deltas around the measured work.
inline crypto_unit_costs measure_crypto_unit_costs() {
  const auto pair = crypto::signing_key_from_seed(crypto::seed{7});
  const std::string msg(200, 'e');  // about an evidence or certificate
  const auto sig = crypto::sign(msg, pair.secret_key_bytes);
  const std::string chunk(4096, 'c');
  const std::string small(96, 'm');  // a request body under a MAC
  crypto::seed secret{9};
  crypto_unit_costs c;
  c.sign_us = unit_cost([&] { crypto::sign(msg, pair.secret_key_bytes); }) * 1e6;
  c.verify_us = unit_cost([&] { crypto::verify(msg, crypto::as_view(sig), pair.public_key_bytes); }) * 1e6;
  c.x25519_us = unit_cost([&] { secret[0]++; crypto::exchange_key_from_secret(secret); }) * 1e6;
  c.mac_us = unit_cost([&] { crypto::compute_mac(small, secret); }) * 1e6;
  c.sha256_ns_per_byte = unit_cost([&] { crypto::sha256(chunk); }) * 1e9 / static_cast<double>(chunk.size());
  c.blake2b_ns_per_byte = unit_cost([&] { crypto::blake2b(chunk); }) * 1e9 / static_cast<double>(chunk.size());
  return c;
}

}  // namespace fleet::bench
