// The throughput's counts (traffic.hpp): buckets that grow on use and stay
// bounded, a width that fits any run in them, sums over partitions, and
// requests named by their Envelope body.
#include "fleet/actors/traffic.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "device.pb.h"

namespace fleet::actors {
namespace {

using namespace std::chrono_literals;

TEST(traffic, a_request_counts_in_its_bucket_by_kind_and_answer) {
  traffic_counts t;
  EXPECT_EQ(t.buckets(), 0u);
  t.count(0s, request_kind::challenge, request_answer::ok);
  t.count(59s, request_kind::challenge, request_answer::ok);
  t.count(60s, request_kind::evidence, request_answer::error);
  t.count(10min + 1s, request_kind::chunk, request_answer::dropped);
  EXPECT_EQ(t.buckets(), 11u);  // grown to the last bucket used
  EXPECT_EQ(t.at(0, request_kind::challenge, request_answer::ok), 2u);
  EXPECT_EQ(t.at(0, request_kind::challenge, request_answer::error), 0u);
  EXPECT_EQ(t.at(1, request_kind::evidence, request_answer::error), 1u);
  EXPECT_EQ(t.at(10, request_kind::chunk, request_answer::dropped), 1u);
  EXPECT_EQ(t.at(99, request_kind::chunk, request_answer::dropped), 0u);  // past the last
  EXPECT_EQ(t.requests_in(0), 2u);
  EXPECT_EQ(t.requests_in(5), 0u);
  EXPECT_EQ(t.total(), 4u);
  EXPECT_EQ(t.total(request_answer::ok), 2u);
  EXPECT_EQ(t.total(request_kind::evidence, request_answer::error), 1u);
}

TEST(traffic, the_bucket_width_fits_any_run_in_the_limit) {
  EXPECT_EQ(traffic_bucket_width(0s), 1min);
  EXPECT_EQ(traffic_bucket_width(4h), 1min);
  EXPECT_EQ(traffic_bucket_width(7 * 24h), 1min);  // exactly 10,080 minutes
  EXPECT_EQ(traffic_bucket_width(7 * 24h + 1s), 2min);
  EXPECT_EQ(traffic_bucket_width(30 * 24h), 5min);   // 43,200 minutes
  EXPECT_EQ(traffic_bucket_width(365 * 24h), 53min);  // the longest run a scenario may ask
  const std::chrono::minutes lengths[] = {1h, 7 * 24h + 1min, 30 * 24h, 100 * 24h + 7min, 365 * 24h};
  for (const auto length : lengths) {
    const auto width = traffic_bucket_width(length);
    EXPECT_LE(static_cast<std::size_t>((length + width - 1min) / width), traffic_buckets_max) << length.count();
  }
}

TEST(traffic, buckets_never_pass_the_limit) {
  traffic_counts t(1min);
  t.count(traffic_buckets_max * 1min + 5h, request_kind::other, request_answer::unanswered);
  EXPECT_EQ(t.buckets(), traffic_buckets_max);  // past them: in the last one
  EXPECT_EQ(t.at(traffic_buckets_max - 1, request_kind::other, request_answer::unanswered), 1u);
}

TEST(traffic, sums_over_partitions_bucket_by_bucket) {
  traffic_counts a(2min), b(2min);
  a.count(1min, request_kind::telemetry, request_answer::ok);
  b.count(3min, request_kind::telemetry, request_answer::ok);
  b.count(119s, request_kind::telemetry, request_answer::ok);
  a += b;
  EXPECT_EQ(a.buckets(), 2u);
  EXPECT_EQ(a.at(0, request_kind::telemetry, request_answer::ok), 2u);
  EXPECT_EQ(a.at(1, request_kind::telemetry, request_answer::ok), 1u);
  EXPECT_EQ(b.total(), 2u);  // the other is unchanged
}

TEST(traffic, a_count_saturates_instead_of_wrapping) {
  traffic_counts big, one;
  one.count(0s, request_kind::challenge, request_answer::ok);
  big.count(0s, request_kind::challenge, request_answer::ok);
  for (int i = 0; i < 32; ++i) big += big;  // 2^32 requests, past what a count holds
  EXPECT_EQ(big.at(0, request_kind::challenge, request_answer::ok), std::numeric_limits<std::uint32_t>::max());
  big.count(0s, request_kind::challenge, request_answer::ok);
  big += one;
  EXPECT_EQ(big.at(0, request_kind::challenge, request_answer::ok), std::numeric_limits<std::uint32_t>::max());
}

TEST(traffic, a_request_is_named_by_its_envelope_body) {
  EXPECT_EQ(request_kind_of(wire::Envelope::kChallengeRequest), request_kind::challenge);
  EXPECT_EQ(request_kind_of(wire::Envelope::kEvidence), request_kind::evidence);
  EXPECT_EQ(request_kind_of(wire::Envelope::kUpdateCheck), request_kind::update_check);
  EXPECT_EQ(request_kind_of(wire::Envelope::kChunkRequest), request_kind::chunk);
  EXPECT_EQ(request_kind_of(wire::Envelope::kUpdateResult), request_kind::update_result);
  EXPECT_EQ(request_kind_of(wire::Envelope::kTelemetry), request_kind::telemetry);
  EXPECT_EQ(request_kind_of(0), request_kind::other);  // a reply's
  EXPECT_EQ(request_kind_of(wire::Envelope::kChunk), request_kind::other);  // not a request
  EXPECT_EQ(request_kind_names[static_cast<std::size_t>(request_kind::update_check)], std::string("update_check"));
  EXPECT_EQ(request_answer_names[static_cast<std::size_t>(request_answer::dropped)], std::string("dropped"));
}

TEST(breakdown_counts, adds_every_figure) {
  breakdown_counts a, b;
  a.devices = 2;
  a.requests = {1, 2, 3, 4};
  a.attestation_time.observe(100ms);
  a.updates_committed = 1;
  b.devices = 3;
  b.requests = {10, 20, 30, 40};
  b.attestation_time.observe(2s);
  b.attestation_failures = 5;
  b.updates_rolled_back = 6;
  b.updates_failed = 7;
  a += b;
  EXPECT_EQ(a.devices, 5u);
  EXPECT_EQ(a.requests, (std::array<std::uint64_t, request_answer_count>{11, 22, 33, 44}));
  EXPECT_EQ(a.attestation_time.count(), 2u);
  EXPECT_EQ(a.attestation_failures, 5u);
  EXPECT_EQ(a.updates_committed, 1u);
  EXPECT_EQ(a.updates_rolled_back, 6u);
  EXPECT_EQ(a.updates_failed, 7u);
}

}  // namespace
}  // namespace fleet::actors
