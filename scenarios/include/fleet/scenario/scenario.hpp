#pragma once
// A scenario as the engine consumes it: checked, typed, every reference
// resolved to an index. Only the loader makes one (loader.hpp); whatever it
// returns satisfies every rule docs/scenarios.md lists.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/device/behaviour.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::scenario {

using namespace std::chrono_literals;

/// Simulated time, as everywhere: microseconds.
using duration = std::chrono::microseconds;

struct hardware_revision {
  std::string name;
  double share = 0;  ///< of the product's devices; a product's shares sum to 1
};

struct product {
  std::string name;
  std::vector<hardware_revision> revisions;
};

struct group {
  std::string name;         ///< the cloud group of the product with this name
  std::size_t product = 0;  ///< index into fleet_spec::products
  std::uint32_t devices = 0;
};

struct network {
  duration latency_median = 50ms;  ///< one way
  duration latency_p99 = 250ms;
  double loss = 0;  ///< share of messages lost, each way
  std::uint64_t download_bytes_per_second = 1 << 20;
};

struct image {
  std::string name;
  wire::version version;
  fw::component component = fw::component::app;
  std::size_t product = 0;  ///< index into fleet_spec::products
  std::uint32_t security_version = 1;
  std::uint64_t size_bytes = 0;
  std::vector<std::string> hardware_revisions;  ///< empty: every revision of the product
  device::version_behaviour behaviour;

  /// "name@version", as files refer to it.
  std::string ref() const { return name + "@" + version.to_string(); }
};

struct fleet_spec {
  std::vector<product> products;
  std::vector<group> groups;
  /// Indices into scenario::images: per product, one image for each component
  /// of the boot chain, which its devices start with.
  std::vector<std::size_t> firmware;
  network net;
};

struct deployment {
  std::string name;
  std::vector<std::size_t> images;  ///< indices into scenario::images, one product
  std::size_t group = 0;            ///< index into fleet_spec::groups
  /// Checked by cloud::validate(); `rollout.start_at` is the deployment's start.
  cloud::rollout_policy rollout;
};

struct scenario {
  std::string name;
  std::uint64_t seed = 1;
  duration length{0};  ///< simulated time the run lasts (the file's `duration`)
  fleet_spec fleet;
  std::vector<image> images;
  std::vector<deployment> deployments;

  /// Devices of the whole fleet.
  std::uint64_t device_count() const;
};

}  // namespace fleet::scenario
