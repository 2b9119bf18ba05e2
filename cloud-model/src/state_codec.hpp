#pragma once
// Small conversions the units' save/restore share: fixed-size byte arrays,
// times, counter arrays and random streams to and from service_state.proto.

#include <array>
#include <cstdint>
#include <string>

#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"
#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "service_state.pb.h"

namespace fleet::cloud::codec {

inline std::int64_t us(sim_time t) { return t.count(); }
inline sim_time time(std::int64_t us) { return sim_time{us}; }

template <std::size_t N>
std::string bytes(const std::array<std::uint8_t, N>& a) {
  return crypto::to_string(a);
}

/// Copies `in` into `out`; false when its size is not N.
template <std::size_t N>
bool take(const std::string& in, std::array<std::uint8_t, N>& out) {
  return crypto::to_array(in, out);
}

/// Counters indexed by an enum, as a repeated field.
template <class Repeated, class T, std::size_t N>
void put_counts(Repeated* out, const std::array<T, N>& counts) {
  for (const T c : counts) out->Add(c);
}

/// Takes exactly N counters back; false for another count.
template <class Repeated, class T, std::size_t N>
bool take_counts(const Repeated& in, std::array<T, N>& counts) {
  if (static_cast<std::size_t>(in.size()) != N) return false;
  for (std::size_t i = 0; i < N; ++i) counts[i] = static_cast<T>(in.Get(static_cast<int>(i)));
  return true;
}

inline void put_stream(state::RandomStreamState* out, const crypto::random_stream& stream) {
  for (const std::uint64_t w : stream.state()) out->add_s(w);
}

inline bool take_stream(const state::RandomStreamState& in, crypto::random_stream& stream) {
  if (in.s_size() != 4) return false;
  return stream.restore({in.s(0), in.s(1), in.s(2), in.s(3)});
}

/// A restore's problem, prefixed with where it was found.
inline restore_status within(const std::string& where, restore_status s) {
  if (!s.ok()) s.problem = where + ": " + s.problem;
  return s;
}

}  // namespace fleet::cloud::codec
