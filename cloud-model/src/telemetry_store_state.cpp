// The telemetry store in a snapshot: per device that sent telemetry its live
// events (oldest first) and numbering, the interned versions, counters. The
// dead prefix of a log is not saved: a position only orders one device's
// events, which the live ones keep. The event total is rebuilt.
#include "fleet/cloud/telemetry_store.hpp"
#include "fleet/wire/limits.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {
namespace {

// telemetry_counters' scalars, in declaration order.
constexpr std::uint64_t telemetry_counters::*scalar_counters[] = {
    &telemetry_counters::batches,          &telemetry_counters::stored,
    &telemetry_counters::duplicates,       &telemetry_counters::gaps,
    &telemetry_counters::device_dropped,   &telemetry_counters::dropped_per_device_bound,
    &telemetry_counters::dropped_age,      &telemetry_counters::dropped_store_full,
    &telemetry_counters::versions_not_interned,
};

}  // namespace

void telemetry_store::save(state::TelemetryState& out) const {
  for (std::size_t d = 0; d < logs_.size(); ++d) {
    const device_log& log = logs_[d];
    if (log.live() == 0 && log.next_number == 0 && log.device_dropped == 0 && log.store_dropped == 0 && log.gaps == 0) {
      continue;  // as if never seen
    }
    state::DeviceLog* o = out.add_logs();
    o->set_device(static_cast<std::uint32_t>(d));
    for (std::size_t i = log.head; i < log.events.size(); ++i) {
      const stored_event& e = log.events[i];
      state::StoredEvent* event = o->add_events();
      event->set_device_time_us(e.device_time_us);
      event->set_received_at(codec::us(e.received_at));
      event->set_exit_status(e.exit_status);
      event->set_signal(e.signal);
      event->set_version(e.version);
      event->set_kind(e.kind);
      event->set_outcome(e.outcome);
    }
    o->set_next_number(log.next_number);
    o->set_device_dropped(log.device_dropped);
    o->set_store_dropped(log.store_dropped);
    o->set_gaps(log.gaps);
  }
  for (std::size_t v = 0; v < versions_.size(); ++v) out.add_versions(versions_[v]);
  for (const auto field : scalar_counters) out.add_counters(counters_.*field);
  codec::put_counts(out.mutable_refused(), counters_.refused);
}

restore_status telemetry_store::restore(const state::TelemetryState& in) {
  if (in.versions_size() < 1 || in.versions(0) != "" || static_cast<std::size_t>(in.versions_size()) > limits_.versions_max) {
    return refused("versions: the first is not \"\", or more than versions_max");
  }
  for (int v = 1; v < in.versions_size(); ++v) {
    if (in.versions(v).size() > event_version_bytes_max) return refused("a version past event_version_bytes_max");
    if (!version_ids_.emplace(in.versions(v), static_cast<std::uint16_t>(v)).second) return refused("a version twice");
    versions_.push_back(in.versions(v));
  }
  std::uint32_t previous = 0;
  for (const auto& o : in.logs()) {
    const device_index d = o.device();
    if (d >= limits_.devices_max) return refused("a log of a device index past devices_max");
    if (!logs_.empty() && d <= previous) return refused("logs not in device order");
    previous = d;
    if (static_cast<std::size_t>(o.events_size()) > events_per_device_max) return refused("a log past events_per_device_max");
    logs_.resize(std::size_t{d} + 1);
    device_log& log = logs_[d];
    log.events.reserve(static_cast<std::size_t>(o.events_size()));
    for (const auto& e : o.events()) {
      if (e.version() >= versions_.size() || e.kind() > 0xff || e.outcome() > 0xff ||
          !wire::EventKind_IsValid(static_cast<int>(e.kind())) ||
          !wire::UpdateOutcome_IsValid(static_cast<int>(e.outcome()))) {
        return refused("an event's version, kind or outcome out of range");
      }
      log.events.push_back({e.device_time_us(), codec::time(e.received_at()), e.exit_status(), e.signal(),
                            static_cast<std::uint16_t>(e.version()), static_cast<std::uint8_t>(e.kind()),
                            static_cast<std::uint8_t>(e.outcome())});
    }
    events_ += log.events.size();
    if (events_ > limits_.events_max) return refused("more events than events_max");
    log.next_number = o.next_number();
    log.device_dropped = o.device_dropped();
    log.store_dropped = o.store_dropped();
    log.gaps = o.gaps();
  }
  if (static_cast<std::size_t>(in.counters_size()) != std::size(scalar_counters)) {
    return refused("counters of another size");
  }
  for (std::size_t i = 0; i < std::size(scalar_counters); ++i) counters_.*scalar_counters[i] = in.counters(static_cast<int>(i));
  if (!codec::take_counts(in.refused(), counters_.refused)) return refused("refusal counters of another size");
  return restored();
}

}  // namespace fleet::cloud
