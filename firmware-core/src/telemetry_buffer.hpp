#pragma once
// Bounded buffer of device events (crashes, update outcomes, legacy data)
// waiting for upload. Past capacity the oldest event is dropped and counted,
// and the count travels with the next batch: nothing is lost silently.
// Capacity is small (tens of events), so dropping from the front is cheap.

#include <cstdint>
#include <string>
#include <vector>

#include "device.pb.h"
#include "fleet/wire/version.hpp"

namespace fleet::fw {

struct buffered_event {
  std::int64_t device_time_us = 0;
  wire::EventKind kind = wire::EVENT_KIND_UNSPECIFIED;
  wire::UpdateOutcome update_outcome = wire::UPDATE_OUTCOME_UNSPECIFIED;
  std::int32_t exit_status = 0;
  std::int32_t signal = 0;
  wire::version version{};
  std::string data;  ///< legacy payload only
};

class telemetry_buffer {
 public:
  explicit telemetry_buffer(std::uint32_t capacity) : capacity_(capacity) {}

  /// Adds an event; returns true when one had to be dropped: the oldest,
  /// unless it was sent and not yet acknowledged (numbered below
  /// `sent_end`), in which case the new one. An event on its way may be
  /// stored already: dropping it here would count it dropped on the device
  /// and taken by the cloud.
  bool push(buffered_event event, std::uint64_t sent_end = 0);
  /// Fills `batch` with at most `max_events` of the oldest events.
  void fill_batch(wire::TelemetryBatch& batch, std::uint32_t max_events) const;
  /// The service stored every event numbered below `acked_through`.
  void acknowledge(std::uint64_t acked_through, std::uint64_t dropped_reported);

  std::size_t size() const { return events_.size(); }
  std::uint64_t dropped_unreported() const { return dropped_unreported_; }
  /// Forgets everything (RAM lost); returns how many events were lost.
  std::size_t clear();

 private:
  std::uint32_t capacity_;
  // A vector, not a deque: an idle device holds no events and then no heap
  // (a deque keeps a map and a node even when empty).
  std::vector<buffered_event> events_;
  std::uint64_t first_number_ = 0;  ///< device-wide number of events_.front()
  std::uint64_t dropped_unreported_ = 0;
};

}  // namespace fleet::fw
