// Telemetry and error reports: events buffered on the device and uploaded
// after each boot and daily; guardian mode adds the legacy device's data.
#include <algorithm>

#include "core_state.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::fw {

void core_state::add_event(buffered_event e) {
  ++stats_.telemetry_generated;
  if (telemetry_.push(std::move(e), telemetry_batch_end_)) {
    ++stats_.telemetry_dropped;
    note(record_kind::telemetry_dropped);
  }
}

void core_state::send_telemetry(sim_time now) {
  wire::Envelope env;
  auto* batch = env.mutable_telemetry();
  telemetry_.fill_batch(*batch, wire::telemetry_events_max);
  telemetry_reported_drops_ = batch->dropped_events();
  telemetry_batch_end_ = batch->first_event_number() + static_cast<std::uint64_t>(batch->events_size());
  send_request(now, request_kind::telemetry, env, true);
}

void core_state::on_telemetry_ack(sim_time now, const wire::TelemetryAck& ack) {
  // An acknowledgement past what was sent would make the device forget
  // events nobody stored.
  if (ack.acked_through() > telemetry_batch_end_) {
    reject(reject_reason::malformed);
    return request_failed(now);
  }
  request_succeeded();
  const std::size_t before = telemetry_.size();
  telemetry_.acknowledge(ack.acked_through(), telemetry_reported_drops_);
  stats_.telemetry_uploaded += before - telemetry_.size();
  need_telemetry_upload_ = telemetry_.size() > 0 && before > telemetry_.size();
  if (!need_telemetry_upload_) {
    const auto& t = cfg_.timers;
    arm(timer::telemetry_upload, now + t.telemetry_upload_interval + jitter(t.telemetry_upload_jitter));
  }
}

void core_state::on_legacy_data(sim_time now, const legacy_data& d) {
  if (!cfg_.guardian) return reject(reject_reason::unexpected);
  if (d.bytes.size() > wire::event_data_bytes_max) return reject(reject_reason::oversized);
  buffered_event e;
  e.device_time_us = wall(now);
  e.kind = wire::EVENT_LEGACY_DATA;
  e.version = stages_[index_of(component::legacy_firmware)].version;
  e.data = d.bytes;
  add_event(std::move(e));
}

}  // namespace fleet::fw
