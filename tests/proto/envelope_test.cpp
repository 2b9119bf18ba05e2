#include "fleet/wire/envelope.hpp"

#include <gtest/gtest.h>

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
