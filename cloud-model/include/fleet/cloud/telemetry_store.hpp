#pragma once
// Telemetry and error reports as the service keeps them: per device, a
// bounded log of DeviceEvents (at most events_per_device_max, none older
// than retention; the oldest are dropped and counted), filled from
// TelemetryBatches idempotently and exported to operators as CSV.
//
// Idempotency: a device numbers its events (first_event_number + index). The
// store remembers, per device, the number after the last one it took: a batch
// resent after a lost ack adds nothing, a jump forward is a gap (events the
// device dropped or lost to power) and is counted. The device's own
// dropped_events count is added only for a batch that moves the numbering
// forward, so a resend never counts it twice (every event a device drops
// consumes a number, so a batch that reports new drops always moves it).
//
// Retention runs on the service's clock (`now` at ingest), not the device's:
// a device with a wrong clock cannot keep its events forever or lose them early.
//
// Memory: 64 bytes per device that ever sent telemetry (index up to the
// highest one seen) plus 32 bytes per stored event; the total number of
// events is bounded too (events_max): past it new events are acked but not
// kept, and counted. The legacy payload (DeviceEvent.data) is not kept: it
// is not part of the export, and keeping 256 bytes an event would multiply
// the store's size.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/registry.hpp"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

using namespace std::chrono_literals;

inline constexpr std::size_t events_per_device_max = 1'000;
inline constexpr duration telemetry_retention = 14 * 24h;
inline constexpr std::size_t export_rows_max = 1'000;
inline constexpr std::size_t event_version_bytes_max = 64;  ///< longer: the batch is refused

struct telemetry_limits {
  std::uint64_t events_max = 16'000'000;  ///< all devices together (32 bytes each)
  std::uint32_t devices_max = 4'000'000;  ///< device indices accepted: [0, devices_max)
  std::size_t versions_max = 65'536;      ///< distinct version strings kept, "" included; more are stored as ""
};

/// How far a batch's numbering may jump past what the store took, and how
/// many drops one batch may report: a device skips only what it dropped,
/// and its buffer drops far fewer between two uploads. Bounds what a
/// numbering can do to the store (and, through the ack, to the device).
inline constexpr std::uint64_t event_number_gap_max = std::uint64_t{1} << 24;

enum class ingest_refusal : std::uint8_t {
  none,
  unknown_device,       ///< index at or past devices_max
  too_many_events,      ///< over wire::telemetry_events_max in one batch
  bad_numbering,        ///< numbering jumps more than event_number_gap_max ahead, or counts past it
  bad_event,            ///< unknown kind or outcome, version or data too long
  count_
};
inline constexpr std::size_t ingest_refusal_count = static_cast<std::size_t>(ingest_refusal::count_);

struct ingest_result {
  ingest_refusal refusal = ingest_refusal::none;
  std::uint64_t acked_through = 0;  ///< for TelemetryAck: every event numbered below was taken
  std::uint32_t stored = 0;
  std::uint32_t duplicates = 0;     ///< numbers seen before (a resend)
  std::uint64_t gap = 0;            ///< numbers skipped before this batch
  bool ok() const { return refusal == ingest_refusal::none; }
};

/// One device's account, as the operator sees it in `device show`.
struct device_telemetry {
  std::uint32_t stored = 0;            ///< events kept now
  std::uint64_t next_event_number = 0;
  std::uint64_t device_dropped = 0;    ///< dropped_events the device reported, summed
  std::uint64_t store_dropped = 0;     ///< dropped here: per-device bound, age, or store full
  std::uint64_t gaps = 0;              ///< event numbers never received
};

struct telemetry_counters {
  std::uint64_t batches = 0;
  std::uint64_t stored = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t gaps = 0;
  std::uint64_t device_dropped = 0;
  std::uint64_t dropped_per_device_bound = 0;
  std::uint64_t dropped_age = 0;
  std::uint64_t dropped_store_full = 0;
  std::uint64_t versions_not_interned = 0;
  std::array<std::uint64_t, ingest_refusal_count> refused{};
};

/// What export_csv covers: a tenant's devices, or one device (of that tenant).
struct export_filter {
  tenant_id tenant = 0;
  std::optional<device_index> device;
};

class telemetry_store {
 public:
  explicit telemetry_store(telemetry_limits limits = {});

  ingest_result ingest(sim_time now, device_index device, const wire::TelemetryBatch& batch);

  /// The newest events (at most export_rows_max, none older than retention)
  /// as CSV with a header line, oldest first. Device IDs and tenants come
  /// from `devices`.
  std::string export_csv(const registry& devices, const export_filter& filter, sim_time now) const;

  device_telemetry of(device_index device) const;
  std::uint64_t events() const { return events_; }
  const telemetry_counters& counters() const { return counters_; }

  /// Its whole state, for a snapshot (telemetry_store_state.cpp).
  void save(state::TelemetryState& out) const;
  /// Takes a saved state into a store fresh from construction (same limits).
  restore_status restore(const state::TelemetryState& in);

 private:
  /// 32 bytes: the version string is interned.
  struct stored_event {
    std::int64_t device_time_us;
    sim_time received_at;
    std::int32_t exit_status;
    std::int32_t signal;
    std::uint16_t version;  ///< index into versions_
    std::uint8_t kind;      ///< wire::EventKind
    std::uint8_t outcome;   ///< wire::UpdateOutcome
  };
  static_assert(sizeof(stored_event) == 32, "the memory figure above counts 32 bytes an event");
  /// Live events are events[head, end): dropping the oldest is ++head, and
  /// the dead prefix is erased once it is the larger half.
  struct device_log {
    std::vector<stored_event> events;
    std::uint32_t head = 0;
    std::uint64_t next_number = 0;
    std::uint64_t device_dropped = 0;
    std::uint64_t store_dropped = 0;
    std::uint64_t gaps = 0;
    std::size_t live() const { return events.size() - head; }
  };
  struct row_ref {
    sim_time received_at;
    device_index device;
    std::uint32_t position;  ///< in the device's events vector
  };

  static ingest_refusal validate(const wire::TelemetryBatch& batch);
  void drop_oldest(device_log& log);
  void forget_old(sim_time now, device_log& log);
  std::uint16_t intern(const std::string& version);
  void collect(const device_log& log, device_index device, sim_time since, std::vector<row_ref>& heap) const;

  telemetry_limits limits_;
  std::vector<device_log> logs_;  ///< by device index, grown to the highest seen
  std::vector<std::string> versions_;
  std::unordered_map<std::string, std::uint16_t> version_ids_;
  std::uint64_t events_ = 0;
  telemetry_counters counters_;
};

const char* name_of(ingest_refusal r);

}  // namespace fleet::cloud
