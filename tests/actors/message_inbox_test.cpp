// An entity's inbox (engine/message_inbox.hpp): messages come out in
// delivery order, (arrival, source, sequence), with their bytes moved out.
#include "engine/message_inbox.hpp"

#include <gtest/gtest.h>

#include <string>

namespace fleet::actors {
namespace {

sim_message message(std::int64_t arrival_us, entity_id source, std::uint64_t sequence, std::string bytes) {
  sim_message m;
  m.arrival_us = arrival_us;
  m.source = source;
  m.sequence = sequence;
  m.bytes = std::move(bytes);
  return m;
}

TEST(message_inbox, hands_messages_over_in_delivery_order) {
  message_inbox inbox;
  inbox.push(message(20, 1, 1, "c"));
  inbox.push(message(10, 2, 1, "b"));
  inbox.push(message(10, 1, 2, "a2"));
  inbox.push(message(10, 1, 1, "a1"));
  EXPECT_EQ(inbox.next().bytes, "a1");
  std::string order;
  while (!inbox.empty()) order += inbox.take().bytes + " ";
  EXPECT_EQ(order, "a1 a2 b c ");
}

TEST(message_inbox, take_moves_the_bytes_out) {
  message_inbox inbox;
  const std::string big(4096, 'x');  // past the short-string buffer: on the heap
  inbox.push(message(1, 1, 1, big));
  const char* const held = inbox.next().bytes.data();
  const sim_message m = inbox.take();
  EXPECT_EQ(m.bytes.data(), held) << "the bytes were copied, not moved";
  EXPECT_TRUE(inbox.empty());
}

}  // namespace
}  // namespace fleet::actors
