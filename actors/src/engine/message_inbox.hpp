#pragma once
// The messages on their way to one entity, taken in delivery order
// (delivered_before). A heap of its own rather than std::priority_queue,
// which only lets its top be copied out: every message taken copied its
// bytes, an allocation and a copy per message handled.

#include <algorithm>
#include <vector>

#include "engine/sim_message.hpp"

namespace fleet::actors {

class message_inbox {
 public:
  bool empty() const { return heap_.empty(); }
  /// The next message in delivery order. Not on an empty inbox.
  const sim_message& next() const { return heap_.front(); }

  void push(sim_message m) {
    heap_.push_back(std::move(m));
    std::push_heap(heap_.begin(), heap_.end(), later{});
  }
  /// Removes the next message and hands it over. Not on an empty inbox.
  sim_message take() {
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    sim_message m = std::move(heap_.back());
    heap_.pop_back();
    return m;
  }

 private:
  struct later {
    bool operator()(const sim_message& a, const sim_message& b) const { return delivered_before(b, a); }
  };
  std::vector<sim_message> heap_;
};

}  // namespace fleet::actors
