#pragma once
// `fleetsim cloud serve --metrics-addr`: the served security service's
// figures (requests by answer, certificates, each deployment's rollout) on a
// Prometheus endpoint, refreshed every second from a thread of its own.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "fleet/actors/metrics_exporter.hpp"
#include "fleet/cloud_server/served_service.hpp"

namespace fleet::cli {

class serve_metrics {
 public:
  /// Listens on `address`; throws actors::metrics_error.
  serve_metrics(const std::string& address, cloud_server::served_service& service,
                std::chrono::milliseconds every = std::chrono::seconds(1));
  ~serve_metrics();
  serve_metrics(const serve_metrics&) = delete;
  serve_metrics& operator=(const serve_metrics&) = delete;

  int port() const { return exporter_.port(); }

 private:
  void publish();
  void loop();

  actors::metrics_exporter exporter_;
  cloud_server::served_service& service_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace fleet::cli
