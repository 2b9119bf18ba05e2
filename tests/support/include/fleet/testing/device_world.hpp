#pragma once
// One simulated device and its cloud, joined by a link with a fixed latency,
// run in simulated time by a small event loop. Tests drive it by hand (power
// on, run until something happened, break something, look).
//
// The cloud is the real security service, set up by the world (a
// service_setup: tenant, product, the factory images uploaded, the device
// enrolled in Production), behind a fault_endpoint for the faults and
// attacks tests inject, unless world_options names another endpoint.

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fleet/cloud/security_service.hpp"
#include "fleet/device/behaviour.hpp"
#include "fleet/device/chunk_store.hpp"
#include "fleet/device/simulated_device.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/testing/cloud_endpoint.hpp"
#include "fleet/testing/fault_endpoint.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/testing/service_setup.hpp"
#include "fleet/testing/test_keys.hpp"

namespace fleet::testing {

/// Events one run_until call handles at most: more means the device is
/// stuck in a loop, and the run stops instead of hanging the test.
inline constexpr std::uint64_t world_steps_max = 1'000'000;

struct world_options {
  std::uint64_t seed = 1;
  std::string hardware_revision = default_hardware_revision;
  fw::duration latency = std::chrono::milliseconds(40);
  /// Ids of the world's service image-signing keys the device ROM holds; the
  /// service makes the ones it lacks at set-up (the last made signs what is
  /// published afterwards; the factory images are signed with key 1).
  std::vector<std::uint32_t> trusted_image_keys = {1};
  bool guardian = false;
  /// The world's own service; its seed is the world's seed and its wall
  /// clock starts at default_epoch_us.
  cloud::service_settings service;
  /// Another cloud instead of the world's own service (e.g. a
  /// service_endpoint on a service several worlds share). Not owned; it
  /// must outlive the world. The world then publishes nothing itself.
  cloud_endpoint* endpoint = nullptr;
  /// With `endpoint`: the device's ROM (default: the test keys').
  std::optional<fw::rom> rom;
  /// With `endpoint`: the factory images (default: factory_images(keys)).
  std::vector<wire::built_image> factory;
};

/// A message on the simulated link.
struct in_flight {
  fw::sim_time arrives{0};
  bool to_device = true;
  std::string bytes;
};

/// An update report the device sent, with whether the cloud acked it.
struct sent_report {
  wire::UpdateResult result;
  bool acked = false;
};

class device_world {
 public:
  explicit device_world(world_options options = {});

  void power_on();
  /// Power goes now; it comes back after the device's power_restore_after().
  void cut_power();
  /// Runs every event up to and including `until`.
  void run_until(fw::sim_time until);
  /// Runs until `done()` holds after an event, or `limit` of simulated time
  /// passes; true when done. Past world_steps_max events it stops, marks
  /// the world stuck() and returns done().
  bool run_until(const std::function<bool()>& done, fw::duration limit);
  /// Runs for `d` of simulated time.
  void run_for(fw::duration d) { run_until(now_ + d); }

  /// A release: uploaded to the world's service (which signs it) and
  /// deployed to the device's group now; returns the image as the device
  /// gets it. With another endpoint the image is only made known to the
  /// chunk store and returned as is.
  wire::built_image publish(const wire::built_image& image);
  /// Uploaded to the world's service (signed, known good) but deployed to nobody.
  wire::built_image upload(const wire::built_image& image);
  /// Sets how an image behaves when it runs.
  void behave(const wire::built_image& image, device::version_behaviour b);

  /// Records of one kind the firmware produced so far.
  std::size_t count(fw::record_kind kind) const;
  const std::vector<fw::record>& records() const { return records_; }
  /// Last outputs' sends in both directions, for attack tests that replay them.
  const std::vector<std::string>& sent_by_device() const { return sent_by_device_; }
  /// The address (fw::send::body) of each of sent_by_device(), in order.
  const std::vector<std::uint8_t>& addressed_by_device() const { return addressed_by_device_; }
  const std::vector<std::string>& sent_to_device() const { return sent_to_device_; }
  /// The update reports the device sent, in order, each with whether the
  /// cloud answered it with an ack.
  std::vector<sent_report> update_reports() const;

  /// Hands the device raw bytes now, as an attacker on the link would.
  void inject(const std::string& bytes);

  fw::sim_time now() const { return now_; }
  /// A run_until call hit world_steps_max: the device looped.
  bool stuck() const { return stuck_; }
  const fw::core& firmware() const { return device_->firmware(); }
  device::simulated_device& device() { return *device_; }
  /// The world's own service and its set-up; fail the check with another endpoint.
  service_setup& setup();
  cloud::security_service& service() { return setup().service(); }
  /// The operator's view of this device in the world's own service.
  cloud::device_view show();
  /// The device's telemetry as the world's own service stores it (its CSV export).
  std::vector<exported_event> stored_events();
  /// Faults and attacks between the device and its cloud.
  fault_endpoint& faults() { return *faults_; }
  const test_keys& keys() const { return keys_; }
  const fw::config& config() const { return config_; }
  const crypto::device_id& id() const { return device_->firmware().id(); }
  /// Factory images in component order: the boot chain, and for a guardian
  /// the legacy firmware last.
  const std::vector<wire::built_image>& factory() const { return factory_; }

  /// Applied to every message the cloud sends before it goes on the link.
  std::function<void(std::string&)> tamper_to_device;
  /// Drops everything on the link in both directions while true.
  bool link_down = false;

 private:
  void take(const fw::outputs& out);
  void step(fw::sim_time at);
  /// When the world's own service next needs time passed in; never without one.
  fw::sim_time service_deadline() const;

  world_options options_;
  test_keys keys_;
  device::chunk_store store_;
  device::behaviour_model behaviour_;
  std::unique_ptr<service_setup> setup_;        ///< null with options.endpoint
  std::unique_ptr<service_endpoint> link_end_;  ///< the device's place on setup_'s service
  std::unique_ptr<fault_endpoint> faults_;
  fw::config config_;
  std::vector<wire::built_image> factory_;
  std::unique_ptr<device::simulated_device> device_;
  std::deque<in_flight> link_;  ///< sorted by arrival (fixed latency keeps it so)
  std::vector<fw::record> records_;
  std::vector<std::string> sent_by_device_;
  std::vector<std::uint8_t> addressed_by_device_;
  std::vector<std::string> sent_to_device_;
  fw::sim_time now_{0};
  bool stuck_ = false;
  fw::outputs scratch_;
};

}  // namespace fleet::testing
