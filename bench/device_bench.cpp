// Device benchmarks (bench/README.md says what each figure means):
//  (a) heap bytes per idle device, firmware core + device model, no CAF:
//      N devices sharing one chunk_store, behaviour_model and fw::config,
//      driven against one security service until each is attested and has
//      uploaded its telemetry;
//  (b) crypto operations and CPU time of one device lifecycle, and the
//      crypto floor from unit costs measured in the same run.
// Benchmarks report; they never fail on a figure.
#include <CLI/CLI.hpp>
#include <malloc.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "fleet/check.hpp"
#include "crypto_floor.hpp"
#include "fleet/testing/device_world.hpp"

namespace {

using namespace fleet;
using bench::cpu_seconds;
using bench::heap_bytes;
using namespace std::chrono_literals;

constexpr double target_bytes_per_device = 2048;  // architecture.md: 4 KiB with the actor

// ------------------------------------------------------------- measuring

std::int64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long long kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %lld kB", &kib) == 1) break;
  }
  std::fclose(f);
  return kib * 1024;
}

// ------------------------------------------------------ (a) idle devices

/// A minimal host for many devices against one service: device deadlines in
/// a heap (stale entries skipped), one FIFO link with a fixed latency, each
/// device from its own network location.
class fleet_loop {
 public:
  fleet_loop(std::vector<std::unique_ptr<device::simulated_device>>& devices, cloud::security_service& cloud,
             fw::duration latency, fw::duration power_on_stagger)
      : devices_(devices), cloud_(cloud), latency_(latency), stagger_(power_on_stagger),
        idle_(devices.size(), false) {}

  /// Powers devices on one by one and runs until every one is idle; false at `limit`.
  bool run_until_idle(fw::sim_time limit) {
    while (idle_count_ < devices_.size() || !link_.empty()) {
      const fw::sim_time t_dev = deadlines_.empty() ? fw::never : deadlines_.top().first;
      const fw::sim_time t_link = link_.empty() ? fw::never : link_.front().arrives;
      const fw::sim_time t_power =
          next_power_on_ < devices_.size() ? stagger_ * static_cast<std::int64_t>(next_power_on_) : fw::never;
      const fw::sim_time t = std::min({t_dev, t_link, t_power});
      if (t == fw::never || t > limit) return false;
      now_ = t;
      if (t_power == t) {
        const auto i = next_power_on_++;
        devices_[i]->handle(t, fw::power_on{}, scratch_);
        after(i);
      } else if (t_dev == t) {
        const auto i = deadlines_.top().second;
        deadlines_.pop();
        if (devices_[i]->next_deadline() != t) continue;  // stale
        devices_[i]->advance(t, scratch_);
        after(i);
      } else {
        auto m = std::move(link_.front());
        link_.pop_front();
        if (m.to_device) {
          devices_[m.device]->handle(t, fw::message{std::move(m.bytes)}, scratch_);
          after(m.device);
        } else {
          const auto source = static_cast<cloud::source_id>(m.device + 1);
          for (auto& reply : cloud_.handle(t, m.bytes, source)) {
            link_.push_back({t + latency_, m.device, true, std::move(reply)});
          }
        }
      }
    }
    return true;
  }

  fw::sim_time now() const { return now_; }
  std::uint64_t records() const { return records_; }

 private:
  struct in_flight {
    fw::sim_time arrives;
    std::size_t device;
    bool to_device;
    std::string bytes;
  };

  void after(std::size_t i) {
    for (auto& o : scratch_) {
      if (auto* s = std::get_if<fw::send>(&o)) link_.push_back({now_ + latency_, i, false, std::move(s->bytes)});
      else if (std::holds_alternative<fw::record>(o)) ++records_;
    }
    scratch_.clear();
    const auto& d = *devices_[i];
    if (d.next_deadline() != fw::never) deadlines_.emplace(d.next_deadline(), i);
    const auto& fw = d.firmware();
    if (!idle_[i] && fw.has_certificate() && fw.telemetry_buffered() == 0 && fw.stats().telemetry_uploaded > 0) {
      idle_[i] = true;
      ++idle_count_;
    }
  }

  using entry = std::pair<fw::sim_time, std::size_t>;
  std::vector<std::unique_ptr<device::simulated_device>>& devices_;
  cloud::security_service& cloud_;
  fw::duration latency_;
  fw::duration stagger_;
  std::priority_queue<entry, std::vector<entry>, std::greater<entry>> deadlines_;
  std::deque<in_flight> link_;
  fw::outputs scratch_;
  std::vector<bool> idle_;
  std::size_t idle_count_ = 0;
  std::size_t next_power_on_ = 0;
  std::uint64_t records_ = 0;
  fw::sim_time now_{0};
};

struct memory_result {
  std::size_t devices = 0;
  bool all_idle = false;
  double sim_seconds = 0;
  std::int64_t store_heap = 0, store_content = 0;
  std::int64_t devices_heap = 0;  ///< N devices, store excluded
  std::int64_t rss_store = 0, rss_devices = 0;
  std::uint64_t rate_limited = 0, request_timeouts = 0, rejected = 0;  ///< how the run went
  std::uint64_t certificates = 0;
};

memory_result measure_idle_devices(std::size_t n, std::uint64_t seed) {
  const testing::test_keys keys(1);
  cloud::service_settings settings;
  settings.seed = seed;
  const auto make_cloud = [&] { return std::make_unique<testing::service_setup>(keys, settings); };
  fw::config cfg = keys.make_device_config(testing::default_product, testing::default_hardware_revision, {1});
  std::vector<wire::built_image> factory;
  {
    // The service signs the factory images; the same seed gives the same
    // keys, so every service made below signs them alike.
    const auto reference = make_cloud();
    cfg.rom_keys = reference->rom({1});
    factory = reference->factory();
  }
  const device::behaviour_model behaviour;
  const auto spec_of = [&](std::size_t i) {
    device::device_spec spec;
    spec.run_seed = seed;
    spec.device_index = i;
    spec.config = &cfg;
    spec.behaviour = &behaviour;
    return spec;
  };
  const auto provision = [&](device::simulated_device& d) {
    for (std::size_t c = 0; c < factory.size(); ++c) {
      device::provision(d.flash(), static_cast<fw::component>(c), fw::slot::a, factory[c]);
    }
  };

  // Warm-up: one device's whole path once, so lazily built process-wide
  // state (protobuf, OpenSSL, libsodium) is not charged to the devices.
  {
    device::chunk_store warm_store;
    auto cloud = make_cloud();
    std::vector<std::unique_ptr<device::simulated_device>> one;
    one.push_back(std::make_unique<device::simulated_device>(spec_of(n), warm_store));
    provision(*one[0]);
    cloud->enroll(one[0]->secure_element().device_public_key());
    fleet_loop(one, cloud->service(), 40ms, 1ms).run_until_idle(fw::sim_time(1h));
  }
  malloc_trim(0);

  memory_result r;
  r.devices = n;
  const std::int64_t heap0 = heap_bytes(), rss0 = rss_bytes();
  device::chunk_store store;
  for (const auto& image : factory) store.register_image(image);
  const auto st = store.stats();
  r.store_content = static_cast<std::int64_t>(st.chunk_bytes + st.header_bytes);
  const std::int64_t heap1 = heap_bytes(), rss1 = rss_bytes();
  r.store_heap = heap1 - heap0;
  r.rss_store = rss1 - rss0;

  std::vector<std::unique_ptr<device::simulated_device>> devices;
  devices.reserve(n);
  {
    auto cloud = make_cloud();
    FLEET_CHECK(cloud->factory().front().signed_manifest.signature() == factory.front().signed_manifest.signature(),
                "device_bench: the service signs the factory images otherwise than the reference");
    for (std::size_t i = 0; i < n; ++i) {
      devices.push_back(std::make_unique<device::simulated_device>(spec_of(i), store));
      provision(*devices.back());
      cloud->enroll(devices.back()->secure_element().device_public_key());
    }
    fleet_loop loop(devices, cloud->service(), 40ms, 1ms);
    r.all_idle = loop.run_until_idle(fw::sim_time(1h));
    r.sim_seconds = static_cast<double>(loop.now().count()) / 1e6;
    r.rate_limited = cloud->service().counters().rate_limited;
    r.certificates = cloud->service().counters().certificates_issued;
    for (const auto& d : devices) {
      r.request_timeouts += d->firmware().stats().request_timeouts;
      r.rejected += d->firmware().stats().rejected_total();
    }
  }  // the service and the loop go: what stays is the devices
  malloc_trim(0);
  r.devices_heap = heap_bytes() - heap1;
  r.rss_devices = rss_bytes() - rss1;
  return r;
}

// ------------------------------------------------------- (b) lifecycle

struct lifecycle_result {
  std::size_t lifecycles = 0, completed = 0;
  crypto::op_counts ops;  ///< per lifecycle
  double cpu_us = 0;      ///< per lifecycle
  bench::crypto_unit_costs units;
  double floor_us = 0;
};

lifecycle_result measure_lifecycle(std::size_t m, std::uint64_t seed) {
  lifecycle_result r;
  r.lifecycles = m;
  const testing::test_keys keys(1);
  const auto app110 = testing::make_image(keys, wire::APP, "1.1.0", 2);  // factory size: 32 KiB
  crypto::op_counts total;
  double cpu = 0;
  for (std::size_t i = 0; i < m; ++i) {
    testing::world_options options;
    options.seed = seed + i;
    testing::device_world w(options);  // keys, service, factory images: set-up, not counted
    w.publish(app110);                 // uploaded (signed by the service) and deployed: not counted
    const auto ops0 = crypto::counted_ops();
    const double cpu0 = cpu_seconds();
    w.power_on();
    const bool done = w.run_until([&] { return w.count(fw::record_kind::update_committed) == 1; }, 26h);
    cpu += cpu_seconds() - cpu0;
    const auto d = crypto::counted_ops() - ops0;
    total += d;
    r.completed += done;
  }
  const auto per = [&](std::uint64_t v) { return v / m; };
  r.ops = {per(total.signs), per(total.verifies), per(total.key_exchanges), per(total.macs),
           per(total.hash_calls), per(total.hashed_bytes), per(total.blake2b_bytes)};
  r.cpu_us = cpu / static_cast<double>(m) * 1e6;

  // Unit costs, same process, same run.
  r.units = bench::measure_crypto_unit_costs();
  r.floor_us = r.units.floor_us(r.ops);
  return r;
}

// ------------------------------------------------------------- report

double per_device(std::int64_t bytes, std::size_t n) { return static_cast<double>(bytes) / static_cast<double>(n); }

void print(const memory_result& a, const lifecycle_result& b) {
  const double heap = per_device(a.devices_heap, a.devices);
  std::printf("(a) idle devices (firmware core + device model, no CAF)\n");
  std::printf("  devices                     %zu, %s idle after %.1f s simulated\n", a.devices,
              a.all_idle ? "all" : "NOT all", a.sim_seconds);
  std::printf("  how the run went            %llu certificates, %llu requests rate-limited, %llu request timeouts, "
              "%llu rejected inputs\n",
              static_cast<unsigned long long>(a.certificates), static_cast<unsigned long long>(a.rate_limited),
              static_cast<unsigned long long>(a.request_timeouts), static_cast<unsigned long long>(a.rejected));
  std::printf("  shared chunk store          %lld B heap (%lld B content), RSS +%lld B\n",
              static_cast<long long>(a.store_heap), static_cast<long long>(a.store_content),
              static_cast<long long>(a.rss_store));
  std::printf("  heap per device, store excl %8.0f B   target <= %.0f B: %s\n", heap, target_bytes_per_device,
              heap <= target_bytes_per_device ? "PASS" : "MISS");
  std::printf("  heap per device, store incl %8.0f B\n", per_device(a.devices_heap + a.store_heap, a.devices));
  std::printf("  RSS per device, store excl  %8.0f B\n", per_device(a.rss_devices, a.devices));
  std::printf("  RSS per device, store incl  %8.0f B\n", per_device(a.rss_devices + a.rss_store, a.devices));
  std::printf("(b) one lifecycle: boot, attest, certificate, 32 KiB app update to 1.1.0, commit (device + cloud)\n");
  std::printf("  lifecycles                  %zu (%zu committed)\n", b.lifecycles, b.completed);
  std::printf(
      "  crypto ops per lifecycle    %llu signs, %llu verifies, %llu X25519, %llu MACs, %llu hashes, %llu B hashed "
      "(%llu B by BLAKE2b)\n",
      static_cast<unsigned long long>(b.ops.signs), static_cast<unsigned long long>(b.ops.verifies),
      static_cast<unsigned long long>(b.ops.key_exchanges), static_cast<unsigned long long>(b.ops.macs),
      static_cast<unsigned long long>(b.ops.hash_calls), static_cast<unsigned long long>(b.ops.hashed_bytes),
      static_cast<unsigned long long>(b.ops.blake2b_bytes));
  std::printf(
      "  unit costs                  sign %.1f us, verify %.1f us, X25519 %.1f us, MAC %.2f us, SHA-256 %.3f ns/B, "
      "BLAKE2b %.3f ns/B\n",
      b.units.sign_us, b.units.verify_us, b.units.x25519_us, b.units.mac_us, b.units.sha256_ns_per_byte,
      b.units.blake2b_ns_per_byte);
  std::printf("  CPU per lifecycle           %.1f us\n", b.cpu_us);
  std::printf("  crypto floor                %.1f us\n", b.floor_us);
  std::printf("  CPU / floor                 %.2f\n", b.cpu_us / b.floor_us);
}

void write_json(const std::string& path, const memory_result& a, const lifecycle_result& b) {
  nlohmann::json j;
  j["idle_devices"] = {
      {"devices", a.devices}, {"all_idle", a.all_idle}, {"simulated_seconds", a.sim_seconds},
      {"certificates", a.certificates}, {"rate_limited", a.rate_limited},
      {"request_timeouts", a.request_timeouts}, {"rejected", a.rejected},
      {"store_heap_bytes", a.store_heap}, {"store_content_bytes", a.store_content}, {"store_rss_bytes", a.rss_store},
      {"heap_bytes_per_device", per_device(a.devices_heap, a.devices)},
      {"heap_bytes_per_device_with_store", per_device(a.devices_heap + a.store_heap, a.devices)},
      {"rss_bytes_per_device", per_device(a.rss_devices, a.devices)},
      {"rss_bytes_per_device_with_store", per_device(a.rss_devices + a.rss_store, a.devices)},
      {"target_bytes_per_device", target_bytes_per_device},
      {"pass", per_device(a.devices_heap, a.devices) <= target_bytes_per_device}};
  j["lifecycle"] = {
      {"lifecycles", b.lifecycles}, {"committed", b.completed},
      {"ops", {{"signs", b.ops.signs}, {"verifies", b.ops.verifies}, {"key_exchanges", b.ops.key_exchanges},
               {"macs", b.ops.macs}, {"hash_calls", b.ops.hash_calls}, {"hashed_bytes", b.ops.hashed_bytes},
               {"blake2b_bytes", b.ops.blake2b_bytes}}},
      {"unit_us", {{"sign", b.units.sign_us}, {"verify", b.units.verify_us}, {"x25519", b.units.x25519_us},
                   {"mac", b.units.mac_us}, {"sha256_per_byte", b.units.sha256_ns_per_byte / 1000},
                   {"blake2b_per_byte", b.units.blake2b_ns_per_byte / 1000}}},
      {"cpu_us", b.cpu_us}, {"floor_us", b.floor_us}, {"cpu_over_floor", b.cpu_us / b.floor_us}};
  std::ofstream(path) << j.dump(2) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"fleetsim device benchmarks: bytes per idle device, crypto and CPU per lifecycle"};
  std::size_t devices = 10000, lifecycles = 200;
  std::uint64_t seed = 1;
  std::string json;
  app.add_option("--devices", devices, "idle devices to build for (a)")->check(CLI::Range(1, 10000000));
  app.add_option("--lifecycles", lifecycles, "lifecycles to average for (b)")->check(CLI::Range(1, 1000000));
  app.add_option("--seed", seed, "run seed");
  app.add_option("--json", json, "also write the figures to this file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    app.exit(e);
    return 2;
  }
  const auto a = measure_idle_devices(devices, seed);
  const auto b = measure_lifecycle(lifecycles, seed);
  print(a, b);
  if (!json.empty()) write_json(json, a, b);
  return 0;
}
