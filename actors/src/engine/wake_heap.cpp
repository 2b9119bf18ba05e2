#include "engine/wake_heap.hpp"

namespace fleet::actors {

void wake_heap::set(std::uint32_t slot, fw::sim_time at) {
  if (slot >= position_.size()) position_.resize(std::size_t{slot} + 1, absent);
  const std::uint32_t index = position_[slot];
  if (at == fw::never) {
    if (index == absent) return;
    position_[slot] = absent;
    const entry last = heap_.back();
    heap_.pop_back();
    if (index == heap_.size()) return;  // it was the last one
    place(index, last);
    sift_up(index);
    sift_down(position_[last.slot]);
    return;
  }
  if (index == absent) {
    heap_.push_back({at.count(), slot});
    position_[slot] = static_cast<std::uint32_t>(heap_.size() - 1);
    sift_up(heap_.size() - 1);
    return;
  }
  const bool sooner = at.count() < heap_[index].at_us;
  heap_[index].at_us = at.count();
  if (sooner) {
    sift_up(index);
  } else {
    sift_down(index);
  }
}

void wake_heap::lower(std::uint32_t slot, fw::sim_time at) {
  if (at < time_of(slot)) set(slot, at);
}

fw::sim_time wake_heap::time_of(std::uint32_t slot) const {
  if (slot >= position_.size() || position_[slot] == absent) return fw::never;
  return fw::sim_time{heap_[position_[slot]].at_us};
}

void wake_heap::place(std::size_t index, const entry& e) {
  heap_[index] = e;
  position_[e.slot] = static_cast<std::uint32_t>(index);
}

void wake_heap::sift_up(std::size_t index) {
  const entry e = heap_[index];
  while (index > 0) {
    const std::size_t parent = (index - 1) / 2;
    if (!earlier(e, heap_[parent])) break;
    place(index, heap_[parent]);
    index = parent;
  }
  place(index, e);
}

void wake_heap::sift_down(std::size_t index) {
  const entry e = heap_[index];
  const std::size_t n = heap_.size();
  for (;;) {
    std::size_t child = 2 * index + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
    if (!earlier(heap_[child], e)) break;
    place(index, heap_[child]);
    index = child;
  }
  place(index, e);
}

}  // namespace fleet::actors
