// Names of the core's enums, for logs, records and reports.
#include "fleet/fw/core.hpp"
#include "fleet/fw/io.hpp"
#include "fleet/fw/reject_reason.hpp"
#include "fleet/fw/types.hpp"

namespace fleet::fw {

wire::Component to_wire(component c) {
  return static_cast<wire::Component>(static_cast<int>(c) + 1);
}

std::optional<component> from_wire(wire::Component c) {
  int v = static_cast<int>(c);
  if (v < 1 || v > static_cast<int>(component_count)) return std::nullopt;
  return static_cast<component>(v - 1);
}

const char* name_of(component c) {
  switch (c) {
    case component::bootloader: return "bootloader";
    case component::security_monitor: return "security_monitor";
    case component::os: return "os";
    case component::app: return "app";
    case component::legacy_firmware: return "legacy_firmware";
  }
  return "?";
}

const char* name_of(update_step s) {
  switch (s) {
    case update_step::none: return "none";
    case update_step::downloading: return "downloading";
    case update_step::staged: return "staged";
    case update_step::trial: return "trial";
  }
  return "?";
}

const char* name_of(reject_reason r) {
  switch (r) {
    case reject_reason::none: return "none";
    case reject_reason::malformed: return "malformed";
    case reject_reason::oversized: return "oversized";
    case reject_reason::unexpected: return "unexpected";
    case reject_reason::wrong_device: return "wrong_device";
    case reject_reason::bad_signature: return "bad_signature";
    case reject_reason::unknown_signing_key: return "unknown_signing_key";
    case reject_reason::revoked_signing_key: return "revoked_signing_key";
    case reject_reason::untrusted_ca: return "untrusted_ca";
    case reject_reason::certificate_expired: return "certificate_expired";
    case reject_reason::certificate_mismatch: return "certificate_mismatch";
    case reject_reason::manifest_expired: return "manifest_expired";
    case reject_reason::wrong_product: return "wrong_product";
    case reject_reason::incompatible_hardware: return "incompatible_hardware";
    case reject_reason::rollback: return "rollback";
    case reject_reason::not_newer: return "not_newer";
    case reject_reason::bad_size: return "bad_size";
    case reject_reason::chunk_digest_mismatch: return "chunk_digest_mismatch";
    case reject_reason::chunk_too_large: return "chunk_too_large";
    case reject_reason::image_digest_mismatch: return "image_digest_mismatch";
    case reject_reason::bad_session_key: return "bad_session_key";
    case reject_reason::bad_mac: return "bad_mac";
    case reject_reason::failed_before: return "failed_before";
    case reject_reason::session_not_bound: return "session_not_bound";
    case reject_reason::count_: break;
  }
  return "?";
}

const char* name_of(timer t) {
  switch (t) {
    case timer::request_timeout: return "request_timeout";
    case timer::retry: return "retry";
    case timer::attestation_renewal: return "attestation_renewal";
    case timer::update_check: return "update_check";
    case timer::telemetry_upload: return "telemetry_upload";
    case timer::boot_watchdog: return "boot_watchdog";
    case timer::health_check: return "health_check";
    case timer::os_deferral_end: return "os_deferral_end";
    case timer::count_: break;
  }
  return "?";
}

const char* name_of(record_kind k) {
  switch (k) {
    case record_kind::booted: return "booted";
    case record_kind::boot_fallback: return "boot_fallback";
    case record_kind::bricked: return "bricked";
    case record_kind::software_started: return "software_started";
    case record_kind::attested: return "attested";
    case record_kind::attestation_failed: return "attestation_failed";
    case record_kind::message_rejected: return "message_rejected";
    case record_kind::update_downloaded: return "update_downloaded";
    case record_kind::update_installed: return "update_installed";
    case record_kind::update_committed: return "update_committed";
    case record_kind::update_rolled_back: return "update_rolled_back";
    case record_kind::update_rejected: return "update_rejected";
    case record_kind::update_failed: return "update_failed";
    case record_kind::update_deferred: return "update_deferred";
    case record_kind::app_crashed: return "app_crashed";
    case record_kind::telemetry_dropped: return "telemetry_dropped";
    case record_kind::legacy_flashed: return "legacy_flashed";
    case record_kind::powered_off: return "powered_off";
    case record_kind::key_store_taken: return "key_store_taken";
    case record_kind::restricted_session: return "restricted_session";
    case record_kind::count_: break;
  }
  return "?";
}

namespace {

class reject_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "fleet.fw.reject"; }
  std::string message(int v) const override { return name_of(static_cast<reject_reason>(v)); }
};

}  // namespace

const std::error_category& reject_category() {
  static const reject_category_impl category;
  return category;
}

std::error_code make_error_code(reject_reason r) {
  return {static_cast<int>(r), reject_category()};
}

}  // namespace fleet::fw
