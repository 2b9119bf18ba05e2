#pragma once
// The gRPC server of `fleetsim cloud serve`: the Operator and Device services
// of fleet.proto, the standard health service and server reflection, maximum
// message sizes, and a timer thread that runs the service's due timers.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fleet/cloud_server/grpc_services.hpp"
#include "fleet/cloud_server/served_service.hpp"

namespace grpc {
class Server;
}

namespace fleet::cloud_server {

inline constexpr const char* default_listen = "127.0.0.1:50051";
/// Any one gRPC message, either way: an upload piece (1 MiB) with room to spare.
inline constexpr std::size_t message_bytes_max = 2u << 20;

class cloud_server {
 public:
  /// Starts listening on `listen` ("HOST:PORT"; port 0 picks a free one).
  /// Throws std::runtime_error when it cannot.
  cloud_server(served_service& service, const std::string& listen);
  ~cloud_server();
  cloud_server(const cloud_server&) = delete;
  cloud_server& operator=(const cloud_server&) = delete;

  /// The port listened on (the chosen one for port 0).
  int port() const { return port_; }
  /// Stops taking calls, lets running calls finish, stops the timer thread.
  void shutdown();

 private:
  void run_timers();

  served_service& service_;
  operator_api operator_api_;
  device_api device_api_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread timers_;
};

}  // namespace fleet::cloud_server
