#include "fleet/device/legacy_device.hpp"

#include <cstdio>

#include "fleet/check.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::device {

static_assert(legacy_reading_bytes_max <= wire::event_data_bytes_max,
              "a reading must fit in one telemetry event");

legacy_device::legacy_device(const legacy_spec& spec, std::uint64_t run_seed,
                             std::uint64_t device_index)
    : rng_(run_seed, device_index, "legacy"),
      next_reading_at_(spec.first_reading_at),
      interval_(spec.reading_interval),
      size_bytes_(spec.firmware_size_bytes),
      version_(spec.firmware_version) {
  FLEET_CHECK(interval_.count() > 0, "legacy reading interval must be positive");
}

fw::flash_status legacy_device::write_firmware_chunk(std::uint32_t, std::string_view bytes) {
  bytes_received_ += bytes.size();
  bytes_received_total_ += bytes.size();
  return fw::flash_status::ok;
}

fw::flash_status legacy_device::finish_firmware(const wire::version& v, std::uint64_t size_bytes) {
  version_ = v;
  size_bytes_ = size_bytes;
  bytes_received_ = 0;
  ++flashes_completed_;
  return fw::flash_status::ok;
}

std::string legacy_device::take_reading(fw::sim_time now) {
  if (now < next_reading_at_) return {};
  const auto missed = (now - next_reading_at_) / interval_;
  const fw::sim_time due = next_reading_at_ + interval_ * missed;  // the latest boundary
  next_reading_at_ = due + interval_;
  ++readings_;
  // A temperature in tenths of a degree and a humidity, like a thermostat.
  const auto tenths = 150 + static_cast<int>(rng_.below(150));
  const auto humidity = 30 + static_cast<int>(rng_.below(40));
  char buf[legacy_reading_bytes_max];
  const int n = std::snprintf(buf, sizeof buf, "fw=%u.%u.%u seq=%u t_us=%lld temp_c=%d.%d rh=%d",
                              version_.major, version_.minor, version_.patch, readings_,
                              static_cast<long long>(due.count()), tenths / 10, tenths % 10,
                              humidity);
  FLEET_CHECK(n > 0 && static_cast<std::size_t>(n) < sizeof buf, "reading too long");
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace fleet::device
