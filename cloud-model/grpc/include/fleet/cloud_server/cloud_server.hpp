#pragma once
// The gRPC server of `fleetsim cloud serve`: the Operator and Device services
// of fleet.proto, the standard health service and server reflection, maximum
// message sizes, and a timer thread that runs the service's due timers.
//
// One server per port: gRPC's port sharing (SO_REUSEPORT) is turned off, so
// a second server on a taken port fails instead of splitting the clients
// between two states.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
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

/// The server's certificate chain and private key, PEM.
struct tls_identity {
  std::string certificate_chain_pem;
  std::string private_key_pem;
};

struct server_settings {
  std::string listen = default_listen;  ///< "HOST:PORT"; port 0 picks a free one
  std::optional<tls_identity> tls;      ///< none: plaintext
  /// Operator calls must carry `authorization: Bearer <token>`; none: the operator API is open.
  std::optional<std::string> operator_token;
};

/// The server could not start: the message says why, in one line.
class listen_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class cloud_server {
 public:
  /// Starts listening. Throws listen_error when it cannot (address taken,
  /// not local, not resolvable, TLS identity refused).
  cloud_server(served_service& service, const server_settings& settings);
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

/// Whether `address` ("HOST:PORT") can be bound now by a server that does not
/// share ports: an empty string, or why not ("Address already in use"...).
/// Binds and closes a socket on each address the host resolves to.
std::string probe_listen(const std::string& address);

}  // namespace fleet::cloud_server
