// Requests per second over gRPC on loopback: the server `fleetsim cloud
// serve` runs (in this process, on its own gRPC threads) and a number of
// client threads calling it as fast as each call returns. Operator reads and
// writes, and device requests, each with the state in memory and with the
// SQLite state file (every write journaled and committed before its answer).
//
// Server and clients share the machine's cores, so the figures are what one
// machine does end to end, not the server alone; CPU per request is the
// whole process's (server, clients, gRPC) divided by the requests.
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common.hpp"
#include "fleet.grpc.pb.h"
#include "fleet/cloud_server/cloud_server.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/envelope.hpp"

namespace {

using namespace fleet;
using clock_type = std::chrono::steady_clock;

struct options {
  int clients = 8;
  double seconds = 3;
  int devices = 10'000;
  std::string state_dir = "/tmp";
  std::string json;
};

struct figure {
  std::string name;
  bool durable = false;
  std::uint64_t requests = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::map<std::string, std::uint64_t> by_status;
  double per_second() const { return static_cast<double>(requests) / wall_seconds; }
  double cpu_us_per_request() const { return cpu_seconds * 1e6 / static_cast<double>(requests); }
};

/// A server with one tenant whose `devices` devices have registered keys.
struct bench_server {
  bench_server(const options& o, bool durable) {
    cloud_server::served_settings s;
    if (durable) {
      state_path = o.state_dir + "/fleetsim-grpc-bench-" + std::to_string(::getpid()) + ".db";
      std::remove(state_path.c_str());
      s.state_path = state_path;
    }
    s.utc_now_us = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
    served = std::make_unique<cloud_server::served_service>(s);
    server = std::make_unique<cloud_server::cloud_server>(*served, cloud_server::server_settings{"127.0.0.1:0", {}, {}});
    channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server->port()), grpc::InsecureChannelCredentials());
    auto ops = api::Operator::NewStub(channel);
    grpc::ClientContext c;
    api::CreateTenantRequest t;
    t.set_name("bench");
    api::Tenant tenant;
    ops->CreateTenant(&c, t, &tenant);
    tenant_id = tenant.id();
    crypto::random_stream keys(1, 0, "grpc-bench-keys");
    for (int i = 0; i < o.devices; ++i) {
      const auto key = crypto::signing_key_from_seed(keys.next_seed());
      grpc::ClientContext c1, c2;
      api::RegisterDeviceKeyRequest r;
      r.set_public_key(crypto::to_string(key.public_key_bytes));
      api::RegisterDeviceKeyReply id;
      ops->RegisterDeviceKey(&c1, r, &id);
      api::ClaimDevicesRequest claim;
      claim.set_tenant(tenant_id);
      claim.add_device_ids(id.device_id());
      api::ClaimDevicesReply claimed;
      ops->ClaimDevices(&c2, claim, &claimed);
      device_ids.push_back(id.device_id());
    }
  }
  ~bench_server() {
    if (server) server->shutdown();
    server.reset();
    served.reset();
    if (!state_path.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((state_path + suffix).c_str());
    }
  }

  std::string state_path;
  std::unique_ptr<cloud_server::served_service> served;
  std::unique_ptr<cloud_server::cloud_server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::uint32_t tenant_id = 0;
  std::vector<std::string> device_ids;
};

/// Runs `call(client, n)` from every client thread for the measured time; each
/// call returns its status code.
figure measure(const std::string& name, const options& o, bool durable,
               const std::function<grpc::StatusCode(int client, std::uint64_t n)>& call) {
  std::atomic<bool> stop{false};
  std::vector<std::map<grpc::StatusCode, std::uint64_t>> counts(static_cast<std::size_t>(o.clients));
  std::vector<std::thread> threads;
  const double cpu_start = bench::cpu_seconds();
  const auto start = clock_type::now();
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      for (std::uint64_t n = 0; !stop; ++n) ++counts[static_cast<std::size_t>(c)][call(c, n)];
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  figure f;
  f.name = name;
  f.durable = durable;
  f.wall_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  f.cpu_seconds = bench::cpu_seconds() - cpu_start;
  for (const auto& per_client : counts) {
    for (const auto& [code, n] : per_client) {
      f.requests += n;
      f.by_status[code == grpc::StatusCode::OK ? "OK" : "code " + std::to_string(static_cast<int>(code))] += n;
    }
  }
  return f;
}

std::vector<figure> run(const options& o, bool durable) {
  bench_server s(o, durable);
  auto ops = api::Operator::NewStub(s.channel);
  auto devices = api::Device::NewStub(s.channel);
  std::vector<figure> out;
  const auto device_count = static_cast<std::uint64_t>(s.device_ids.size());

  out.push_back(measure("operator read (ShowDevice)", o, durable, [&](int c, std::uint64_t n) {
    grpc::ClientContext context;
    api::ShowDeviceRequest r;
    r.set_device_id(s.device_ids[(n * 7919 + static_cast<std::uint64_t>(c)) % device_count]);
    api::DeviceInfo info;
    return ops->ShowDevice(&context, r, &info).error_code();
  }));
  out.push_back(measure("operator write (ClaimDevices, 1 ID)", o, durable, [&](int c, std::uint64_t n) {
    grpc::ClientContext context;
    api::ClaimDevicesRequest r;
    r.set_tenant(s.tenant_id);
    r.add_device_ids(crypto::to_hex(crypto::as_view(crypto::sha256(std::to_string(c) + "/" + std::to_string(n)))) +
                     std::string(64, '0'));
    api::ClaimDevicesReply reply;
    return ops->ClaimDevices(&context, r, &reply).error_code();
  }));
  out.push_back(measure("device request (ChallengeRequest)", o, durable, [&](int c, std::uint64_t n) {
    grpc::ClientContext context;
    wire::Envelope e;
    std::string id_bytes(64, '\0');
    crypto::from_hex(s.device_ids[(n * static_cast<std::uint64_t>(o.clients) + static_cast<std::uint64_t>(c)) %
                                  device_count],
                     reinterpret_cast<std::uint8_t*>(id_bytes.data()), id_bytes.size());
    e.set_device_id(id_bytes);
    e.set_sequence(n + 1);
    e.mutable_challenge_request();
    wire::Envelope reply;
    return devices->Exchange(&context, e, &reply).error_code();
  }));
  if (durable) {
    // The cost of a restart: the whole journal replayed through a fresh service.
    s.server->shutdown();
    s.served.reset();
    cloud_server::served_settings settings;
    settings.state_path = s.state_path;
    settings.utc_now_us = [] { return std::int64_t{0}; };
    const auto start = clock_type::now();
    const double cpu = bench::cpu_span([&] { s.served = std::make_unique<cloud_server::served_service>(settings); });
    figure replay;
    replay.name = "restart: journal replayed (commands)";
    replay.durable = true;
    replay.requests = s.served->replayed();
    replay.wall_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
    replay.cpu_seconds = cpu;
    out.push_back(replay);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"grpc_bench: operator and device requests per second over gRPC on loopback"};
  app.add_option("--clients", o.clients, "client threads calling at once")->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--seconds", o.seconds, "measured time of each figure")->capture_default_str()->check(CLI::Range(0.1, 600.0));
  app.add_option("--devices", o.devices, "registered devices")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--state-dir", o.state_dir, "where the state file of the durable runs goes")->capture_default_str();
  app.add_option("--json", o.json, "also write the figures to this file");
  if (const auto code = bench::parse(app, argc, argv)) return *code;

  std::vector<figure> figures;
  for (const bool durable : {false, true}) {
    for (auto& f : run(o, durable)) figures.push_back(std::move(f));
  }
  std::printf("gRPC on loopback: %d client threads, %.1f s each, %d devices, this machine's %u cores\n\n", o.clients,
              o.seconds, o.devices, std::thread::hardware_concurrency());
  std::printf("%-38s %-9s %12s %14s  %s\n", "request", "state", "requests/s", "CPU us/request", "answers");
  nlohmann::json json = nlohmann::json::array();
  for (const figure& f : figures) {
    std::string answers;
    for (const auto& [status, n] : f.by_status) answers += status + ": " + std::to_string(n) + "  ";
    std::printf("%-38s %-9s %12.0f %14.1f  %s\n", f.name.c_str(), f.durable ? "SQLite" : "memory", f.per_second(),
                f.cpu_us_per_request(), answers.c_str());
    json.push_back({{"request", f.name}, {"state", f.durable ? "sqlite" : "memory"}, {"requests", f.requests},
                    {"requests_per_second", f.per_second()}, {"cpu_us_per_request", f.cpu_us_per_request()},
                    {"answers", f.by_status}});
  }
  if (!o.json.empty()) std::ofstream(o.json) << json.dump(2) << "\n";
  return 0;
}
