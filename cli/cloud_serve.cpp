#include "cloud_serve.hpp"

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "exit_codes.hpp"
#include "host_port.hpp"
#include "serve_metrics.hpp"
#include "fleet/cloud_server/cloud_server.hpp"

namespace fleet::cli {
namespace {

struct serve_options {
  std::string listen = cloud_server::default_listen;
  std::string state;
  std::uint64_t state_max_mib = cloud_server::journal_bytes_max_default >> 20;
  std::uint64_t seed = 1;
  std::string metrics_addr;
};

std::int64_t utc_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
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
  std::unique_ptr<cloud_server::served_service> service;
  try {
    service = std::make_unique<cloud_server::served_service>(settings);
  } catch (const cloud_server::journal_error& e) {
    std::fprintf(stderr, "fleetsim cloud serve: %s\n", e.what());
    return exit_bad_input;
  }
  std::unique_ptr<cloud_server::cloud_server> server;
  try {
    server = std::make_unique<cloud_server::cloud_server>(*service, options.listen);
  } catch (const std::runtime_error& e) {
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
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::printf("fleetsim cloud: listening on %s:%d (state: %s, seed %llu, %llu commands replayed)\n", host.c_str(),
              server->port(), service->durable() ? options.state.c_str() : "in memory",
              static_cast<unsigned long long>(service->seed()), static_cast<unsigned long long>(service->replayed()));
  if (metrics) {
    std::printf("fleetsim cloud: metrics on http://%s/metrics\n", with_port(options.metrics_addr, metrics->port()).c_str());
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
  serve_cmd->add_option("--listen", options->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve_cmd->add_option("--state", options->state,
                        "SQLite state file: every acknowledged change survives a restart (default: in memory)");
  serve_cmd->add_option("--state-max-mib", options->state_max_mib,
                        "Size limit of the state file; past it changes are refused (RESOURCE_EXHAUSTED)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20));
  serve_cmd->add_option("--seed", options->seed, "Seed of the service's keys, for a new state")->capture_default_str();
  serve_cmd->add_option("--metrics-addr", options->metrics_addr,
                        "Serve Prometheus metrics on http://HOST:PORT/metrics (requests by answer, certificates, "
                        "rollouts; port 0: any free port)")
      ->type_name("HOST:PORT")
      ->check(host_port_validator());
  serve_cmd->callback([options, &exit_code] { exit_code = serve(*options); });
}

}  // namespace fleet::cli
