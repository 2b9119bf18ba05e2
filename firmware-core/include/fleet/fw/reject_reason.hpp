#pragma once
// Why the core refused an input. Expected protocol failures are values,
// counted per reason, never exceptions.

#include <cstddef>
#include <cstdint>
#include <system_error>

namespace fleet::fw {

enum class reject_reason : std::uint8_t {
  none = 0,
  malformed,              ///< not a parseable envelope, or a field of the wrong size
  oversized,              ///< past a wire limit
  unexpected,             ///< no request waiting for it, or the wrong kind of answer
  wrong_device,           ///< addressed to another device ID
  bad_signature,          ///< signature does not verify
  unknown_signing_key,    ///< signed by a key the device does not trust
  untrusted_ca,           ///< CA certificate not signed by the service root
  certificate_expired,    ///< outside its validity on the device clock
  certificate_mismatch,   ///< certificate names another device or key
  manifest_expired,       ///< freeze: a stale manifest
  wrong_product,
  incompatible_hardware,
  rollback,               ///< security version below the anti-rollback counter
  not_newer,              ///< version not above the installed one
  bad_size,               ///< size, chunk size or chunk count inconsistent or too large
  chunk_digest_mismatch,  ///< tampered chunk
  chunk_too_large,        ///< endless data: more bytes than the manifest declares
  image_digest_mismatch,  ///< whole image does not match after download
  bad_session_key,        ///< the service's key exchange value is unusable
  bad_mac,                ///< a reply in a session without a valid session MAC
  failed_before,          ///< the image already failed a trial boot on this device
  session_not_bound,      ///< the session share is not the one the certificate names
  revoked_signing_key,    ///< signed by a key the trusted key store revoked (a leaked key)
  count_
};

inline constexpr std::size_t reject_reason_count = static_cast<std::size_t>(reject_reason::count_);

const char* name_of(reject_reason r);

const std::error_category& reject_category();
std::error_code make_error_code(reject_reason r);

}  // namespace fleet::fw

namespace std {
template <>
struct is_error_code_enum<fleet::fw::reject_reason> : true_type {};
}  // namespace std
