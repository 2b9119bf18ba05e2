#pragma once
// Limits on everything a scenario file holds. A file past one is refused with
// an error at the field that crosses it; nothing is truncated.

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "fleet/wire/limits.hpp"

namespace fleet::scenario {

using namespace std::chrono_literals;

inline constexpr std::size_t file_bytes_max = 1 << 20;               ///< a scenario file, read before parsing
inline constexpr std::size_t errors_max = 100;                       ///< reported per file; the rest are counted
inline constexpr std::size_t name_bytes_max = wire::name_bytes_max;  ///< every name in a file
/// Fields set from the command line (`--set PATH=VALUE`, `--duration`): how many, and how long each path and value.
inline constexpr std::size_t overrides_max = 64;
inline constexpr std::size_t override_path_bytes_max = 256;
inline constexpr std::size_t override_value_bytes_max = 4096;

inline constexpr std::size_t products_max = 64;
inline constexpr std::size_t hardware_revisions_max = wire::hardware_revisions_max;  ///< per product
inline constexpr std::size_t groups_max = 256;
/// Devices of the whole fleet: the cloud registry's default capacity.
inline constexpr std::uint64_t fleet_devices_max = 4'000'000;
inline constexpr std::uint64_t group_devices_max = fleet_devices_max;
inline constexpr std::size_t images_max = 1024;
inline constexpr std::size_t deployments_max = 256;
/// Images of one deployment: at most one per component of the boot chain.
inline constexpr std::size_t deployment_images_max = 4;

inline constexpr std::size_t faults_max = 256;
inline constexpr std::size_t expectations_max = 256;
inline constexpr std::size_t attacks_max = 64;
/// peak_request_rate's relative bounds: requests a device sends a second
/// (a device's own limits keep it far below), and a multiple of a calm peak.
inline constexpr double peak_rate_per_device_max = 1000;
inline constexpr double peak_rate_times_calm_max = 1000;
/// every_attack_stopped's `stopped_by` entries (one per attack or kind at most).
inline constexpr std::size_t stopped_by_max = attacks_max;
/// The checks one `stopped_by` entry names.
inline constexpr std::size_t stopped_by_checks_max = 8;
/// The service holds 16 image-signing keys: the first and 15 made by rotations.
inline constexpr std::size_t image_key_rotations_max = 15;
/// Image revocations in a run: each device keeps one bit per revocation (healed or not).
inline constexpr std::size_t revocations_max = 8;
/// The fleet-wide control's tick: short enough for a rollout's gates, long
/// enough that a tick's barrier stays a small cost.
inline constexpr std::chrono::microseconds control_interval_min = std::chrono::milliseconds(100);
inline constexpr std::chrono::microseconds control_interval_max = std::chrono::hours(1);
inline constexpr std::uint32_t partitions_max = 256;
/// Faults at random: events per device per day.
inline constexpr double fault_rate_per_day_max = 100;
/// A lasting fault at random: each spell lasts this long at least.
inline constexpr std::chrono::microseconds fault_spell_min = 1s;
/// A flood's requests per second per identity.
inline constexpr double flood_rate_max = 1000;
/// Identities one attack goes after.
inline constexpr std::uint32_t attack_identities_max = 10'000;
/// A power loss during a flash write tears at most the this-many-th write from its time.
inline constexpr std::uint32_t power_loss_write_max = 1000;
/// The chunk a tampering mirror aims at: an index below this many (an image of 4 GiB in 64 KiB chunks).
inline constexpr std::uint32_t tampered_chunk_max = 65'535;
/// `fleetsim explore`: faults and attacks drawn a run (Explore.max).
inline constexpr std::uint32_t explore_events_max = 16;
/// A clock jump moves a device clock by at most this much either way.
inline constexpr std::chrono::microseconds clock_jump_max = 5 * 365 * 24h;

/// Simulated time a run lasts at most; every duration in a file parses below
/// `duration_parse_max` (no overflow), then each field checks its own range.
inline constexpr std::chrono::microseconds run_duration_max = 365 * 24h;
inline constexpr std::chrono::microseconds duration_parse_max = 100 * 365 * 24h;
inline constexpr std::uint64_t size_parse_max = 1ull << 50;  ///< 1 PiB

/// Network: the engine's lookahead is the smallest latency, at least 1 ms.
inline constexpr std::chrono::microseconds latency_min = 1ms;
inline constexpr std::chrono::microseconds latency_max = 60s;
inline constexpr double loss_max = 0.9;                      ///< more is an outage: a fault of a later issue
inline constexpr std::uint64_t bandwidth_min = 1024;         ///< bytes per second
inline constexpr std::uint64_t bandwidth_max = 10ull << 30;  ///< bytes per second

/// Behaviour of a build (the device model's ranges, plus bounds of our own).
inline constexpr double crash_rate_per_hour_max = 3600;  ///< one crash a second of uptime
inline constexpr std::chrono::microseconds boot_duration_max = 1h;
inline constexpr std::chrono::microseconds os_update_deferral_max = 7 * 24h;
/// An image's manifest expires at most this long after the start (and by default then).
inline constexpr std::chrono::microseconds image_expiry_max = 3650 * 24h;
inline constexpr std::int32_t crash_exit_status_max = 255;
inline constexpr std::int32_t crash_signal_max = 64;

/// A product's device timing (DeviceTiming). Devices power on over at most
/// a month; they check for updates at least a minute apart (far inside a
/// device's request budget at the cloud, 2 a second) and at least once a
/// month; they renew their certificate at least a minute after it was issued
/// and at the latest when it expires (renewal_latest is the cloud's
/// certificate lifetime, asserted where the loader reads it).
inline constexpr std::chrono::microseconds power_on_spread_max = 30 * 24h;
inline constexpr std::chrono::microseconds update_check_interval_min = 1min;
inline constexpr std::chrono::microseconds update_check_interval_max = 30 * 24h;
inline constexpr std::chrono::microseconds renewal_earliest = 1min;
inline constexpr std::chrono::microseconds renewal_latest = 24h;

/// A guardian's legacy device: a reading at least a minute apart (the fleet's
/// telemetry stays bounded: a faster device mostly fills its guardian's
/// buffer), at least once a week.
inline constexpr std::chrono::microseconds reading_interval_min = 1min;
inline constexpr std::chrono::microseconds reading_interval_max = 7 * 24h;

}  // namespace fleet::scenario
