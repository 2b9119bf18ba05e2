#include "device_id_table.hpp"

#include "fleet/check.hpp"

namespace fleet::cloud {

std::uint64_t device_id_table::hash(const crypto::device_id& id) {
  std::uint64_t h = 0;
  for (std::size_t i = 0; i < 8; ++i) h = (h << 8) | id[i];
  return h;
}

std::optional<device_index> device_id_table::find(const crypto::device_id& id,
                                                  const std::vector<device_record>& records) const {
  if (slots_.empty()) return std::nullopt;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash(id) & mask;; i = (i + 1) & mask) {
    const std::uint32_t at = slots_[i];
    if (at == empty) return std::nullopt;
    if (records[at].id == id) return at;
  }
}

void device_id_table::insert(device_index index, const std::vector<device_record>& records) {
  // Keep at most half the slots used so probes stay short and one is always empty.
  if ((used_ + 1) * 2 > slots_.size()) grow(records);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(records[index].id) & mask;
  while (slots_[i] != empty) {
    FLEET_CHECK(records[slots_[i]].id != records[index].id, "device ID inserted twice");
    i = (i + 1) & mask;
  }
  slots_[i] = index;
  ++used_;
}

void device_id_table::grow(const std::vector<device_record>& records) {
  std::vector<std::uint32_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, empty);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint32_t at : old) {
    if (at == empty) continue;
    std::size_t i = hash(records[at].id) & mask;
    while (slots_[i] != empty) i = (i + 1) & mask;
    slots_[i] = at;
  }
}

}  // namespace fleet::cloud
