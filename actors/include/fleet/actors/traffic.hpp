#pragma once
// The requests that reached the cloud over the run, as a load tester counts
// them: by time bucket, by what was asked (the request's Envelope body) and
// by how it was answered. Each partition's cloud share counts its own and
// the engine adds them up; nothing per device.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fleet/actors/sim_histogram.hpp"

namespace fleet::actors {

/// What a request asked for: its Envelope body (device.proto).
enum class request_kind : std::uint8_t { challenge, evidence, update_check, chunk, update_result, telemetry, other };
inline constexpr std::size_t request_kind_count = 7;
/// The report's names, in enum order.
inline constexpr std::array<const char*, request_kind_count> request_kind_names{
    "challenge", "evidence", "update_check", "chunk", "update_result", "telemetry", "other"};

/// How the cloud answered a request that reached its endpoint.
enum class request_answer : std::uint8_t {
  ok,          ///< a reply other than an Error (the service did what was asked)
  error,       ///< an Error reply: refused (rate, authentication, attestation, invalid, not found)
  dropped,     ///< dropped at the endpoint by a cloud outage, never served
  unanswered,  ///< served, but the service sent nothing back (unreadable input)
};
inline constexpr std::size_t request_answer_count = 4;
inline constexpr std::array<const char*, request_answer_count> request_answer_names{"ok", "error", "dropped",
                                                                                   "unanswered"};

/// The kind of a request addressed to Envelope body field `field`
/// (sim_message::request): 10 challenge_request, 12 evidence, 14
/// update_check, 16 chunk_request, 18 update_result, 19 telemetry; any other
/// is `other`.
request_kind request_kind_of(std::uint8_t field);

/// Buckets a run's counts may take: a week of minutes. A longer run gets
/// wider buckets (traffic_bucket_width), so that a partition's counts stay
/// under 10,080 x 28 x 4 bytes (1.1 MiB) for any run length.
inline constexpr std::size_t traffic_buckets_max = 10'080;

/// One minute, or for a run longer than traffic_buckets_max minutes the
/// fewest whole minutes that fit it in traffic_buckets_max buckets (a
/// 30-day run: 5 minutes; a year: 53).
std::chrono::minutes traffic_bucket_width(std::chrono::microseconds run_length);

/// Requests by time bucket, kind and answer.
class traffic_counts {
 public:
  /// Buckets of `bucket_width` (at least a microsecond) from time zero.
  explicit traffic_counts(std::chrono::microseconds bucket_width = std::chrono::minutes(1));

  /// One request at `at`. Buckets grow on use up to traffic_buckets_max; a
  /// time past them counts in the last one (a run's times stay inside). A
  /// count saturates at 2^32 - 1 rather than wrap.
  void count(std::chrono::microseconds at, request_kind kind, request_answer answer);
  /// Adds `other`'s counts bucket by bucket (the same width: checked).
  traffic_counts& operator+=(const traffic_counts& other);

  std::chrono::microseconds bucket_width() const { return width_; }
  /// Buckets counted so far: up to the last one with a request.
  std::size_t buckets() const { return buckets_.size(); }
  /// Requests of this kind and answer in bucket `b` (0 past the last).
  std::uint32_t at(std::size_t b, request_kind kind, request_answer answer) const;
  /// Every kind and answer in bucket `b`.
  std::uint64_t requests_in(std::size_t b) const;
  /// Over the whole run.
  std::uint64_t total(request_kind kind, request_answer answer) const;
  std::uint64_t total(request_answer answer) const;
  std::uint64_t total() const;

  /// CAF's, defined where the engine's messages are made serializable
  /// (actors/src/engine/control_messages.hpp): a partition's counts cross
  /// to the control in its final account.
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, traffic_counts& x);

 private:
  using bucket = std::array<std::uint32_t, request_kind_count * request_answer_count>;
  static std::size_t cell(request_kind kind, request_answer answer) {
    return static_cast<std::size_t>(kind) * request_answer_count + static_cast<std::size_t>(answer);
  }
  std::chrono::microseconds width_;
  std::vector<bucket> buckets_;
};

/// What the devices of one scenario group with one hardware revision did:
/// a cell of the report's breakdown (run_result::by_group_and_revision).
struct breakdown_counts {
  std::uint64_t devices = 0;
  /// Their requests that reached the cloud, by answer (request_answer order).
  std::array<std::uint64_t, request_answer_count> requests{};
  sim_histogram attestation_time;  ///< each certificate they accepted: from the first challenge request
  std::uint64_t attestation_failures = 0;
  std::uint64_t updates_committed = 0;
  std::uint64_t updates_rolled_back = 0;
  std::uint64_t updates_failed = 0;

  breakdown_counts& operator+=(const breakdown_counts& other);
};

}  // namespace fleet::actors
