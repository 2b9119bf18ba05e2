#pragma once
// A histogram of simulated durations with fixed buckets: cheap to fill on
// the hot path (a shard keeps its own, nothing shared), cheap to add up, and
// published as a Prometheus histogram.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace fleet::actors {

class sim_histogram {
 public:
  /// Upper bounds of the buckets, in simulated seconds; one more bucket
  /// (+Inf) takes the rest. From 10 ms to a day: a message's latency to a
  /// device waiting out an outage for its certificate.
  static constexpr std::array<double, 14> bounds{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                 2.5,  10,    60,   300, 1800, 3600, 86400};

  void observe(std::chrono::microseconds d) {
    const double s = static_cast<double>(d.count()) / 1e6;
    std::size_t b = 0;
    while (b < bounds.size() && s > bounds[b]) ++b;
    ++counts_[b];
    sum_seconds_ += s;
  }

  sim_histogram& operator+=(const sim_histogram& other) {
    for (std::size_t b = 0; b < counts_.size(); ++b) counts_[b] += other.counts_[b];
    sum_seconds_ += other.sum_seconds_;
    return *this;
  }

  /// Observations per bucket, not cumulative; the last is the +Inf bucket.
  const std::array<std::uint64_t, bounds.size() + 1>& counts() const { return counts_; }
  double sum_seconds() const { return sum_seconds_; }
  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (const std::uint64_t c : counts_) n += c;
    return n;
  }

  /// The upper bound of the bucket that holds the q-quantile (q in [0, 1]);
  /// +infinity when it falls in the last bucket, 0 when empty.
  double quantile_bound(double q) const;
  /// An estimate of the q-quantile (q in [0, 1]), in seconds: linear within
  /// the bucket that holds it, from the bucket below's bound (0 for the
  /// first), as Prometheus's histogram_quantile() estimates it; +infinity
  /// when it falls in the last bucket (past a day), 0 when empty.
  double quantile_estimate(double q) const;

  /// CAF's, defined where the engine's messages are made serializable
  /// (actors/src/engine/control_messages.hpp): a partition's histograms
  /// cross to the control in its reports.
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, sim_histogram& x);

 private:
  std::array<std::uint64_t, bounds.size() + 1> counts_{};
  double sum_seconds_ = 0;
};

}  // namespace fleet::actors
