#include "telemetry_buffer.hpp"

#include <algorithm>

namespace fleet::fw {

bool telemetry_buffer::push(buffered_event event, std::uint64_t sent_end) {
  bool dropped = false;
  if (capacity_ == 0) {
    ++first_number_;
    ++dropped_unreported_;
    return true;
  }
  if (events_.size() >= capacity_) {
    if (first_number_ < sent_end) {
      ++dropped_unreported_;  // the new one never gets a number
      return true;
    }
    events_.erase(events_.begin());
    ++first_number_;
    ++dropped_unreported_;
    dropped = true;
  }
  events_.push_back(std::move(event));
  return dropped;
}

void telemetry_buffer::fill_batch(wire::TelemetryBatch& batch, std::uint32_t max_events) const {
  batch.set_first_event_number(first_number_);
  batch.set_dropped_events(dropped_unreported_);
  std::size_t n = std::min<std::size_t>(events_.size(), max_events);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& e = events_[i];
    auto* out = batch.add_events();
    out->set_device_time_us(e.device_time_us);
    out->set_kind(e.kind);
    out->set_update_outcome(e.update_outcome);
    out->set_exit_status(e.exit_status);
    out->set_signal(e.signal);
    out->set_version(e.version.to_string());
    out->set_data(e.data);
  }
}

void telemetry_buffer::acknowledge(std::uint64_t acked_through, std::uint64_t dropped_reported) {
  std::size_t stored = 0;
  while (stored < events_.size() && first_number_ < acked_through) {
    ++stored;
    ++first_number_;
  }
  events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(stored));
  if (events_.empty()) events_.shrink_to_fit();
  dropped_unreported_ -= std::min(dropped_unreported_, dropped_reported);
}

std::size_t telemetry_buffer::clear() {
  std::size_t lost = events_.size();
  first_number_ += lost;
  events_.clear();
  events_.shrink_to_fit();
  return lost;
}

}  // namespace fleet::fw
