#include "cloud_serve.hpp"

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "exit_codes.hpp"
#include "host_port.hpp"
#include "serve_metrics.hpp"
#include "fleet/cloud_server/cloud_server.hpp"

namespace fleet::cli {
namespace {

// An operator token is a secret: long enough not to be guessed, short
// enough for a header, and sent as is (printable ASCII, no spaces).
constexpr std::size_t operator_token_bytes_min = 16;
constexpr std::size_t operator_token_bytes_max = 4096;
// A PEM certificate chain or key: far more than any real one.
constexpr std::size_t pem_file_bytes_max = 1u << 20;

struct serve_options {
  std::string listen = cloud_server::default_listen;
  std::string state;
  std::uint64_t state_max_mib = cloud_server::journal_bytes_max_default >> 20;
  std::uint64_t seed = 1;
  std::string metrics_addr;
  std::string tls_cert;
  std::string tls_key;
  std::string operator_token_file;
  bool insecure = false;
};

/// The whole file, or the reason it cannot be used.
struct file_text {
  std::string text;
  std::string error;
};

file_text read_file(const std::string& path, std::size_t bytes_max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {{}, "cannot read " + path};
  std::ostringstream out;
  out << in.rdbuf();
  std::string text = out.str();
  if (text.size() > bytes_max) return {{}, path + " is larger than " + std::to_string(bytes_max) + " bytes"};
  return {std::move(text), {}};
}

/// The token of --operator-token-file (a trailing newline dropped), or why it is refused.
file_text read_operator_token(const std::string& path) {
  file_text token = read_file(path, operator_token_bytes_max + 2);
  if (!token.error.empty()) return token;
  while (!token.text.empty() && (token.text.back() == '\n' || token.text.back() == '\r')) token.text.pop_back();
  if (token.text.size() < operator_token_bytes_min || token.text.size() > operator_token_bytes_max) {
    return {{},
            path + ": an operator token is " + std::to_string(operator_token_bytes_min) + " to " +
                std::to_string(operator_token_bytes_max) + " characters"};
  }
  for (const char c : token.text) {
    if (c < 0x21 || c > 0x7e) return {{}, path + ": an operator token is printable ASCII without spaces"};
  }
  return token;
}

/// The server's settings from the options, or why they are refused (exit 2).
std::string server_settings_of(const serve_options& options, cloud_server::server_settings& out) {
  out.listen = options.listen;
  if (!options.tls_cert.empty()) {
    const file_text cert = read_file(options.tls_cert, pem_file_bytes_max);
    if (!cert.error.empty()) return "--tls-cert: " + cert.error;
    const file_text key = read_file(options.tls_key, pem_file_bytes_max);
    if (!key.error.empty()) return "--tls-key: " + key.error;
    out.tls = cloud_server::tls_identity{cert.text, key.text};
  }
  if (!options.operator_token_file.empty()) {
    const file_text token = read_operator_token(options.operator_token_file);
    if (!token.error.empty()) return "--operator-token-file: " + token.error;
    out.operator_token = token.text;
  }
  // Beyond loopback, anyone on the network can call: certificates and the
  // token must not travel in clear, and the operator API must not be open.
  if (!is_loopback(options.listen) && !options.insecure && (!out.tls || !out.operator_token)) {
    std::string missing;
    if (!out.tls) missing = "TLS (--tls-cert, --tls-key)";
    if (!out.operator_token)
      missing += std::string(missing.empty() ? "" : " and ") + "an operator token (--operator-token-file)";
    return "--listen " + options.listen + " reaches beyond loopback without " + missing +
           "; give them, or --insecure to serve so anyway";
  }
  return {};
}

std::int64_t utc_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int serve(const serve_options& options) {
  // SIGINT and SIGTERM are taken by sigwait below: block them before any
  // thread starts so that every gRPC thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  cloud_server::served_settings settings;
  if (!options.state.empty()) settings.state_path = options.state;
  settings.state_bytes_max = options.state_max_mib << 20;
  settings.seed = options.seed;
  settings.utc_now_us = utc_now_us;
  settings.replay_progress = [](std::uint64_t done, std::uint64_t total) {
    std::fprintf(stderr, "fleetsim cloud: replaying state: %llu of %llu commands\n",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
  };
  cloud_server::server_settings server_settings;
  if (const std::string why = server_settings_of(options, server_settings); !why.empty()) {
    std::fprintf(stderr, "fleetsim cloud serve: %s\n", why.c_str());
    return exit_bad_input;
  }
  // Before a long replay: an address that cannot be listened on is said at once.
  if (const std::string why = cloud_server::probe_listen(options.listen); !why.empty()) {
    std::fprintf(stderr, "fleetsim cloud serve: cannot listen on %s: %s\n", options.listen.c_str(), why.c_str());
    return exit_bad_input;
  }
  std::unique_ptr<cloud_server::served_service> service;
  try {
    service = std::make_unique<cloud_server::served_service>(settings);
  } catch (const cloud_server::journal_error& e) {
    std::fprintf(stderr, "fleetsim cloud serve: %s\n", e.what());
    return exit_bad_input;
  }
  std::unique_ptr<cloud_server::cloud_server> server;
  try {
    server = std::make_unique<cloud_server::cloud_server>(*service, server_settings);
  } catch (const cloud_server::listen_error& e) {
    std::fprintf(stderr, "fleetsim cloud serve: %s\n", e.what());
    return exit_bad_input;
  }
  std::unique_ptr<serve_metrics> metrics;
  if (!options.metrics_addr.empty()) {
    try {
      metrics = std::make_unique<serve_metrics>(options.metrics_addr, *service);
    } catch (const actors::metrics_error& e) {
      std::fprintf(stderr, "fleetsim cloud serve: --metrics-addr: %s\n", e.what());
      server->shutdown();
      return exit_bad_input;
    }
  }
  if (!is_loopback(options.listen) && (!server_settings.tls || !server_settings.operator_token)) {
    std::fprintf(stderr, "fleetsim cloud serve: warning: --insecure: serving beyond loopback without %s\n",
                 !server_settings.tls ? "TLS" : "an operator token");
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::printf(
      "fleetsim cloud: listening on %s:%d (%s, operator API %s; state: %s, seed %llu, snapshot through command "
      "%llu, %llu commands replayed)\n",
      host.c_str(), server->port(), server_settings.tls ? "TLS" : "plaintext",
      server_settings.operator_token ? "needs the token" : "open",
      service->durable() ? options.state.c_str() : "in memory", static_cast<unsigned long long>(service->seed()),
      static_cast<unsigned long long>(service->restored_through()),
      static_cast<unsigned long long>(service->replayed()));
  if (metrics) {
    std::printf("fleetsim cloud: metrics on http://%s/metrics\n",
                with_port(options.metrics_addr, metrics->port()).c_str());
  }
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::printf("fleetsim cloud: %s, stopping\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  server->shutdown();
  return exit_ok;
}

}  // namespace

void add_cloud_serve(CLI::App& cloud, int& exit_code) {
  auto options = std::make_shared<serve_options>();
  CLI::App* serve_cmd = cloud.add_subcommand("serve", "Serve the simulated security service over gRPC");
  serve_cmd
      ->add_option("--listen", options->listen,
                   "HOST:PORT to listen on (port 0: any free port). Beyond loopback it needs --tls-cert, --tls-key "
                   "and --operator-token-file, or --insecure")
      ->capture_default_str()
      ->type_name("HOST:PORT")
      ->check(host_port_validator());
  serve_cmd->add_option("--state", options->state,
                        "SQLite state file: every acknowledged change survives a restart (default: in memory)");
  serve_cmd
      ->add_option("--state-max-mib", options->state_max_mib,
                   "Size limit of the state file; a change that would pass it is refused (RESOURCE_EXHAUSTED, "
                   "nothing changed). Refused requests are not journaled")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20));
  serve_cmd->add_option("--seed", options->seed, "Seed of the service's keys, for a new state")->capture_default_str();
  serve_cmd
      ->add_option("--metrics-addr", options->metrics_addr,
                   "Serve Prometheus metrics on http://HOST:PORT/metrics (requests by answer, certificates, "
                   "rollouts; port 0: any free port)")
      ->type_name("HOST:PORT")
      ->check(host_port_validator());
  CLI::Option* cert = serve_cmd->add_option("--tls-cert", options->tls_cert,
                                            "PEM certificate chain: serve both APIs over TLS (with --tls-key)");
  CLI::Option* key = serve_cmd->add_option("--tls-key", options->tls_key, "PEM private key of --tls-cert");
  cert->needs(key);
  key->needs(cert);
  serve_cmd->add_option("--operator-token-file", options->operator_token_file,
                        "File holding the operator token (16 to 4096 printable characters): every operator call must "
                        "carry 'authorization: Bearer <token>' or is refused UNAUTHENTICATED. Device calls stay open");
  serve_cmd->add_flag("--insecure", options->insecure,
                      "Listen beyond loopback even without TLS or an operator token (anyone who reaches the port can "
                      "read the traffic or run the operator API)");
  serve_cmd->callback([options, &exit_code] { exit_code = serve(*options); });
}

}  // namespace fleet::cli
