// A man in the middle's flip counts as an attempt only when it alters what
// a receiver reads (adversary/link_tamper.hpp).
#include "adversary/link_tamper.hpp"

#include <gtest/gtest.h>

#include <string>

#include "device.pb.h"
#include "fleet/wire/envelope.hpp"

namespace fleet::actors {
namespace {

// A device's telemetry with a crash's negative exit status: protobuf writes
// an int32 of -1 as ten bytes, 0xff nine times then 0x01.
std::string telemetry_with_negative_status() {
  wire::Envelope e;
  e.set_device_id(std::string(64, 'd'));
  e.set_sequence(3);
  e.set_session_id(5);
  e.set_mac(std::string(32, 'm'));
  e.mutable_telemetry()->add_events()->set_exit_status(-1);
  return wire::serialize(e);
}

std::size_t last_byte_of_minus_one(const std::string& bytes) {
  const std::size_t at = bytes.find(std::string(9, '\xff') + '\x01');
  EXPECT_NE(at, std::string::npos);
  return at + 9;
}

TEST(link_tamper, a_flip_past_a_varints_64_bits_reads_back_as_the_message_sent) {
  const std::string sent = telemetry_with_negative_status();
  std::string altered = sent;
  altered[last_byte_of_minus_one(sent)] ^= 0x02;  // bit 64: protobuf drops it
  ASSERT_NE(altered, sent);
  EXPECT_TRUE(reads_back_the_same(sent, altered));
  std::string high = sent;
  high[last_byte_of_minus_one(sent) - 1] ^= 0x01;  // bit 56: an int32 keeps the low 32
  EXPECT_TRUE(reads_back_the_same(sent, high));
}

TEST(link_tamper, a_flip_that_changes_a_value_or_a_field_does_not) {
  const std::string sent = telemetry_with_negative_status();
  std::string value = sent;
  value[last_byte_of_minus_one(sent) - 9] ^= 0x01;  // bit 0: -1 becomes -2
  EXPECT_FALSE(reads_back_the_same(sent, value));

  wire::Envelope check;
  check.set_device_id(std::string(64, 'd'));
  check.set_mac(std::string(32, 'm'));
  check.mutable_update_check()->set_product("thermostat");
  const std::string check_bytes = wire::serialize(check);
  std::string retagged = check_bytes;
  const std::size_t tag = check_bytes.find('\x72');  // field 14, length-delimited
  ASSERT_NE(tag, std::string::npos);
  retagged[tag] ^= 0x20;  // field 10: a challenge request
  EXPECT_FALSE(reads_back_the_same(check_bytes, retagged));

  std::string broken = check_bytes;
  broken[0] ^= 0x05;  // wire type 7, which does not exist: no longer parses
  EXPECT_FALSE(reads_back_the_same(check_bytes, broken));
}

}  // namespace
}  // namespace fleet::actors
