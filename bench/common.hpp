#pragma once
// What the benchmarks share: what they measure with (process CPU time, so a
// shared machine's other work is not charged to a one-thread benchmark;
// glibc's heap in use; the spread of repeated rounds, so noise is visible)
// and how they read their command line.

#include <CLI/CLI.hpp>
#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <optional>
#include <vector>

namespace fleet::bench {

inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// CPU seconds `work` takes.
template <class Work>
double cpu_span(Work&& work) {
  const double start = cpu_seconds();
  work();
  return cpu_seconds() - start;
}

/// Heap bytes in use (arena + mmapped chunks), glibc.
inline std::int64_t heap_bytes() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
}

/// Smallest, median and largest of repeated measurements.
struct spread {
  double min = 0, median = 0, max = 0;
};

inline spread spread_of(std::vector<double> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  const double median = n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return {samples.front(), median, samples.back()};
}

/// Parses the command line. nullopt: go on; otherwise stop with this exit
/// code (0 after --help, 2 on a usage error), CLI11's message printed.
inline std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return e.get_exit_code() == 0 ? code : 2;
  }
  return std::nullopt;
}

}  // namespace fleet::bench
