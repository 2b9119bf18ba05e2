#pragma once
// Turns a scenario into a fleet: the security service with the scenario's
// tenant, products, groups, images (uploaded, so the service signs them) and
// deployments; one device per scenario device, provisioned at the factory
// with its product's boot chain (a guardian also with the firmware of the
// legacy device it fronts), its key registered and claimed into its group. What devices share (configs, behaviour table, chunk store) is made
// once here and read-only during the run.

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/device_host.hpp"
#include "engine/partition_plan.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/device/behaviour.hpp"
#include "fleet/device/chunk_store.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/actors/run_input.hpp"

namespace fleet::actors {

/// UTC at simulated time zero (input::run_epoch), in microseconds.
inline constexpr std::int64_t run_epoch_us = input::run_epoch.count();
/// Images the fleet makes expire ten years after the epoch, unless the
/// scenario says otherwise (input::image::expires, by default the same).
inline constexpr std::int64_t image_expiry_us = run_epoch_us + std::int64_t{10} * 365 * 24 * 3600 * 1'000'000;
/// Chunk size of the images the fleet makes.
inline constexpr std::uint32_t fleet_chunk_bytes = 16 * 1024;

/// The breakdown's cells (run_result::by_group_and_revision): one per
/// scenario group and hardware revision of its product, group by group in
/// scenario order, revisions in the product's order. Returns the first cell
/// of each group and, last, the number of cells (at most groups_max x
/// hardware_revisions_max: 8,192, so a cell fits 16 bits).
std::vector<std::uint32_t> breakdown_cells(const input::run_input& s);

class fleet_setup {
 public:
  /// Builds the cloud side of one partition (its share of the service, for
  /// its devices; the whole fleet's global rate budget in proportion to
  /// them) and the shared device data. Throws std::runtime_error when the
  /// service refuses the scenario's data.
  fleet_setup(const input::run_input& s, const partition_plan& plan);

  /// Makes device `index` (0-based, group by group in scenario order), one
  /// of the partition's, provisioned and enrolled (in slot order); powered
  /// on at power_on_at(index).
  std::unique_ptr<device_host> make_device(std::uint64_t index, std::vector<device_action> faults = {});
  /// When device `index` powers on: a point of its product's power-on
  /// spread, from the device's own stream.
  fw::sim_time power_on_at(std::uint64_t index) const;
  /// Image digests of every image the scenario's keys signed, sorted, and
  /// for each the index of its image in the scenario.
  struct signed_images {
    std::vector<crypto::digest> digests;
    std::vector<std::size_t> scenario_image;
  };
  signed_images signed_image_digests() const;
  /// The signed manifest of each scenario image, in scenario order.
  std::vector<wire::SignedManifest> signed_manifests() const;
  /// The image ID (its digest) of scenario image `index`, as the service stores it.
  const crypto::digest& image_id(std::size_t index) const { return image_ids_[index]; }
  /// The scenario group of device `index` (of the fleet).
  std::uint32_t group_of(std::uint64_t index) const;

  /// The scenario's deployments, once its devices are enrolled (a
  /// deployment targets the group's devices at its creation). Each runs
  /// governed, its partition's share of the devices: a count wave's size is
  /// split evenly over the partitions, at least one device each.
  void create_deployments();

  cloud::security_service& service() { return *service_; }
  const cloud::security_service& service() const { return *service_; }
  /// Devices of the whole fleet.
  std::uint64_t devices() const { return plan_.fleet_devices; }
  const partition_plan& plan() const { return plan_; }

 private:
  struct product_data {
    std::vector<fw::config> configs;                ///< per hardware revision
    std::vector<wire::built_image> boot_chain;      ///< in component order; a guardian's legacy firmware last
    std::size_t legacy_firmware = 0;                ///< guardian products: its scenario image
  };
  void upload_images();
  void make_groups();

  const input::run_input& s_;
  partition_plan plan_;
  std::unique_ptr<cloud::security_service> service_;
  crypto::public_key root_public_{};
  cloud::tenant_id tenant_ = 0;
  std::vector<cloud::product_id> products_;
  std::vector<cloud::group_id> groups_;           ///< by scenario group
  std::vector<crypto::digest> image_ids_;         ///< by scenario image
  std::vector<product_data> product_data_;
  std::vector<std::uint64_t> group_ends_;         ///< by scenario group: the first device index past it
  std::vector<std::uint32_t> first_cells_;        ///< breakdown_cells(s_)
  device::chunk_store store_;
  device::behaviour_model behaviour_;
};

}  // namespace fleet::actors
