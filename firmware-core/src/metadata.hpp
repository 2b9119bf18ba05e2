#pragma once
// The boot metadata record: which slot is active per component, a pending
// trial boot, a download in progress and the OS update deferral granted for
// it. Kept in two flash sectors with
// sequence numbers and a checksum, written alternately, so a power loss in
// the middle of a write always leaves the previous record readable.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "fleet/fw/hal.hpp"

namespace fleet::fw {

inline constexpr std::uint8_t no_component = 0xff;

struct metadata_record {
  std::uint32_t sequence = 0;
  std::uint8_t active_slots = 0;  ///< bit i set: component i boots from slot B
  std::uint8_t trial_component = no_component;
  std::uint8_t trial_tries_left = 0;
  std::uint8_t download_component = no_component;
  std::uint32_t download_chunks_done = 0;
  std::array<std::uint8_t, 16> download_manifest{};  ///< prefix of the manifest digest
  /// Prefix of the image digest that last failed its trial boot: never
  /// installed again, so a bad build cannot loop install -> rollback.
  std::array<std::uint8_t, 16> failed_image{};
  /// Seconds of OS update deferral granted so far for the pending download.
  /// Bound to that image: every change of download_component or
  /// download_manifest clears it in the same write (begin_download,
  /// clear_download). Charged in full before a deferral starts, so a reboot
  /// or power loss inside one cannot hand out the allowance again.
  std::uint32_t deferral_granted_s = 0;

  slot active(component c) const {
    return (active_slots >> index_of(c)) & 1u ? slot::b : slot::a;
  }
  void set_active(component c, slot s) {
    auto bit = static_cast<std::uint8_t>(1u << index_of(c));
    active_slots = s == slot::b ? static_cast<std::uint8_t>(active_slots | bit)
                                : static_cast<std::uint8_t>(active_slots & ~bit);
  }
  bool trial_pending() const { return trial_component != no_component; }
  bool download_pending() const { return download_component != no_component; }
  /// A new pending download: no chunk yet, no deferral granted yet.
  void begin_download(component c, const std::array<std::uint8_t, 16>& manifest_prefix) {
    download_component = static_cast<std::uint8_t>(index_of(c));
    download_chunks_done = 0;
    download_manifest = manifest_prefix;
    deferral_granted_s = 0;
  }
  /// No pending download, and nothing granted for one.
  void clear_download() {
    download_component = no_component;
    download_chunks_done = 0;
    deferral_granted_s = 0;
  }
};

/// Fixed little-endian layout with magic, format and CRC-32.
std::string encode(const metadata_record& r);
std::optional<metadata_record> decode(std::string_view bytes);

/// Loads the newest valid copy; factory defaults (all slot A) when neither is.
metadata_record load_metadata(flash_hal& flash);
/// Writes `r` with the next sequence number into the sector that does not
/// hold the newest copy. On success `r.sequence` is the new number.
flash_status store_metadata(flash_hal& flash, metadata_record& r);

}  // namespace fleet::fw
