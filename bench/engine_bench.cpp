// The engine at scale: one scenario run at one fleet size per invocation
// (peak memory is per process), with the figures issue 4 asks for: wall
// and CPU time, events per second, peak RSS per device, simulated time per
// wall time, and CPU against the crypto floor of the run's own operations.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "common.hpp"
#include "crypto_floor.hpp"
#include "fleet/actors/run.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/rescale.hpp"

namespace {

using namespace fleet;

std::int64_t peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::int64_t>(u.ru_maxrss) * 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario_file = "scenarios/quickstart.textproto";
  std::uint64_t devices = 0;
  std::uint32_t threads = 2;
  std::string json_file;
  CLI::App app{"engine_bench: one scenario at one fleet size, with the engine's figures"};
  app.add_option("--scenario", scenario_file, "scenario file")->capture_default_str();
  app.add_option("--devices", devices, "rescale the fleet to N devices (0: as the scenario says)");
  app.add_option("--threads", threads, "scheduler threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--json", json_file, "also write the figures to this file");
  std::uint32_t partitions = 0;
  app.add_option("--partitions", partitions, "cut the fleet into P partitions (0: as the scenario says)")
      ->check(CLI::Range(0u, 256u));
  actors::run_options o;
  if (const auto code = bench::parse(app, argc, argv)) return *code;

  scenario::load_result loaded = scenario::load_file(scenario_file);
  if (!loaded.value) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", scenario::to_string(e).c_str());
    return 2;
  }
  scenario::scenario s = std::move(*loaded.value);
  if (devices != 0) {
    const auto rescaled = scenario::rescale(s, devices);
    if (!rescaled.ok()) {
      std::fprintf(stderr, "engine_bench: %s\n", rescaled.error.c_str());
      return 2;
    }
    s = rescaled.value;
  }
  if (partitions != 0) s.cloud.partitions = partitions;
  o.threads = threads;
  const double cpu_start = bench::cpu_seconds();
  const auto wall_start = std::chrono::steady_clock::now();
  const actors::run_result r = actors::run(s, o);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu = bench::cpu_seconds() - cpu_start;
  const std::int64_t rss = peak_rss_bytes();
  const bench::crypto_unit_costs units = bench::measure_crypto_unit_costs();
  const double floor_s = units.floor_us(r.crypto_ops) / 1e6;
  const double sim_s = static_cast<double>(r.simulated.count()) / 1e6;
  const double n = static_cast<double>(r.devices);

  std::printf("%s: %llu devices, %.0f s simulated, %u threads\n", s.name.c_str(),
              static_cast<unsigned long long>(r.devices), sim_s, threads);
  std::printf("  wall, CPU              %.1f s wall, %.1f s CPU (set-up included)\n", wall, cpu);
  std::printf("  faster than real time  %.0fx\n", sim_s / wall);
  std::printf("  events                 %llu in %llu steps of %u partitions, %.0f events/s of wall time\n",
              static_cast<unsigned long long>(r.events), static_cast<unsigned long long>(r.windows), r.partitions,
              static_cast<double>(r.events) / wall);
  const double days = sim_s / 86400.0;
  std::printf("  barriers               %llu (%.0f a simulated day), %llu control ticks\n",
              static_cast<unsigned long long>(r.barriers), days > 0 ? static_cast<double>(r.barriers) / days : 0.0,
              static_cast<unsigned long long>(r.control_ticks));
  std::printf("  peak RSS               %.1f MiB, %.0f B per device\n", static_cast<double>(rss) / (1 << 20),
              static_cast<double>(rss) / n);
  std::printf(
      "  crypto floor           %.1f s (sign %.1f us, verify %.1f us, X25519 %.1f us, SHA-256 %.3f ns/B, BLAKE2b %.3f "
      "ns/B)\n",
      floor_s, units.sign_us, units.verify_us, units.x25519_us, units.sha256_ns_per_byte, units.blake2b_ns_per_byte);
  std::printf("  CPU / floor            %.2f\n", cpu / floor_s);
  std::printf("  outcome                %llu attestations, %llu committed, %llu rolled back, complete: %s\n",
              static_cast<unsigned long long>(r.counters.attestations),
              static_cast<unsigned long long>(r.counters.updates_committed),
              static_cast<unsigned long long>(r.counters.updates_rolled_back), r.complete ? "yes" : "no");
  if (!json_file.empty()) {
    nlohmann::json j = {{"scenario", s.name},
                        {"devices", r.devices},
                        {"threads", threads},
                        {"sim_seconds", sim_s},
                        {"wall_seconds", wall},
                        {"cpu_seconds", cpu},
                        {"events", r.events},
                        {"windows", r.windows},
                        {"partitions", r.partitions},
                        {"barriers", r.barriers},
                        {"control_ticks", r.control_ticks},
                        {"peak_rss_bytes", rss},
                        {"floor_seconds", floor_s},
                        {"floor_unit_costs",
                         {{"sign_us", units.sign_us},
                          {"verify_us", units.verify_us},
                          {"x25519_us", units.x25519_us},
                          {"mac_us", units.mac_us},
                          {"sha256_ns_per_byte", units.sha256_ns_per_byte},
                          {"blake2b_ns_per_byte", units.blake2b_ns_per_byte}}},
                        {"hashed_bytes", r.crypto_ops.hashed_bytes},
                        {"blake2b_bytes", r.crypto_ops.blake2b_bytes},
                        {"cpu_over_floor", cpu / floor_s},
                        {"trace_hash", r.trace_hash}};
    std::ofstream(json_file) << j.dump(2) << "\n";
  }
  return 0;
}
