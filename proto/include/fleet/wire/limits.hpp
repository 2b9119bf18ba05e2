#pragma once
// Limits on everything that crosses the wire. Both sides enforce them; a
// message past a limit is rejected before anything else looks at it.

#include <cstdint>

namespace fleet::wire {

inline constexpr std::uint64_t envelope_bytes_max = 128 * 1024;    ///< any one message
inline constexpr std::uint64_t image_bytes_max = 64ull << 20;      ///< 64 MiB
inline constexpr std::uint32_t chunk_bytes_min = 512;
inline constexpr std::uint32_t chunk_bytes_max = 64 * 1024;
inline constexpr std::uint32_t image_chunks_max = 4096;
inline constexpr std::uint32_t offer_manifests_max = 8;
inline constexpr std::uint32_t hardware_revisions_max = 32;
inline constexpr std::uint32_t name_bytes_max = 64;                ///< image, product, revision names
inline constexpr std::uint32_t reason_bytes_max = 128;
inline constexpr std::uint32_t telemetry_events_max = 256;         ///< per batch
inline constexpr std::uint32_t event_data_bytes_max = 256;         ///< legacy payload per event
inline constexpr std::uint32_t key_store_keys_max = 16;             ///< trusted or revoked, each
inline constexpr std::uint32_t nonce_bytes = 32;

}  // namespace fleet::wire
