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

#include <algorithm>
#include <array>
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
inline double unit_cost(const std::function<void()>& op, double budget) {
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

/// Rounds of the unit costs, each op looped for `budget` seconds a round.
/// One round of 0.2 s moved from one run to the next on this shared machine
/// (a sign at 11.8 and 14.3 us, a whole floor by 8 %, within the hour), and a
/// run's CPU / floor with it. Rounds that take the ops in turn, and the
/// median of each op's rounds: a slow patch of the machine moves a round,
/// not the median.
inline constexpr int unit_cost_rounds = 5;
inline constexpr double unit_cost_budget = 0.1;

/// Measures the unit costs now (about three seconds of CPU): for each, the
/// median of unit_cost_rounds rounds that take the ops in turn. The
/// operations it runs are counted too: take counted_ops() deltas around
/// the measured work.
inline crypto_unit_costs measure_crypto_unit_costs() {
  const auto pair = crypto::signing_key_from_seed(crypto::seed{7});
  const std::string msg(200, 'e');  // about an evidence or certificate
  const auto sig = crypto::sign(msg, pair.secret_key_bytes);
  const std::string chunk(4096, 'c');
  const std::string small(96, 'm');  // a request body under a MAC
  crypto::seed secret{9};
  const std::function<void()> ops[] = {
      [&] { crypto::sign(msg, pair.secret_key_bytes); },
      [&] { crypto::verify(msg, crypto::as_view(sig), pair.public_key_bytes); },
      [&] {
        secret[0]++;
        crypto::exchange_key_from_secret(secret);
      },
      [&] { crypto::compute_mac(small, secret); },
      [&] { crypto::sha256(chunk); },
      [&] { crypto::blake2b(chunk); },
  };
  constexpr std::size_t op_count = sizeof ops / sizeof ops[0];
  std::array<std::array<double, unit_cost_rounds>, op_count> rounds{};
  for (int r = 0; r < unit_cost_rounds; ++r) {
    for (std::size_t k = 0; k < op_count; ++k) rounds[k][r] = unit_cost(ops[k], unit_cost_budget);
  }
  auto median = [&](std::size_t k) {
    auto& of = rounds[k];
    std::nth_element(of.begin(), of.begin() + unit_cost_rounds / 2, of.end());
    return of[unit_cost_rounds / 2];
  };
  crypto_unit_costs c;
  c.sign_us = median(0) * 1e6;
  c.verify_us = median(1) * 1e6;
  c.x25519_us = median(2) * 1e6;
  c.mac_us = median(3) * 1e6;
  c.sha256_ns_per_byte = median(4) * 1e9 / static_cast<double>(chunk.size());
  c.blake2b_ns_per_byte = median(5) * 1e9 / static_cast<double>(chunk.size());
  return c;
}

}  // namespace fleet::bench
