#include "fleet/cloud/telemetry_store.hpp"

#include <algorithm>
#include <limits>
#include <tuple>

#include "fleet/check.hpp"
#include "csv.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::cloud {
namespace {

const char* kind_name(std::uint8_t kind) {
  switch (static_cast<wire::EventKind>(kind)) {
    case wire::EVENT_BOOTED: return "booted";
    case wire::EVENT_APP_CRASH: return "app_crash";
    case wire::EVENT_UPDATE: return "update";
    case wire::EVENT_ATTESTATION_FAILED: return "attestation_failed";
    case wire::EVENT_LEGACY_DATA: return "legacy_data";
    case wire::EVENT_BOOT_FALLBACK: return "boot_fallback";
    default: return "unspecified";
  }
}

const char* outcome_name(std::uint8_t outcome) {
  switch (static_cast<wire::UpdateOutcome>(outcome)) {
    case wire::DOWNLOADED: return "downloaded";
    case wire::INSTALLED: return "installed";
    case wire::COMMITTED: return "committed";
    case wire::ROLLED_BACK: return "rolled_back";
    case wire::REJECTED: return "rejected";
    case wire::FAILED: return "failed";
    case wire::DEFERRED: return "deferred";
    default: return "";
  }
}

// Export order: oldest first; ties by device, then by position in its log.
bool older(sim_time a_at, device_index a_dev, std::uint32_t a_pos, sim_time b_at, device_index b_dev,
           std::uint32_t b_pos) {
  return std::tie(a_at, a_dev, a_pos) < std::tie(b_at, b_dev, b_pos);
}

}  // namespace

telemetry_store::telemetry_store(telemetry_limits limits) : limits_(limits) {
  FLEET_CHECK(limits_.versions_max >= 1 && limits_.versions_max <= 65'536, "versions_max outside [1, 65536]");
  versions_.emplace_back();  // id 0: "" (no version, or the table was full)
  version_ids_.emplace("", 0);
}

ingest_refusal telemetry_store::validate(const wire::TelemetryBatch& batch) {
  if (static_cast<std::size_t>(batch.events_size()) > wire::telemetry_events_max) return ingest_refusal::too_many_events;
  if (batch.first_event_number() > std::numeric_limits<std::uint64_t>::max() - wire::telemetry_events_max ||
      batch.dropped_events() > event_number_gap_max) {
    return ingest_refusal::bad_numbering;
  }
  for (const auto& e : batch.events()) {
    if (!wire::EventKind_IsValid(e.kind()) || !wire::UpdateOutcome_IsValid(e.update_outcome()) ||
        e.version().size() > event_version_bytes_max || e.data().size() > wire::event_data_bytes_max) {
      return ingest_refusal::bad_event;
    }
  }
  return ingest_refusal::none;
}

void telemetry_store::drop_oldest(device_log& log) {
  FLEET_CHECK(log.live() > 0, "dropping from an empty device log");
  ++log.head;
  ++log.store_dropped;
  --events_;
  // Erase the dead prefix once it is the larger half: amortised O(1) a drop,
  // and the vector never holds more than twice the bound.
  if (log.head * 2 >= log.events.size()) {
    log.events.erase(log.events.begin(), log.events.begin() + log.head);
    log.head = 0;
  }
}

void telemetry_store::forget_old(sim_time now, device_log& log) {
  while (log.live() > 0 && log.events[log.head].received_at + telemetry_retention < now) {
    drop_oldest(log);
    ++counters_.dropped_age;
  }
}

std::uint16_t telemetry_store::intern(const std::string& version) {
  if (auto it = version_ids_.find(version); it != version_ids_.end()) return it->second;
  if (versions_.size() >= limits_.versions_max) {
    ++counters_.versions_not_interned;
    return 0;
  }
  const auto id = static_cast<std::uint16_t>(versions_.size());
  versions_.push_back(version);
  version_ids_.emplace(version, id);
  return id;
}

ingest_result telemetry_store::ingest(sim_time now, device_index device, const wire::TelemetryBatch& batch) {
  ingest_result out;
  out.refusal = device >= limits_.devices_max ? ingest_refusal::unknown_device : validate(batch);
  if (!out.ok()) {
    ++counters_.refused[static_cast<std::size_t>(out.refusal)];
    return out;
  }
  if (device >= logs_.size()) logs_.resize(std::size_t{device} + 1);
  device_log& log = logs_[device];
  const std::uint64_t first = batch.first_event_number();
  if (first > log.next_number + event_number_gap_max) {
    out.refusal = ingest_refusal::bad_numbering;
    ++counters_.refused[static_cast<std::size_t>(out.refusal)];
    return out;
  }
  ++counters_.batches;
  forget_old(now, log);

  const std::uint64_t end = first + static_cast<std::uint64_t>(batch.events_size());
  if (end > log.next_number) {
    // New numbers: the device's drop count belongs to this batch (a resend
    // of an earlier one would not move the numbering and is not counted).
    log.device_dropped += batch.dropped_events();
    counters_.device_dropped += batch.dropped_events();
  }
  if (first > log.next_number) {
    out.gap = first - log.next_number;
    log.gaps += out.gap;
    counters_.gaps += out.gap;
  }
  for (int i = 0; i < batch.events_size(); ++i) {
    if (first + static_cast<std::uint64_t>(i) < log.next_number) {
      ++out.duplicates;
      continue;
    }
    if (events_ >= limits_.events_max) {
      ++log.store_dropped;
      ++counters_.dropped_store_full;
      continue;
    }
    const wire::DeviceEvent& e = batch.events(i);
    log.events.push_back({e.device_time_us(), now, e.exit_status(), e.signal(), intern(e.version()),
                          static_cast<std::uint8_t>(e.kind()), static_cast<std::uint8_t>(e.update_outcome())});
    ++events_;
    ++out.stored;
    if (log.live() > events_per_device_max) {
      drop_oldest(log);
      ++counters_.dropped_per_device_bound;
    }
  }
  log.next_number = std::max(log.next_number, end);
  // Never past what this batch carried: the device forgets what is acked,
  // and numbers above its batch are none of its own.
  out.acked_through = std::min(log.next_number, end);
  counters_.stored += out.stored;
  counters_.duplicates += out.duplicates;
  return out;
}

device_telemetry telemetry_store::of(device_index device) const {
  if (device >= logs_.size()) return {};
  const device_log& log = logs_[device];
  return {static_cast<std::uint32_t>(log.live()), log.next_number, log.device_dropped, log.store_dropped, log.gaps};
}

void telemetry_store::collect(const device_log& log, device_index device, sim_time since,
                              std::vector<row_ref>& heap) const {
  // A min-heap of the newest export_rows_max rows seen so far: memory stays
  // bounded whatever the size of the tenant.
  auto newer = [](const row_ref& a, const row_ref& b) {
    return older(b.received_at, b.device, b.position, a.received_at, a.device, a.position);
  };
  for (std::size_t i = log.head; i < log.events.size(); ++i) {
    const stored_event& e = log.events[i];
    if (e.received_at < since) continue;
    row_ref r{e.received_at, device, static_cast<std::uint32_t>(i)};
    if (heap.size() == export_rows_max) {
      if (!newer(r, heap.front())) continue;  // the front is the oldest row kept
      std::pop_heap(heap.begin(), heap.end(), newer);
      heap.back() = r;
    } else {
      heap.push_back(r);
    }
    std::push_heap(heap.begin(), heap.end(), newer);
  }
}

std::string telemetry_store::export_csv(const registry& devices, const export_filter& filter, sim_time now) const {
  const sim_time since = now - telemetry_retention;
  std::vector<row_ref> rows;
  rows.reserve(export_rows_max);
  auto visit = [&](device_index d) {
    if (d < logs_.size()) collect(logs_[d], d, since, rows);
  };
  if (filter.device) {
    const device_record* record = devices.device(*filter.device);
    if (record != nullptr && record->tenant == filter.tenant) visit(*filter.device);
  } else {
    for (device_index d : devices.devices_of(filter.tenant)) visit(d);
  }
  std::sort(rows.begin(), rows.end(), [](const row_ref& a, const row_ref& b) {
    return older(a.received_at, a.device, a.position, b.received_at, b.device, b.position);
  });

  std::string out = "device_id,device_time,kind,exit_status,signal,update_outcome,version\n";
  for (const row_ref& r : rows) {
    const stored_event& e = logs_[r.device].events[r.position];
    out += crypto::to_hex(crypto::as_view(devices.device(r.device)->id));
    out += ',';
    out += csv::iso8601_utc(e.device_time_us);
    out += ',';
    out += kind_name(e.kind);
    out += ',';
    out += std::to_string(e.exit_status);
    out += ',';
    out += std::to_string(e.signal);
    out += ',';
    out += outcome_name(e.outcome);
    out += ',';
    csv::append_text(out, versions_[e.version]);
    out += '\n';
  }
  return out;
}

const char* name_of(ingest_refusal r) {
  switch (r) {
    case ingest_refusal::none: return "none";
    case ingest_refusal::unknown_device: return "unknown_device";
    case ingest_refusal::too_many_events: return "too_many_events";
    case ingest_refusal::bad_numbering: return "bad_numbering";
    case ingest_refusal::bad_event: return "bad_event";
    case ingest_refusal::count_: break;
  }
  return "?";
}

}  // namespace fleet::cloud
