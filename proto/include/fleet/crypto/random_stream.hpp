#pragma once
// Seeded random streams. Every entity derives its own stream from
// (run seed, entity id, stream name), so what it draws never depends on
// spawn order or thread scheduling (ns-3's AssignStreams, VOPR's seeds).

#include <array>
#include <cstdint>
#include <string_view>

#include "fleet/crypto/crypto.hpp"

namespace fleet::crypto {

/// splitmix64's finaliser: a cheap bijection on 64-bit values in which every
/// input bit reaches every output bit. For hashing and keys, not secrecy.
inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

/// xoshiro256**: 32 bytes of state, fast, good enough for simulation draws.
class random_stream {
 public:
  random_stream() = default;
  /// Derives the stream of `name` for `entity` under `run_seed`.
  random_stream(std::uint64_t run_seed, std::uint64_t entity, std::string_view name);

  std::uint64_t next();
  /// Uniform in [0, bound); bound 0 returns 0.
  std::uint64_t below(std::uint64_t bound);
  /// Uniform in [0, 1).
  double unit();
  /// True with probability p.
  bool chance(double p);
  void fill(std::uint8_t* out, std::size_t size);
  seed next_seed();

  /// The generator's words, for a snapshot: restoring them continues the stream exactly.
  std::array<std::uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  /// Continues from saved words; false (nothing changed) for all zeros, which is not a state.
  bool restore(const std::array<std::uint64_t, 4>& words) {
    if ((words[0] | words[1] | words[2] | words[3]) == 0) return false;
    for (std::size_t i = 0; i < 4; ++i) s_[i] = words[i];
    return true;
  }

 private:
  std::uint64_t s_[4]{1, 2, 3, 4};
};

}  // namespace fleet::crypto
