#include "fleet/cloud_server/cloud_server.hpp"

#include <grpc/grpc.h>
#include <grpc/support/log.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace fleet::cloud_server {
namespace {

// Timers are checked at least this often, so a deadline the service did not
// report yet (a device request made one) is never late by more.
constexpr std::chrono::microseconds timer_period_max{1'000'000};
// ... and at most this often, should a due timer leave its deadline in place.
constexpr std::chrono::microseconds timer_period_min{1'000};
// What a refusal quotes of gRPC's own log: its lines are long JSON.
constexpr std::size_t grpc_reason_chars_max = 240;

// gRPC logs why it cannot listen on stderr, in its own format, before our
// error: while a server starts its log is captured, and quoted in ours.
std::mutex log_mutex;
std::string* log_capture = nullptr;

void log_to_stderr_or_capture(gpr_log_func_args* args) {
  std::lock_guard<std::mutex> lock(log_mutex);
  if (log_capture != nullptr) {
    if (!log_capture->empty()) log_capture->push_back('\n');
    log_capture->append(args->message);
    return;
  }
  std::fprintf(stderr, "grpc %s %s:%d: %s\n", gpr_log_severity_string(args->severity), args->file, args->line,
               args->message);
}

/// Captures gRPC's log for its lifetime (one at a time: servers start in turn).
class captured_grpc_log {
 public:
  captured_grpc_log() {
    static std::once_flag installed;
    std::call_once(installed, [] { gpr_set_log_function(log_to_stderr_or_capture); });
    std::lock_guard<std::mutex> lock(log_mutex);
    log_capture = &text_;
  }
  ~captured_grpc_log() {
    std::lock_guard<std::mutex> lock(log_mutex);
    log_capture = nullptr;
  }
  captured_grpc_log(const captured_grpc_log&) = delete;
  captured_grpc_log& operator=(const captured_grpc_log&) = delete;
  std::string text() const {
    std::lock_guard<std::mutex> lock(log_mutex);
    // The first line says it ("Invalid cert chain file."); the rest is gRPC's error tree.
    const std::string first = text_.substr(0, text_.find('\n'));
    return first.size() > grpc_reason_chars_max ? first.substr(0, grpc_reason_chars_max) + "..." : first;
  }

 private:
  std::string text_;
};

struct host_and_port {
  std::string host;  ///< without IPv6 brackets
  std::string port;
};

host_and_port split(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return {address, ""};
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return {host, address.substr(colon + 1)};
}

}  // namespace

std::string probe_listen(const std::string& address) {
  const host_and_port hp = split(address);
  if (hp.host.empty() || hp.port.empty()) return "not HOST:PORT";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &found); rc != 0) {
    return "cannot resolve " + hp.host + ": " + gai_strerror(rc);
  }
  // Like gRPC: the server starts when one of the addresses binds. A taken
  // port on any of them is refused, though: clients of that address would
  // reach the other server.
  bool bound = false;
  int first_errno = 0;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) {
      if (first_errno == 0) first_errno = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as gRPC: TIME_WAIT does not block a restart
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0) {
      bound = true;
    } else if (errno == EADDRINUSE) {
      ::close(fd);
      freeaddrinfo(found);
      return std::string(std::strerror(EADDRINUSE)) + " (another server listens there)";
    } else if (first_errno == 0) {
      first_errno = errno;
    }
    ::close(fd);
  }
  freeaddrinfo(found);
  if (bound) return {};
  return first_errno != 0 ? std::strerror(first_errno) : "no address to bind";
}

cloud_server::cloud_server(served_service& service, const server_settings& settings)
    : service_(service), operator_api_(service, settings.operator_token), device_api_(service) {
  const std::string& listen = settings.listen;
  if (const std::string why = probe_listen(listen); !why.empty()) {
    throw listen_error("cannot listen on " + listen + ": " + why);
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (settings.tls) {
    grpc::SslServerCredentialsOptions tls(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    tls.pem_key_cert_pairs.push_back({settings.tls->private_key_pem, settings.tls->certificate_chain_pem});
    credentials = grpc::SslServerCredentials(tls);
  }
  builder.AddListeningPort(listen, credentials, &port_);
  // The probe above says why a port is taken; this makes it so even when
  // another server takes the port between the probe and the bind.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(message_bytes_max));
  builder.SetMaxSendMessageSize(static_cast<int>(message_bytes_max));
  builder.RegisterService(&operator_api_);
  builder.RegisterService(&device_api_);
  {
    captured_grpc_log log;
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      if (server_) server_->Shutdown();
      const std::string why = log.text();
      throw listen_error("cannot listen on " + listen + (settings.tls ? " with the TLS identity given" : "") +
                         (why.empty() ? std::string{} : ": gRPC says: " + why));
    }
  }
  const std::string asked = split(listen).port;
  if (asked != "0" && std::to_string(port_) != asked) {
    server_->Shutdown();
    throw listen_error("cannot listen on " + listen + ": gRPC bound port " + std::to_string(port_) + " instead");
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
