#pragma once
// A message between entities (the cloud and the devices), as the simulated
// network delivers it: serialized device.proto bytes with when they arrive,
// who sent them and in what order. Entities handle what reaches them in
// (arrival, source, sequence) order, a total order that does not depend on
// which thread or shard produced the message.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <tuple>

namespace fleet::actors {

/// Entity IDs: the cloud is 0, device i is i + 1. Traces combine in this order.
using entity_id = std::uint64_t;
inline constexpr entity_id cloud_entity = 0;
inline constexpr entity_id device_entity(std::uint64_t device_index) { return device_index + 1; }
inline constexpr std::uint64_t device_index_of(entity_id e) { return e - 1; }

struct sim_message {
  std::int64_t arrival_us = 0;
  entity_id source = 0;
  std::uint64_t sequence = 0;  ///< per source, from 1
  entity_id destination = 0;
  std::string bytes;
  std::uint32_t altered_by = 0;  ///< 1 + the index of the attack that altered it on the way; 0: untouched
  /// A request to the cloud: the field number of its Envelope body, as its
  /// sender addressed it (fw::send::body); 0 for a reply.
  std::uint8_t request = 0;
};

/// The delivery order: earlier first, then by source and its sequence.
inline bool delivered_before(const sim_message& a, const sim_message& b) {
  return std::tie(a.arrival_us, a.source, a.sequence) < std::tie(b.arrival_us, b.source, b.sequence);
}

/// For CAF: a message can cross process boundaries (serializable).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sim_message& m) {
  return f(caf::meta::type_name("fleet.sim_message"), m.arrival_us, m.source, m.sequence, m.destination, m.bytes,
           m.altered_by, m.request);
}

}  // namespace fleet::actors
