#include "serve_metrics.hpp"

#include "fleet/actors/service_snapshot.hpp"

namespace fleet::cli {

serve_metrics::serve_metrics(const std::string& address, cloud_server::served_service& service,
                             std::chrono::milliseconds every)
    : exporter_(address), service_(service), every_(every) {
  publish();  // the first scrape already sees the state replayed at start
  thread_ = std::thread([this] { loop(); });
}

serve_metrics::~serve_metrics() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

// The copy is taken under the service's lock, the publishing outside it.
void serve_metrics::publish() {
  const actors::live_snapshot snapshot = service_.read([](const cloud::security_service& service, cloud::sim_time now) {
    actors::live_snapshot s;
    s.reached = now;
    actors::add_service(service, {}, 0, s);
    return s;
  });
  exporter_.publish_service(snapshot);
}

void serve_metrics::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stopping_; })) {
    lock.unlock();
    publish();
    lock.lock();
  }
}

}  // namespace fleet::cli
