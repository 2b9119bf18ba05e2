#include "fleet/device/simulated_device.hpp"

#include <gtest/gtest.h>
#include <malloc.h>

#include <sstream>
#include <variant>

#include "test_images.hpp"

namespace fleet::device {
namespace {

using namespace std::chrono_literals;

struct fixture {
  chunk_store store;
  fw::config config;
  behaviour_model behaviour;
  std::vector<wire::built_image> images;

  fixture() {
    config.product = "thermostat";
    config.hardware_revision = "rev-a";
    config.rom_keys.image_signing_keys.push_back({1, testing::test_signing_key().public_key_bytes});
    const wire::Component chain[] = {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::APP};
    const char* names[] = {"boot", "monitor", "thermo-os", "thermo-app"};
    for (int i = 0; i < 4; ++i)
      images.push_back(testing::make_image(names[i], "1.0.0", 4096, 1024, chain[i]));
  }

  device_spec spec(std::uint64_t index) const {
    device_spec s;
    s.run_seed = 2024;
    s.device_index = index;
    s.config = &config;
    s.behaviour = &behaviour;
    return s;
  }

  void provision_all(simulated_device& d) {
    for (std::size_t i = 0; i < images.size(); ++i)
      provision(d.flash(), static_cast<fw::component>(i), fw::slot::a, images[i]);
  }
};

/// A compact text of outputs, to compare runs.
std::string describe(const fw::outputs& out) {
  std::ostringstream os;
  for (const auto& o : out) {
    if (const auto* s = std::get_if<fw::send>(&o)) os << "send:" << s->bytes.size() << ';';
    if (const auto* a = std::get_if<fw::arm_timer>(&o))
      os << "arm:" << static_cast<int>(a->which) << '@' << a->at.count() << ';';
    if (const auto* r = std::get_if<fw::record>(&o)) os << "rec:" << static_cast<int>(r->kind) << ';';
  }
  return os.str();
}

/// Runs a device until `end`, firing everything due; returns all outputs.
fw::outputs run_until(simulated_device& d, fw::sim_time end) {
  fw::outputs out;
  d.handle(fw::sim_time{0}, fw::power_on{}, out);
  for (int guard = 0; guard < 10000; ++guard) {
    const fw::sim_time t = d.next_deadline();
    if (t > end) break;
    d.advance(t, out);
  }
  return out;
}

TEST(simulated_device, footprint) {
  fixture fx;
  // A first device fills the shared store; the second one shows what a
  // device costs on its own (inline + heap) just after booting, with no
  // cloud: its boot event is still buffered and its first request is in
  // `out`. The idle figure (attested, telemetry delivered) is bench/'s.
  simulated_device first(fx.spec(0), fx.store);
  fx.provision_all(first);
  const auto store = fx.store.stats();

  fw::outputs out;
  out.reserve(64);
  const std::size_t heap_before = mallinfo2().uordblks;
  auto d = std::make_unique<simulated_device>(fx.spec(1), fx.store);
  fx.provision_all(*d);
  d->handle(fw::sim_time{0}, fw::power_on{}, out);
  d->advance(d->runtime().next_event_time(), out);  // software ready: idle
  const std::size_t heap_after = mallinfo2().uordblks;
  EXPECT_EQ(fx.store.stats().chunk_bytes, store.chunk_bytes);
  std::printf(
      "[ sizes    ] sim_flash=%zu sim_secure_element=%zu sim_clock=%zu sim_runtime=%zu "
      "legacy_device=%zu fw::core=%zu (pointer) simulated_device=%zu | heap just after boot "
      "(device object, core state, buffered boot event, first request)=%zu flash_overlay_heap=%zu | shared store: "
      "%zu chunks, %llu bytes\n",
      sizeof(sim_flash), sizeof(sim_secure_element), sizeof(sim_clock), sizeof(sim_runtime),
      sizeof(legacy_device), sizeof(fw::core), sizeof(simulated_device), heap_after - heap_before,
      d->flash().heap_bytes(), store.chunks, static_cast<unsigned long long>(store.chunk_bytes));
  EXPECT_EQ(d->flash().heap_bytes(), 0u);
}

TEST(simulated_device, same_seed_same_run) {
  fixture fx;
  simulated_device a(fx.spec(3), fx.store);
  simulated_device b(fx.spec(3), fx.store);
  fx.provision_all(a);
  fx.provision_all(b);
  const auto out_a = run_until(a, fw::sim_time{48h});
  const auto out_b = run_until(b, fw::sim_time{48h});
  EXPECT_FALSE(out_a.empty());
  EXPECT_EQ(describe(out_a), describe(out_b));
  EXPECT_EQ(a.secure_element().device_public_key(), b.secure_element().device_public_key());
}

TEST(simulated_device, power_on_boots_the_provisioned_chain) {
  fixture fx;
  simulated_device d(fx.spec(0), fx.store);
  fx.provision_all(d);
  fw::outputs out;
  d.handle(fw::sim_time{0}, fw::power_on{}, out);
  EXPECT_TRUE(d.powered());
  EXPECT_EQ(d.firmware().state(), fw::device_state::running);
  EXPECT_TRUE(d.runtime().running());
  // The software reports ready through advance().
  EXPECT_LE(d.next_deadline(), fw::sim_time{5s});
  d.advance(fw::sim_time{5s}, out);
  EXPECT_EQ(d.runtime().next_event_time(), fw::never);
}

TEST(simulated_device, cut_power_comes_back_after_the_restore_delay) {
  fixture fx;
  simulated_device d(fx.spec(0), fx.store);
  fx.provision_all(d);
  fw::outputs out;
  d.handle(fw::sim_time{0}, fw::power_on{}, out);
  d.set_power_restore_after(1min);
  d.cut_power(fw::sim_time{10s}, out);
  EXPECT_FALSE(d.powered());
  EXPECT_FALSE(d.runtime().running());
  EXPECT_EQ(d.next_deadline(), fw::sim_time{70s});
  EXPECT_EQ(d.flash().write_metadata(0, "x"), fw::flash_status::power_lost);
  d.advance(fw::sim_time{69s}, out);
  EXPECT_FALSE(d.powered());
  d.advance(fw::sim_time{70s}, out);
  EXPECT_TRUE(d.powered());
  EXPECT_TRUE(d.runtime().running());
}

TEST(simulated_device, a_torn_write_powers_off_and_power_comes_back) {
  fixture fx;
  simulated_device d(fx.spec(0), fx.store);
  fx.provision_all(d);
  // The OS only in slot B: booting falls back to it and records that in the
  // metadata, a flash write the cut tears.
  provision(d.flash(), fw::component::os, fw::slot::b, fx.images[2]);
  ASSERT_EQ(d.flash().erase_slot(fw::component::os, fw::slot::a), fw::flash_status::ok);
  const std::uint64_t writes_before = d.flash().writes_done();
  d.arm_power_cut(1);
  fw::outputs out;
  d.handle(fw::sim_time{0}, fw::power_on{}, out);
  if (d.flash().writes_done() == writes_before) GTEST_SKIP() << "the core wrote nothing at boot";
  bool recorded = false;
  for (const auto& o : out)
    if (const auto* r = std::get_if<fw::record>(&o)) recorded |= r->kind == fw::record_kind::powered_off;
  EXPECT_TRUE(recorded);
  EXPECT_FALSE(d.powered());
  EXPECT_FALSE(d.flash().powered());
  EXPECT_EQ(d.next_deadline(), fw::sim_time{30s});
  d.advance(fw::sim_time{30s}, out);
  EXPECT_TRUE(d.powered());
  EXPECT_TRUE(d.flash().powered());
  EXPECT_GT(d.flash().writes_done(), writes_before + 1);  // the boot wrote again
}

TEST(simulated_device, timers_the_core_arms_fire_through_advance) {
  fixture fx;
  simulated_device d(fx.spec(0), fx.store);
  fx.provision_all(d);
  fw::outputs out;
  d.handle(fw::sim_time{0}, fw::power_on{}, out);
  fw::sim_time earliest = fw::never;
  for (const auto& o : out)
    if (const auto* a = std::get_if<fw::arm_timer>(&o)) earliest = std::min(earliest, a->at);
  if (earliest == fw::never) GTEST_SKIP() << "the core armed no timer at power on";
  EXPECT_LE(d.next_deadline(), earliest);
  d.advance(earliest, out);
  EXPECT_GT(d.firmware().next_deadline(), earliest);
}

}  // namespace
}  // namespace fleet::device
