#pragma once
// Finds a device's dense index by its ID without a second copy of the ID:
// an open-addressing table of indices (linear probing), the IDs themselves
// stay in the registry's records. 4 bytes a slot, at most half full: 8 bytes
// per device, where an unordered_map would keep the 64-byte key again plus a
// node (about 100 bytes).
//
// Device IDs are SHA-512 outputs, so their first 8 bytes are already a good
// hash. A tenant could claim made-up IDs chosen to collide; that only slows
// its own claims (bounded at claim_ids_max a request), it cannot corrupt.

#include <cstdint>
#include <optional>
#include <vector>

#include "fleet/cloud/registry.hpp"

namespace fleet::cloud {

class device_id_table {
 public:
  std::optional<device_index> find(const crypto::device_id& id,
                                   const std::vector<device_record>& records) const;
  /// Adds `index` (records[index].id must not be in the table yet).
  void insert(device_index index, const std::vector<device_record>& records);

 private:
  static constexpr std::uint32_t empty = UINT32_MAX;
  static std::uint64_t hash(const crypto::device_id& id);
  void grow(const std::vector<device_record>& records);

  std::vector<std::uint32_t> slots_;
  std::size_t used_ = 0;
};

}  // namespace fleet::cloud
