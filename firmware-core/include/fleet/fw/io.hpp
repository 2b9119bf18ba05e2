#pragma once
// What goes into the firmware core and what comes out of it.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fleet/crypto/crypto.hpp"
#include "fleet/fw/reject_reason.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::fw {

/// Timers the core arms. The host fires them; a stale firing is ignored.
enum class timer : std::uint8_t {
  request_timeout,      ///< the outstanding request got no answer
  retry,                ///< backoff before the next attempt of the current work
  attestation_renewal,  ///< renew the certificate before it expires
  update_check,
  telemetry_upload,
  boot_watchdog,        ///< software did not report ready in time
  health_check,         ///< trial image healthy long enough: commit
  os_deferral_end,      ///< the application's OS update deferral is over
  count_
};
inline constexpr std::size_t timer_count = static_cast<std::size_t>(timer::count_);
const char* name_of(timer t);

// ------------------------------------------------------------------ inputs

/// Power comes (back) on: RAM is empty, the core boots from flash.
struct power_on {};
/// Power goes away: nothing volatile survives.
struct power_off {};
/// Bytes from the network: one serialized wire::Envelope.
struct message {
  std::string bytes;
};
struct timer_fired {
  timer which;
};
/// The running software reports on itself (through the host).
struct software_event {
  enum class kind : std::uint8_t { ready, boot_failed, crashed, unhealthy } what = kind::ready;
  std::int32_t exit_status = 0;
  std::int32_t signal = 0;
};
/// Data from the legacy device behind a guardian.
struct legacy_data {
  std::string bytes;
};

using input = std::variant<power_on, power_off, message, timer_fired, software_event, legacy_data>;

// ----------------------------------------------------------------- outputs

/// Bytes for the network: one serialized wire::Envelope.
struct send {
  std::string bytes;
  /// What the request asks of the service: the field number of its
  /// Envelope body (device.proto), as a request names its route. The
  /// network routes by it (an outage of one part of the service) without
  /// parsing the bytes.
  std::uint8_t body = 0;
};
struct arm_timer {
  timer which;
  sim_time at;
};

/// What happened, for the run's record: checkers read these afterwards.
enum class record_kind : std::uint8_t {
  booted,               ///< chain verified; component = last stage started
  boot_fallback,        ///< a stage's active slot was invalid, the other one booted
  bricked,              ///< no valid chain in either slot
  software_started,     ///< one verified stage started: component, version, digest
  attested,             ///< certificate accepted
  attestation_failed,   ///< the service refused the evidence
  message_rejected,     ///< reason says why
  update_downloaded,
  update_installed,     ///< switched slots, trial boot next
  update_committed,
  update_rolled_back,
  update_rejected,      ///< reason says why
  update_failed,        ///< gave up after repeated failures
  update_deferred,
  app_crashed,
  telemetry_dropped,    ///< the buffer was full: the oldest event was dropped
  legacy_flashed,       ///< guardian flashed its legacy device with a verified image
  powered_off,          ///< a flash write or the host cut the power
  key_store_taken,      ///< a newer trusted key store verified and kept
  /// The service refused a certificate because software the device runs is
  /// no longer trusted, and granted a restricted session instead (update
  /// checks, repair downloads and update results only); `took` as for attested.
  restricted_session,
  count_
};
const char* name_of(record_kind k);

struct record {
  record_kind kind = record_kind::booted;
  component comp = component::app;
  reject_reason reason = reject_reason::none;
  wire::version version{};
  crypto::digest digest{};  ///< image digest for software and update records
  /// attested: from the attestation's first challenge request to the
  /// certificate accepted, retries and backoff included.
  duration took{0};
};

using output = std::variant<send, arm_timer, record>;
using outputs = std::vector<output>;

}  // namespace fleet::fw
