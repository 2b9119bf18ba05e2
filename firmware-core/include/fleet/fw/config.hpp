#pragma once
// What a device knows before it first boots: its ROM trust anchors and the
// firmware's settings. One config is shared by every device of a product and
// hardware revision; it is never copied per device.

#include <cstdint>
#include <string>
#include <vector>

#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/types.hpp"

namespace fleet::fw {

using namespace std::chrono_literals;

struct trusted_signing_key {
  std::uint32_t id = 0;
  crypto::public_key key{};
};

/// Keys burnt into ROM at manufacture.
struct rom {
  crypto::public_key service_root_key{};  ///< vouches for tenant CAs
  std::vector<trusted_signing_key> image_signing_keys;
};

struct timing {
  duration request_timeout = 30s;
  duration backoff_base = 5s;
  duration backoff_cap = 1h;
  /// Renewal at a uniform point in [renew_min, renew_max] after issue (Azure Sphere: 20-24 h).
  duration attestation_renew_min = 20h;
  duration attestation_renew_max = 24h;
  duration update_check_interval = 24h;
  duration update_check_jitter = 1h;   ///< uniform extra delay, spreads the fleet
  duration telemetry_upload_interval = 24h;
  duration telemetry_upload_jitter = 1h;
  duration boot_watchdog = 10min;      ///< software that is not ready by then failed to boot
  duration health_window = 5min;       ///< a trial image must stay healthy this long
  duration os_deferral_max = 24h;      ///< the app may defer an OS update this long at most
  duration clock_tolerance = 5min;     ///< slack on certificate validity for clock differences
};

struct config {
  rom rom_keys;
  std::string product;
  std::string hardware_revision;
  timing timers;
  std::uint32_t trial_boot_tries = 3;       ///< boots of a new image before it is rolled back
  std::uint32_t download_failures_max = 8;  ///< failed attempts before the update is given up
  std::uint32_t telemetry_capacity = 32;    ///< buffered events; the oldest are dropped past it
  bool guardian = false;                    ///< fronts a legacy device (hal::legacy set)
};

}  // namespace fleet::fw
