#pragma once
// The run's Prometheus endpoint: prometheus-cpp's exposer on HOST:PORT and a
// registry filled from live_snapshots (docs/metrics.md lists every series).
// The engine's hot counters stay in its shards; publishing copies their sums
// here, so nothing on the hot path touches a shared counter.

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run_input.hpp"

namespace fleet::actors {

/// The endpoint could not be opened (address taken, malformed, not local).
struct metrics_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class metrics_exporter {
 public:
  /// Listens on `address` ("HOST:PORT"; port 0 picks a free one) and
  /// creates every series the scenario can have, at 0, so that queries find
  /// them before the first event. Throws metrics_error.
  metrics_exporter(const std::string& address, const input::run_input& s);
  /// The security service alone (`fleetsim cloud serve`): the cloud's and
  /// the rollouts' series only.
  explicit metrics_exporter(const std::string& address);
  ~metrics_exporter();
  metrics_exporter(const metrics_exporter&) = delete;
  metrics_exporter& operator=(const metrics_exporter&) = delete;

  /// The port it listens on.
  int port() const;
  /// Copies the snapshot into the registry.
  void publish(const live_snapshot& s);
  /// Copies the cloud's part of it only: requests, certificates, rollouts.
  void publish_service(const live_snapshot& s);
  /// The verdicts of a complete run.
  void publish_expectations(const std::vector<expectation_result>& results);

 private:
  struct families;
  struct histogram_feed {
    prometheus::Histogram* histogram = nullptr;
    sim_histogram published;  ///< what it holds so far
  };
  void publish_fleet(const live_snapshot& s);
  void publish_network(const live_snapshot& s);
  void publish_cloud(const live_snapshot& s);
  void publish_rollouts(const live_snapshot& s);
  void publish_chaos(const live_snapshot& s);
  void publish_engine(const live_snapshot& s);
  static void feed(histogram_feed& into, const sim_histogram& now);

  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::unique_ptr<families> f_;
  histogram_feed message_latency_;
  histogram_feed attestation_time_;
  /// Versions seen so far by (group, version): set to 0 when none run it any more.
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> version_gauges_;
  std::chrono::steady_clock::time_point last_at_;
  std::uint64_t last_events_ = 0;
  sim_time last_reached_{0};
};

}  // namespace fleet::actors
