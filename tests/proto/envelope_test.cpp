#include "fleet/wire/envelope.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace fleet::wire {
namespace {

Envelope sample() {
  Envelope e;
  e.set_device_id(std::string(64, 'd'));
  e.set_sequence(7);
  e.set_session_id(9);
  e.mutable_update_check()->set_product("thermostat");
  return e;
}

TEST(envelope, mac_input_ignores_the_mac_and_covers_everything_else) {
  Envelope a = sample();
  Envelope b = sample();
  b.set_mac("whatever");
  EXPECT_EQ(mac_input(a), mac_input(b));

  Envelope c = sample();
  c.set_sequence(8);
  EXPECT_NE(mac_input(a), mac_input(c));
  Envelope d = sample();
  d.mutable_update_check()->set_product("thermostaT");
  EXPECT_NE(mac_input(a), mac_input(d));
  Envelope e = sample();
  e.set_session_id(10);
  EXPECT_NE(mac_input(a), mac_input(e));
}

// What mac_input stood for before it took a suffix of one serialization: a
// copy with the header fields cleared, serialized.
std::string mac_input_by_copy(const Envelope& envelope) {
  Envelope body_only;
  body_only.CopyFrom(envelope);
  body_only.clear_device_id();
  body_only.clear_sequence();
  body_only.clear_session_id();
  body_only.clear_mac();
  std::string out = envelope.device_id();
  const std::uint64_t numbers[2] = {envelope.sequence(), envelope.session_id()};
  out.append(reinterpret_cast<const char*>(numbers), sizeof numbers);
  return out + serialize(body_only);
}

TEST(envelope, mac_input_is_the_header_then_the_envelope_without_its_header) {
  std::vector<Envelope> cases;
  cases.push_back(sample());
  Envelope empty;
  cases.push_back(empty);
  Envelope big = sample();
  big.set_mac(std::string(32, 'm'));
  big.set_sequence(~std::uint64_t{0});  // ten-byte varints
  big.set_session_id(1ull << 35);
  big.mutable_chunk()->set_data(std::string(16 * 1024, 'c'));  // a two-byte length
  cases.push_back(big);
  Envelope with_certificate = sample();
  with_certificate.mutable_certificate()->set_signature(std::string(64, 's'));
  with_certificate.set_certificate_proof(std::string(64, 'p'));
  cases.push_back(with_certificate);
  Envelope header_only;
  header_only.set_device_id(std::string(200, 'd'));  // a two-byte length in the header
  header_only.set_mac("x");
  cases.push_back(header_only);
  // Fields this build does not know, as a newer peer or an attacker sends them.
  std::string unknown_bytes = serialize(sample());
  unknown_bytes += std::string("\xfa\x01\x03" "abc", 6);  // field 31, length 3
  Envelope with_unknown;
  ASSERT_TRUE(with_unknown.ParseFromString(unknown_bytes));
  cases.push_back(with_unknown);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(mac_input(cases[i]), mac_input_by_copy(cases[i])) << "case " << i;
  }
}

TEST(envelope, only_post_attestation_requests_need_a_session) {
  for (auto body : {Envelope::kUpdateCheck, Envelope::kChunkRequest, Envelope::kUpdateResult,
                    Envelope::kTelemetry}) {
    EXPECT_TRUE(is_session_request(body)) << body;
  }
  for (auto body : {Envelope::kChallengeRequest, Envelope::kEvidence, Envelope::kChallenge,
                    Envelope::kUpdateOffer, Envelope::kChunk, Envelope::kAck, Envelope::BODY_NOT_SET}) {
    EXPECT_FALSE(is_session_request(body)) << body;
  }
}

}  // namespace
}  // namespace fleet::wire
