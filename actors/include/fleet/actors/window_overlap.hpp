#pragma once
// What the windows run on one thread could have gained from a second one.
// A sparse window runs its hosts (the cloud, the shards with work) one after
// the other on the coordinator's thread, because handing them to the actors
// costs more than it saves. This sums, over those windows, the hosts' own
// time and the least time two threads could have taken for the same
// windows with no hand-over cost at all: per window, the longest host or
// half of their sum, whichever is more. The gap between the two is all that
// running sparse windows side by side could ever give (bench/README.md).

#include <algorithm>

namespace fleet::actors {

class window_overlap {
 public:
  /// One window's hosts: the sum of their run times and the longest, in seconds.
  void add_window(double hosts_seconds, double longest_host_seconds) {
    hosts_seconds_ += hosts_seconds;
    two_threads_seconds_ += std::max(longest_host_seconds, hosts_seconds / 2);
  }

  /// The hosts' time in the windows counted.
  double hosts_seconds() const { return hosts_seconds_; }
  /// The same windows on two threads, at best.
  double two_threads_seconds() const { return two_threads_seconds_; }

 private:
  double hosts_seconds_ = 0;
  double two_threads_seconds_ = 0;
};

}  // namespace fleet::actors
