// How the ledger judges a request a man in the middle altered by the
// service's answer (adversary/attack_ledger.hpp).
#include "adversary/attack_ledger.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
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

/// A ledger of one man in the middle.
attack_ledger wire_ledger() {
  input::attack mitm;
  mitm.name = "wire";
  return attack_ledger({mitm});
}

TEST(attack_ledger, the_cloud_verdicts_count_as_stopped_or_through) {
  attack_ledger ledger = wire_ledger();
  ledger.judge_at_cloud(0, grants_nothing(body::kChallenge), "");
  ledger.judge_at_cloud(0, grants_nothing(body::kTelemetryAck), "");
  EXPECT_EQ(ledger.outcomes()[0].tried, 2u);
  EXPECT_EQ(ledger.outcomes()[0].stopped, 1u);
  EXPECT_EQ(ledger.outcomes()[0].got_through, 1u);
  EXPECT_TRUE(ledger.outcomes()[0].stopped_by.empty());  // a challenge refuses nothing: no check to name
}

// The service's refusal names its check (served_reply::refused_by): the
// ledger counts the stop under it, as the firmware's reject reason on a
// device. A name on an answer that granted something is no stop.
TEST(attack_ledger, a_refusal_at_the_cloud_counts_under_the_check_it_names) {
  attack_ledger ledger = wire_ledger();
  ledger.judge_at_cloud(0, grants_nothing(body::kError), "bad_signature");
  ledger.judge_at_cloud(0, grants_nothing(body::kError), "bad_mac");
  ledger.judge_at_cloud(0, grants_nothing(body::kError), "bad_mac");
  ledger.judge_at_cloud(0, grants_nothing(std::nullopt), "");
  ledger.judge_at_cloud(0, grants_nothing(body::kTelemetryAck), "bad_mac");
  const attack_outcome& o = ledger.outcomes()[0];
  EXPECT_EQ(o.tried, 5u);
  EXPECT_EQ(o.stopped, 4u);
  EXPECT_EQ(o.got_through, 1u);
  EXPECT_EQ(o.stopped_by, (std::map<std::string, std::uint64_t>{{"bad_mac", 2}, {"bad_signature", 1}}));
}

}  // namespace
}  // namespace fleet::actors
