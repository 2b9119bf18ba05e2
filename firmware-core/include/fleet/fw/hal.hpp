#pragma once
// The hardware the firmware core runs on, as interfaces the core defines.
// device-model implements them for simulation; a port to a real device would
// implement them again. The core never learns it is simulated.

#include <cstdint>
#include <string>
#include <string_view>

#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::fw {

/// Every write can be cut short by a power loss. After `power_lost` the
/// device has no power: the core stops and does nothing until power_on.
enum class flash_status : std::uint8_t { ok, power_lost };

/// Raw flash: two image slots per component (a header holding the signed
/// manifest, then the image chunks) and two small metadata sectors.
/// Returned views stay valid until the next call on the flash.
class flash_hal {
 public:
  virtual ~flash_hal() = default;
  /// The header stored in the slot: the signed manifest; empty when erased.
  virtual std::string_view read_header(component c, slot s) = 0;
  /// Chunk `index` of the slot; empty when never written.
  virtual std::string_view read_chunk(component c, slot s, std::uint32_t index) = 0;
  virtual flash_status erase_slot(component c, slot s) = 0;
  virtual flash_status write_header(component c, slot s, std::string_view bytes) = 0;
  virtual flash_status write_chunk(component c, slot s, std::uint32_t index,
                                   std::string_view bytes) = 0;
  /// Metadata sector 0 or 1; the core keeps two copies with sequence numbers.
  virtual std::string_view read_metadata(std::uint32_t sector) = 0;
  virtual flash_status write_metadata(std::uint32_t sector, std::string_view bytes) = 0;
  /// Bytes a metadata sector holds.
  virtual std::size_t metadata_sector_bytes() const = 0;
};

/// Pluton-like secure element: the device key never leaves it.
class secure_element_hal {
 public:
  virtual ~secure_element_hal() = default;
  virtual const crypto::public_key& device_public_key() const = 0;
  /// Signs with the device key (counted as a crypto operation).
  virtual crypto::signature sign(std::string_view message) = 0;
  /// Anti-rollback counter of a component: a security version floor.
  virtual std::uint32_t read_counter(component c) const = 0;
  /// Raises the counter to `value`; a lower value leaves it unchanged.
  virtual void advance_counter(component c, std::uint32_t value) = 0;
  /// Resets the measurement register; only the boot ROM calls this, at reset.
  virtual void begin_measured_boot() = 0;
  virtual void extend_measurement(const crypto::digest& stage) = 0;
  virtual const crypto::digest& measurement() const = 0;
  /// True random bytes.
  virtual void random(std::uint8_t* out, std::size_t size) = 0;
  /// The trusted key store the firmware last took (a serialized
  /// SignedKeyStore it verified); empty when it never took one. Kept
  /// through power loss; written whole or not at all.
  virtual std::string_view key_store() const = 0;
  virtual void store_key_store(std::string_view signed_store) = 0;
};

/// The device's real-time clock, which may drift or be set wrong.
class clock_hal {
 public:
  virtual ~clock_hal() = default;
  /// Wall-clock time the device believes it is, at simulated time `now`.
  virtual std::int64_t wall_time_us(sim_time now) const = 0;
};

/// What is running above the boot chain. The names are valid during the
/// runtime_hal::start call only.
struct running_software {
  wire::version versions[boot_chain_length];
  std::string_view image_names[boot_chain_length];
  bool app_present = true;
};

/// The software the core boots. The host reports how it goes back to the
/// core as software_event inputs (ready, crashed, failed to boot).
class runtime_hal {
 public:
  virtual ~runtime_hal() = default;
  virtual void start(sim_time now, const running_software& software) = 0;
  virtual void stop(sim_time now) = 0;
  /// How long from `now` the application asks to put off the pending OS
  /// update (0: none), told how long the firmware has put it off already
  /// for it (across reboots). The firmware caps the total at
  /// timing::os_deferral_max whatever the answer.
  virtual duration os_update_deferral(sim_time now, duration deferred) = 0;
};

/// A legacy device behind a guardian: no security of its own, only a port
/// through which the guardian flashes it.
class legacy_port_hal {
 public:
  virtual ~legacy_port_hal() = default;
  virtual flash_status write_firmware_chunk(std::uint32_t index, std::string_view bytes) = 0;
  /// Ends a flash: the legacy device restarts on the new firmware.
  virtual flash_status finish_firmware(const wire::version& v, std::uint64_t size_bytes) = 0;
};

/// The hardware a core runs on. Not owned by the core.
struct hal {
  flash_hal* flash = nullptr;
  secure_element_hal* secure_element = nullptr;
  clock_hal* clock = nullptr;
  runtime_hal* runtime = nullptr;
  legacy_port_hal* legacy = nullptr;  ///< guardian mode only
};

}  // namespace fleet::fw
