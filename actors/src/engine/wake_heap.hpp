#pragma once
// When each device of a shard next has work: one entry per device, in
// (time, slot) order, whose time moves when the device's does. A heap that
// only took new entries left the old ones behind to be skipped when they
// surfaced: a device's daily timer was pushed again after each of its
// messages, so the heap grew to many times the shard's size and out of the
// cache, and every skipped entry asked its device for its time again.

#include <cstdint>
#include <vector>

#include "fleet/fw/types.hpp"

namespace fleet::actors {

class wake_heap {
 public:
  /// Sets when `slot` next has work; fw::never: no work, no entry.
  void set(std::uint32_t slot, fw::sim_time at);
  /// A message for `slot` arrives `at`: its work starts then at the latest.
  void lower(std::uint32_t slot, fw::sim_time at);

  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  /// The earliest entry; ties go to the lower slot. Not on an empty heap.
  fw::sim_time top_time() const { return fw::sim_time{heap_.front().at_us}; }
  std::uint32_t top_slot() const { return heap_.front().slot; }
  /// When `slot` next has work as the heap holds it; fw::never when it holds none.
  fw::sim_time time_of(std::uint32_t slot) const;

 private:
  struct entry {
    std::int64_t at_us;
    std::uint32_t slot;
  };
  static constexpr std::uint32_t absent = UINT32_MAX;
  static bool earlier(const entry& a, const entry& b) {
    return a.at_us < b.at_us || (a.at_us == b.at_us && a.slot < b.slot);
  }
  void place(std::size_t index, const entry& e);
  void sift_up(std::size_t index);
  void sift_down(std::size_t index);

  std::vector<entry> heap_;
  std::vector<std::uint32_t> position_;  ///< by slot: its entry's index in heap_, or absent
};

}  // namespace fleet::actors
