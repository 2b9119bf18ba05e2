#pragma once
// The device firmware: a pure state machine. Every entry point takes the
// simulated time; timers come out as outputs and deadlines; hardware is
// reached only through the HAL. No clock, no OS randomness, no IO, no threads.

#include <array>
#include <cstdint>
#include <memory>

#include "fleet/fw/config.hpp"
#include "fleet/fw/hal.hpp"
#include "fleet/fw/io.hpp"

namespace fleet::fw {

enum class device_state : std::uint8_t {
  powered_off,
  running,  ///< chain booted; software started or starting
  bricked,  ///< no valid chain: needs physical recovery
};

/// How far the device is through an update, for hosts that observe it
/// (which step a fault met); the core itself never reads it.
enum class update_step : std::uint8_t {
  none,         ///< no update in progress
  downloading,  ///< an offer taken: chunks being fetched into the inactive slot
  staged,       ///< the whole image verified in flash, waiting to be installed (an OS deferral)
  trial,        ///< installed and booting or booted on trial, not committed yet
};
inline constexpr std::size_t update_step_count = 4;

/// "none", "downloading", "staged", "trial".
const char* name_of(update_step s);

/// The step from what the core holds: a trial armed in the metadata, a
/// download named in the metadata (it survives power loss, and is resumed
/// at boot), and a download in RAM whose image was verified whole. A trial
/// comes first: its boot is what a fault there puts at risk. A device off
/// keeps no RAM, so an image it had verified counts as downloading: it is
/// read back and verified again when the device boots.
update_step update_step_of(bool trial_pending, bool download_pending, bool image_verified);

struct counters {
  std::array<std::uint32_t, reject_reason_count> rejected{};  ///< by reason
  std::uint32_t boots = 0;
  std::uint32_t boot_fallbacks = 0;
  std::uint32_t attestations = 0;          ///< certificates accepted
  std::uint32_t attestation_failures = 0;  ///< refused by the service
  std::uint32_t requests_sent = 0;
  std::uint32_t request_timeouts = 0;
  std::uint32_t updates_committed = 0;
  std::uint32_t updates_rolled_back = 0;
  std::uint32_t updates_rejected = 0;
  std::uint32_t updates_failed = 0;
  std::uint32_t app_crashes = 0;
  std::uint32_t legacy_flashes = 0;
  std::uint32_t key_store_updates = 0;  ///< newer trusted key stores taken
  std::uint32_t restricted_sessions = 0;  ///< restricted-session grants accepted (revoked software)
  std::uint64_t chunks_downloaded = 0;
  std::uint64_t telemetry_generated = 0;  ///< events put in the buffer
  std::uint64_t telemetry_dropped = 0;    ///< the oldest, when the buffer was full
  std::uint64_t telemetry_uploaded = 0;   ///< acknowledged by the service
  std::uint64_t telemetry_lost_to_power = 0;  ///< buffered events gone with the RAM

  std::uint64_t rejected_total() const;
};

class core_state;

class core {
 public:
  /// `cfg` and the hardware in `hw` must outlive the core.
  core(const config& cfg, hal hw);
  ~core();
  core(core&&) noexcept;
  core& operator=(core&&) noexcept;

  /// Feeds one input at simulated time `now`; returns what the core does.
  outputs handle(sim_time now, const input& in);
  /// Like handle, but appends to `out` (hosts reuse one buffer).
  void handle(sim_time now, const input& in, outputs& out);

  /// Earliest armed timer; `never` when none.
  sim_time next_deadline() const;
  device_state state() const;
  const counters& stats() const;

  // Read-only views for hosts, checkers and tests.
  const crypto::device_id& id() const;
  /// A full session: a certificate accepted and not expired or dropped since.
  bool has_certificate() const;
  /// A restricted session: attestation failed on revoked software, and the
  /// service's signed grant allows repair traffic only.
  bool restricted_session() const;
  std::int64_t certificate_not_after_us() const;
  /// Version booted for a component (zero when not running).
  wire::version running_version(component c) const;
  /// Digest of the image booted for a component (zero when not running).
  const crypto::digest& running_image(component c) const;
  /// Slot the metadata marks active for a component.
  slot active_slot(component c) const;
  bool trial_pending() const;
  /// How far it is through an update now (update_step_of its state).
  update_step update_step_now() const;
  std::size_t telemetry_buffered() const;

 private:
  std::unique_ptr<core_state> state_;
};

}  // namespace fleet::fw
