#pragma once
// What `fleetsim run` shows while it goes: on a terminal, one status block
// redrawn in place; into a pipe or a file, a plain line every few seconds.

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "fleet/actors/live_snapshot.hpp"

namespace fleet::cli {

/// The block's lines: time (simulated, share of the run, wall, ETA), devices
/// by state, each deployment's wave and state, events per second.
std::vector<std::string> status_lines(const actors::live_snapshot& s, double wall_seconds, double events_per_second);

/// The same in one line, for logs.
std::string status_line(const actors::live_snapshot& s, double wall_seconds, double events_per_second);

/// Writes the status to a stream (stderr in the program) as snapshots come.
class live_status {
 public:
  /// `terminal`: redraw a block in place; otherwise a line at most every `plain_every`.
  live_status(std::FILE* out, bool terminal, std::chrono::seconds plain_every = std::chrono::seconds(5));
  void show(const actors::live_snapshot& s);
  /// Takes the block off the screen (the summary comes next).
  void clear();

 private:
  std::FILE* out_;
  bool terminal_;
  std::chrono::seconds plain_every_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_shown_;
  std::chrono::steady_clock::time_point last_rate_at_;
  std::uint64_t last_events_ = 0;
  double events_per_second_ = 0;
  std::size_t lines_on_screen_ = 0;
};

}  // namespace fleet::cli
