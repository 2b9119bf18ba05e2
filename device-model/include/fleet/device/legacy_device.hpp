#pragma once
// A legacy device behind a guardian: no security of its own. It takes
// firmware through the guardian's port and produces sensor readings at a
// fixed interval, which the host hands to the guardian core as fw::legacy_data.

#include <cstdint>
#include <string>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/fw/hal.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::device {

/// A reading never exceeds this (wire::event_data_bytes_max).
inline constexpr std::size_t legacy_reading_bytes_max = 256;

struct legacy_spec {
  wire::version firmware_version{1, 0, 0};
  std::uint64_t firmware_size_bytes = 64 * 1024;
  fw::duration reading_interval = std::chrono::minutes(15);
  fw::sim_time first_reading_at = fw::sim_time(std::chrono::minutes(1));
};

class legacy_device final : public fw::legacy_port_hal {
 public:
  /// Reading values come from the device's "legacy" stream.
  legacy_device(const legacy_spec& spec, std::uint64_t run_seed, std::uint64_t device_index);

  fw::flash_status write_firmware_chunk(std::uint32_t index, std::string_view bytes) override;
  fw::flash_status finish_firmware(const wire::version& v, std::uint64_t size_bytes) override;

  /// When the next reading is due.
  fw::sim_time next_reading_time() const { return next_reading_at_; }
  /// The reading due at or before `now` (empty when none is due). Readings
  /// missed while nobody asked are skipped: the next one is the first
  /// interval boundary after `now`.
  std::string take_reading(fw::sim_time now);

  const wire::version& firmware_version() const { return version_; }
  std::uint64_t firmware_size_bytes() const { return size_bytes_; }
  /// Bytes received through the port since the last completed flash.
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::uint64_t bytes_received_total() const { return bytes_received_total_; }
  std::uint32_t flashes_completed() const { return flashes_completed_; }
  /// True once a flash completed; the version is firmware_version().
  bool flashed() const { return flashes_completed_ > 0; }
  std::uint32_t readings_taken() const { return readings_; }

 private:
  crypto::random_stream rng_;
  fw::sim_time next_reading_at_;
  fw::duration interval_;
  std::uint64_t size_bytes_;
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_received_total_ = 0;
  std::uint32_t flashes_completed_ = 0;
  std::uint32_t readings_ = 0;
  wire::version version_;
};

}  // namespace fleet::device
