#include "fleet/actors/traffic.hpp"

#include <algorithm>
#include <limits>

#include "device.pb.h"
#include "fleet/check.hpp"

namespace fleet::actors {

request_kind request_kind_of(std::uint8_t field) {
  switch (field) {
    case wire::Envelope::kChallengeRequest: return request_kind::challenge;
    case wire::Envelope::kEvidence: return request_kind::evidence;
    case wire::Envelope::kUpdateCheck: return request_kind::update_check;
    case wire::Envelope::kChunkRequest: return request_kind::chunk;
    case wire::Envelope::kUpdateResult: return request_kind::update_result;
    case wire::Envelope::kTelemetry: return request_kind::telemetry;
    default: return request_kind::other;
  }
}

std::chrono::minutes traffic_bucket_width(std::chrono::microseconds run_length) {
  const auto minutes = std::chrono::ceil<std::chrono::minutes>(std::max(run_length, std::chrono::microseconds{0}));
  const auto max = static_cast<std::int64_t>(traffic_buckets_max);
  return std::chrono::minutes{std::max<std::int64_t>(1, (minutes.count() + max - 1) / max)};
}

traffic_counts::traffic_counts(std::chrono::microseconds bucket_width)
    : width_(std::max(bucket_width, std::chrono::microseconds{1})) {}

void traffic_counts::count(std::chrono::microseconds at, request_kind kind, request_answer answer) {
  const auto b = std::min(static_cast<std::size_t>(std::max<std::int64_t>(0, at / width_)), traffic_buckets_max - 1);
  if (buckets_.size() <= b) buckets_.resize(b + 1, bucket{});
  std::uint32_t& n = buckets_[b][cell(kind, answer)];
  if (n != std::numeric_limits<std::uint32_t>::max()) ++n;  // saturates: a count never wraps to small
}

traffic_counts& traffic_counts::operator+=(const traffic_counts& other) {
  FLEET_CHECK(other.width_ == width_, "traffic counts of one bucket width");
  if (buckets_.size() < other.buckets_.size()) buckets_.resize(other.buckets_.size(), bucket{});
  for (std::size_t b = 0; b < other.buckets_.size(); ++b) {
    for (std::size_t c = 0; c < bucket{}.size(); ++c) {
      const std::uint64_t sum = std::uint64_t{buckets_[b][c]} + other.buckets_[b][c];
      buckets_[b][c] = static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, std::numeric_limits<std::uint32_t>::max()));
    }
  }
  return *this;
}

std::uint32_t traffic_counts::at(std::size_t b, request_kind kind, request_answer answer) const {
  return b < buckets_.size() ? buckets_[b][cell(kind, answer)] : 0;
}

std::uint64_t traffic_counts::requests_in(std::size_t b) const {
  std::uint64_t n = 0;
  if (b < buckets_.size()) {
    for (const std::uint32_t c : buckets_[b]) n += c;
  }
  return n;
}

std::uint64_t traffic_counts::total(request_kind kind, request_answer answer) const {
  std::uint64_t n = 0;
  for (const bucket& b : buckets_) n += b[cell(kind, answer)];
  return n;
}

std::uint64_t traffic_counts::total(request_answer answer) const {
  std::uint64_t n = 0;
  for (std::size_t k = 0; k < request_kind_count; ++k) n += total(static_cast<request_kind>(k), answer);
  return n;
}

std::uint64_t traffic_counts::total() const {
  std::uint64_t n = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) n += requests_in(b);
  return n;
}

breakdown_counts& breakdown_counts::operator+=(const breakdown_counts& other) {
  devices += other.devices;
  for (std::size_t a = 0; a < requests.size(); ++a) requests[a] += other.requests[a];
  attestation_time += other.attestation_time;
  attestation_failures += other.attestation_failures;
  updates_committed += other.updates_committed;
  updates_rolled_back += other.updates_rolled_back;
  updates_failed += other.updates_failed;
  return *this;
}

}  // namespace fleet::actors
