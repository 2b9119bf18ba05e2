// How the ledger judges a request a man in the middle altered by the
// service's answer (adversary/attack_ledger.hpp).
#include "adversary/attack_ledger.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace fleet::actors {
namespace {

using body = wire::Envelope::BodyCase;

TEST(attack_ledger, no_answer_an_error_or_a_challenge_grants_nothing) {
  EXPECT_TRUE(grants_nothing(std::nullopt));
  EXPECT_TRUE(grants_nothing(body::kError));
  // A flipped tag can make any request a challenge request, which anyone may send.
  EXPECT_TRUE(grants_nothing(body::kChallenge));
}

TEST(attack_ledger, an_answer_only_a_session_earns_means_the_alteration_went_through) {
  for (const body b : {body::kTelemetryAck, body::kUpdateOffer, body::kChunk, body::kAck, body::kCertificateIssued}) {
    EXPECT_FALSE(grants_nothing(b)) << b;
  }
}

TEST(attack_ledger, the_cloud_verdicts_count_as_stopped_or_through) {
  input::attack mitm;
  mitm.name = "wire";
  attack_ledger ledger({mitm});
  ledger.judge_at_cloud(0, grants_nothing(body::kChallenge));
  ledger.judge_at_cloud(0, grants_nothing(body::kTelemetryAck));
  EXPECT_EQ(ledger.outcomes()[0].tried, 2u);
  EXPECT_EQ(ledger.outcomes()[0].stopped, 1u);
  EXPECT_EQ(ledger.outcomes()[0].got_through, 1u);
}

}  // namespace
}  // namespace fleet::actors
