#pragma once
// An entity's event log, kept as a running 64-bit digest: every event the
// entity handles (what, when, how big) is folded in, in the order handled.
// The run's trace_hash is BLAKE2b over every entity's digest in entity order:
// two runs with one trace_hash handled the same events in the same order.

#include <cstdint>
#include <string>
#include <vector>

namespace fleet::actors {

class entity_trace {
 public:
  void fold(std::uint64_t value);
  void fold(std::int64_t time_us, std::uint64_t kind, std::uint64_t detail) {
    fold(static_cast<std::uint64_t>(time_us));
    fold(kind);
    fold(detail);
  }
  std::uint64_t digest() const { return state_; }
  std::uint64_t events() const { return events_; }
  void count_event() { ++events_; }

 private:
  std::uint64_t state_ = 0x6a09e667f3bcc908ull;
  std::uint64_t events_ = 0;
};

/// Hex BLAKE2b over the digests, in the order given (entity order).
std::string combine_traces(const std::vector<std::uint64_t>& digests_in_entity_order);

}  // namespace fleet::actors
