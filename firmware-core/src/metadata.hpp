#pragma once
// The boot metadata record: which slot is active per component, a pending
// trial boot, a download in progress. Kept in two flash sectors with
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
