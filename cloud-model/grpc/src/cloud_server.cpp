#include "fleet/cloud_server/cloud_server.hpp"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace fleet::cloud_server {
namespace {

// Timers are checked at least this often, so a deadline the service did not
// report yet (a device request made one) is never late by more.
constexpr std::chrono::microseconds timer_period_max{1'000'000};
// ... and at most this often, should a due timer leave its deadline in place.
constexpr std::chrono::microseconds timer_period_min{1'000};

}  // namespace

cloud_server::cloud_server(served_service& service, const std::string& listen)
    : service_(service), operator_api_(service), device_api_(service) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(message_bytes_max));
  builder.SetMaxSendMessageSize(static_cast<int>(message_bytes_max));
  builder.RegisterService(&operator_api_);
  builder.RegisterService(&device_api_);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    throw std::runtime_error("cannot listen on " + listen + " (HOST:PORT, the port free, the address local)");
  }
  timers_ = std::thread([this] { run_timers(); });
}

cloud_server::~cloud_server() { shutdown(); }

void cloud_server::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  server_->Shutdown();
  timers_.join();
}

void cloud_server::run_timers() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto until_next = service_.tick();
    lock.lock();
    const auto wait = std::clamp(until_next, timer_period_min, timer_period_max);
    wake_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

}  // namespace fleet::cloud_server
