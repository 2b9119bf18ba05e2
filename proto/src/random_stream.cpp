#include "fleet/crypto/random_stream.hpp"

#include <cstring>
#include <string>

namespace fleet::crypto {
namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

random_stream::random_stream(std::uint64_t run_seed, std::uint64_t entity, std::string_view name) {
  // BLAKE2b of (seed, entity, name) gives independent, well-mixed states.
  std::string input(16, '\0');
  std::memcpy(input.data(), &run_seed, 8);
  std::memcpy(input.data() + 8, &entity, 8);
  input.append(name);
  digest d = blake2b(input);
  std::memcpy(s_, d.data(), sizeof s_);
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // all-zero state is a fixed point
}

std::uint64_t random_stream::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t random_stream::below(std::uint64_t bound) {
  if (bound == 0) return 0;
  // Lemire's multiply-shift; the tiny bias is irrelevant for simulation draws.
  __extension__ typedef unsigned __int128 u128;
  return static_cast<std::uint64_t>((static_cast<u128>(next()) * bound) >> 64);
}

double random_stream::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

bool random_stream::chance(double p) { return p > 0 && unit() < p; }

void random_stream::fill(std::uint8_t* out, std::size_t size) {
  while (size > 0) {
    std::uint64_t v = next();
    std::size_t n = size < 8 ? size : 8;
    std::memcpy(out, &v, n);
    out += n;
    size -= n;
  }
}

seed random_stream::next_seed() {
  seed s{};
  fill(s.data(), s.size());
  return s;
}

}  // namespace fleet::crypto
