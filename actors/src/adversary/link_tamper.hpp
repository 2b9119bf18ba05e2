#pragma once
// The men in the middle of a scenario's attacks: which device links each
// sits on (a share drawn per device from the run's seed) and when, and what
// it does to a message on them: one byte of an authenticated message (one
// with a MAC or a signature) flipped. Messages nobody signs (challenge
// requests, harmless errors) are left alone: altering them gains an
// attacker nothing it could not get by dropping them. Read-only once built.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/sim_message.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/actors/run_input.hpp"

namespace fleet::actors {

/// Whether `altered` reads back as the message `sent`: both parse as an
/// Envelope and serialize to the same bytes. Protobuf drops some bits (those
/// past 64 of a ten-byte varint, and past 32 of an int32, which a negative
/// one is written with), so a flip there alters nothing a receiver reads.
bool reads_back_the_same(const std::string& sent, const std::string& altered);

class link_tamper {
 public:
  link_tamper(const std::vector<input::attack>& attacks, std::uint64_t run_seed);

  /// Alters `m` when a man in the middle sits on `device`'s link at `now`
  /// and `m` is authenticated; sets m.altered_by to 1 + that attack's index,
  /// unless the flip reads back as the message sent (reads_back_the_same).
  void on_the_wire(std::uint64_t device, fw::sim_time now, sim_message& m) const;
  /// Whether the attack at `index` sits on `device`'s link.
  bool sits_on(std::size_t index, std::uint64_t device) const;

 private:
  struct wire_attack {
    std::size_t index = 0;  ///< into input::attacks
    input::attack what;
  };
  std::vector<wire_attack> attacks_;
  std::uint64_t run_seed_;
};

}  // namespace fleet::actors
