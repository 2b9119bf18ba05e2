// The state file of `fleetsim cloud serve --state` after many device
// attestations: its size, and the time a restart takes to replay it.
//
// In process, through served_service::submit: the same code a gRPC call
// runs after gRPC has parsed it (journal append, SQLite commit, execute),
// without the sockets, so a million attestations take minutes instead of
// hours. Devices sign their evidence as firmware-core does (not measured);
// each attestation is two journaled commands, a challenge and the evidence.
// The clock is driven by hand, 1 ms per request by default, so the rate
// limits admit every request (a device's turn comes every 2 s with 1,000).
// --compaction on (the server's default): the state file holds a snapshot
// and the commands after it, compacted past the bound and at the clean
// shutdown; off: the journal's whole history, as before compaction existed.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "common.hpp"
#include "fleet/check.hpp"
#include "fleet/cloud_server/api_mapping.hpp"
#include "fleet/cloud_server/served_service.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/testing/evidence.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/testing/test_keys.hpp"
#include "fleet/wire/envelope.hpp"

namespace {

using namespace fleet;
using clock_type = std::chrono::steady_clock;

struct options {
  std::uint64_t attestations = 1'000'000;
  std::size_t devices = 1'000;
  std::int64_t step_us = 1'000;
  std::string state_dir = "/tmp";
  std::string json;
  std::string compaction = "on";
};

struct device {
  crypto::random_stream stream;
  crypto::signing_key_pair key{};
  crypto::device_id id{};
  std::uint64_t sequence = 0;
};

api::ImageSpec spec_of(const wire::Manifest& m) {
  api::ImageSpec spec;
  spec.set_component(m.component());
  spec.set_image_name(m.image_name());
  spec.set_version(m.version());
  spec.set_product(m.product());
  spec.set_security_version(m.security_version());
  for (const auto& rev : m.hardware_revisions()) spec.add_hardware_revisions(rev);
  spec.set_expires_at_utc_us(m.expires_at_us());
  spec.set_chunk_size_bytes(m.chunk_size_bytes());
  return spec;
}

state::Outcome run(cloud_server::served_service& s, state::Command c) {
  state::Outcome out;
  const grpc::Status status = s.submit(std::move(c), out);
  FLEET_CHECK(status.ok(), "set-up command refused");
  return out;
}

std::uintmax_t file_bytes(const std::string& path) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ignored;
    const auto size = std::filesystem::file_size(path + suffix, ignored);
    if (!ignored) total += size;
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"state_bench: the state file's size and restart time after many device attestations"};
  app.add_option("--attestations", o.attestations, "attestations journaled")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--devices", o.devices, "devices taking turns")->capture_default_str()->check(CLI::Range(1, 1'000'000));
  app.add_option("--step-us", o.step_us, "simulated microseconds between requests")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{60'000'000}));
  app.add_option("--state-dir", o.state_dir, "where the state file goes")->capture_default_str();
  app.add_option("--json", o.json, "also write the figures to this file");
  app.add_option("--compaction", o.compaction, "snapshots and compaction of the state file (the server's default: on)")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  if (const auto code = bench::parse(app, argc, argv)) return *code;

  const std::string path = o.state_dir + "/fleetsim-state-bench-" + std::to_string(::getpid()) + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  std::int64_t utc = testing::default_epoch_us;
  cloud_server::served_settings settings;
  settings.state_path = path;
  settings.utc_now_us = [&] { return utc; };
  settings.compaction.enabled = o.compaction == "on";

  double attest_wall = 0;
  std::uint64_t compactions = 0;
  std::uint64_t issued = 0, commands = 0, setup_commands = 0;
  {
    cloud_server::served_service s(settings);
    // The operator's set-up, journaled like any change.
    state::Command c;
    c.mutable_create_tenant()->set_name("bench");
    const std::uint32_t tenant = run(s, c).tenant().id();
    c.mutable_create_product()->set_tenant(tenant);
    c.mutable_create_product()->set_name(testing::default_product);
    const std::uint32_t production = run(s, c).product().groups(2).id();
    const testing::test_keys keys{1};
    std::vector<wire::built_image> stored;
    for (const wire::built_image& image : testing::factory_images(keys)) {
      c.mutable_upload_image()->mutable_spec()->CopyFrom(spec_of(image.manifest));
      c.mutable_upload_image()->set_content(testing::image_content(image));
      const auto id = cloud_server::parse_image_id(run(s, c).image().image_id());
      stored.push_back(s.read([&](const cloud::security_service& service, cloud::sim_time) {
        return testing::built_from(*service.images().find(*id));
      }));
    }
    const std::vector<testing::booted_stage> boot = testing::stages_of(stored);
    std::vector<device> devices(o.devices);
    for (std::size_t i = 0; i < devices.size(); ++i) {
      device& d = devices[i];
      d.stream = crypto::random_stream(7, i, "state-bench-device");
      d.key = crypto::signing_key_from_seed(d.stream.next_seed());
      d.id = crypto::derive_device_id(d.key.public_key_bytes);
      const std::string hex = crypto::to_hex(crypto::as_view(d.id));
      c.mutable_register_device_key()->set_public_key(crypto::to_string(d.key.public_key_bytes));
      run(s, c);
      c.mutable_claim_devices()->set_tenant(tenant);
      c.mutable_claim_devices()->add_device_ids(hex);
      run(s, c);
      c.mutable_move_device()->set_device_id(hex);
      c.mutable_move_device()->set_group(production);
      run(s, c);
    }

    const auto exchange = [&](std::size_t i, const wire::Envelope& request) {
      utc += o.step_us;
      state::Command command;
      command.mutable_device()->set_envelope(wire::serialize(request));
      command.mutable_device()->set_source(i + 1);
      state::Outcome out;
      (void)s.submit(std::move(command), out);
      return out.device_reply();
    };
    setup_commands = s.journaled();
    const auto start = clock_type::now();
    for (std::uint64_t k = 0; k < o.attestations; ++k) {
      const std::size_t i = k % devices.size();
      device& d = devices[i];
      wire::Envelope challenge;
      challenge.set_device_id(crypto::to_string(d.id));
      challenge.set_sequence(++d.sequence);
      challenge.mutable_challenge_request();
      const wire::Envelope nonce = exchange(i, challenge);
      if (!nonce.has_challenge()) continue;
      testing::evidence_spec spec;
      spec.nonce = nonce.challenge().nonce();
      spec.device_key = d.key.public_key_bytes;
      spec.boot = boot;
      spec.rollback_counters.assign(cloud::rollback_counters_max, 1);
      spec.session_key = crypto::exchange_key_from_secret(d.stream.next_seed()).public_key_bytes;
      const wire::Envelope evidence = testing::signed_evidence_envelope(
          d.id, ++d.sequence, testing::make_evidence(spec), d.key.secret_key_bytes);
      issued += exchange(i, evidence).has_certificate_issued();
      if ((k + 1) % 100'000 == 0) {
        std::fprintf(stderr, "state_bench: %llu attestations\n", static_cast<unsigned long long>(k + 1));
      }
    }
    attest_wall = std::chrono::duration<double>(clock_type::now() - start).count();
    commands = s.journaled();
    compactions = s.compactions();
  }  // a clean shutdown: compacts once more when compaction is on
  const std::uintmax_t bytes = file_bytes(path);

  const auto start = clock_type::now();
  std::uint64_t replayed = 0, restored_through = 0;
  const double restart_cpu = bench::cpu_span([&] {
    cloud_server::served_settings restart = settings;
    restart.compaction.at_shutdown = false;  // the restart is measured, not its own shutdown
    cloud_server::served_service restarted(restart);
    replayed = restarted.replayed();
    restored_through = restarted.restored_through();
  });
  const double restart_wall = std::chrono::duration<double>(clock_type::now() - start).count();

  std::printf("state file after %llu attestations (%llu certificates issued) by %zu devices, in process:\n",
              static_cast<unsigned long long>(o.attestations), static_cast<unsigned long long>(issued), o.devices);
  std::printf("  compaction %s: %llu compactions while running%s\n", o.compaction.c_str(),
              static_cast<unsigned long long>(compactions), o.compaction == "on" ? ", and one at the shutdown" : "");
  std::printf("  journal: %llu commands (%llu of them the set-up: tenant, product, images, devices), file %.1f MiB\n",
              static_cast<unsigned long long>(commands), static_cast<unsigned long long>(setup_commands),
              static_cast<double>(bytes) / (1 << 20));
  std::printf("  attesting: %.1f s wall (devices signing included)\n", attest_wall);
  std::printf("  restart: snapshot through command %llu restored, %llu commands replayed, in %.2f s wall, %.2f s CPU\n",
              static_cast<unsigned long long>(restored_through), static_cast<unsigned long long>(replayed),
              restart_wall, restart_cpu);
  if (!o.json.empty()) {
    nlohmann::json json = {{"attestations", o.attestations}, {"devices", o.devices},
                           {"certificates_issued", issued},  {"commands", commands}, {"setup_commands", setup_commands},
                           {"state_bytes", bytes},           {"attest_wall_seconds", attest_wall},
                           {"restart_wall_seconds", restart_wall}, {"restart_cpu_seconds", restart_cpu},
                           {"compaction", o.compaction},     {"compactions", compactions},
                           {"restored_through", restored_through}, {"replayed", replayed}};
    std::ofstream(o.json) << json.dump(2) << "\n";
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return 0;
}
