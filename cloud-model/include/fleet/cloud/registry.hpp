#pragma once
// The service's registry: tenants (catalogs), their products, each product's
// device groups, and the devices claimed into a tenant. Pure bookkeeping: no
// clock, no IO; times are handed in.
//
// Memory: devices live in a flat vector indexed by a dense device_index
// (about 128 bytes each), found by ID through an open-addressing table of
// indices (8 bytes per device at most), plus 4 bytes per device in its
// tenant's listing. Tenants, products and groups are few and small.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"
#include "fleet/cloud/update_eligibility.hpp"
#include "fleet/crypto/crypto.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::cloud {

using tenant_id = std::uint32_t;
using product_id = std::uint32_t;
using group_id = std::uint32_t;

/// A claimed device that was not assigned to a group yet (Azure Sphere: claimed
/// devices join a product's group only when assigned).
inline constexpr group_id no_group = 0;

inline constexpr std::size_t claim_ids_max = 1'000;        ///< device IDs per claim request
inline constexpr std::size_t list_page_max = 1'000;        ///< devices per listing page
inline constexpr std::size_t registry_name_bytes_max = 64;  ///< tenant, product, group names
inline constexpr std::size_t tenants_max = 10'000;
inline constexpr std::size_t products_per_tenant_max = 1'000;
inline constexpr std::size_t groups_per_product_max = 100;  ///< the five defaults included
inline constexpr std::size_t device_id_hex_chars = 128;

/// The groups every product is created with, in this order.
enum class default_group : std::uint8_t {
  development,               ///< OS updates only: apps are sideloaded by developers
  field_test,
  production,
  field_test_os_evaluation,  ///< RetailEval feed
  production_os_evaluation,  ///< RetailEval feed
};
inline constexpr std::size_t default_group_count = 5;

struct registry_limits {
  std::uint32_t devices_max = 4'000'000;  ///< claimed devices over all tenants
};

/// Why a tenant, product or group was not created.
enum class create_refusal : std::uint8_t {
  none,
  unknown_parent,  ///< the tenant or product does not exist
  empty_name,
  name_too_long,
  duplicate_name,  ///< among the parent's children (or among tenants)
  limit_reached,
};

struct create_result {
  create_refusal refusal = create_refusal::none;
  std::uint32_t id = 0;  ///< the new tenant, product or group; 0 when refused
  bool ok() const { return refusal == create_refusal::none; }
};

/// Per-ID answer to a claim request.
enum class claim_result : std::uint8_t {
  claimed,
  already_claimed,       ///< by this tenant: nothing changes
  claimed_by_other,      ///< refused: a device belongs to one tenant
  malformed_id,          ///< not 128 hex characters
  registry_full,         ///< devices_max reached
  count_
};
inline constexpr std::size_t claim_result_count = static_cast<std::size_t>(claim_result::count_);

enum class claim_refusal : std::uint8_t {
  none,
  unknown_tenant,
  too_many_ids,  ///< more than claim_ids_max: the whole request is refused
};

struct claim_response {
  claim_refusal refusal = claim_refusal::none;
  std::vector<claim_result> results;  ///< one per requested ID, in order; empty when refused
};

enum class move_result : std::uint8_t {
  moved,
  unchanged,       ///< already in that group
  unknown_device,
  unknown_group,
  other_tenant,    ///< the group belongs to a product of another tenant
};

enum class key_result : std::uint8_t {
  registered,
  unchanged,       ///< the same key was registered before
  unknown_device,
  id_mismatch,     ///< the device ID is not derived from this key
};

/// What the last attestation of a device said (the verifier's detailed reason
/// is its own; the registry keeps the verdict).
enum class attestation_verdict : std::uint8_t { none, passed, failed };  ///< none: never attested

struct device_record {
  crypto::device_id id{};
  crypto::public_key public_key{};  ///< valid when key_registered
  tenant_id tenant = 0;
  group_id group = no_group;
  sim_time last_update_request = never;  ///< `never`: no request yet
  sim_time last_attestation = never;
  wire::version last_os_version{};  ///< 0.0.0 until the device reports one
  attestation_verdict last_attestation_verdict = attestation_verdict::none;
  bool key_registered = false;
};

struct tenant_info {
  std::string name;
  std::vector<product_id> products;
};

struct product_info {
  std::string name;
  tenant_id tenant = 0;
  std::vector<group_id> groups;  ///< the default groups first, in default_group order
};

struct group_info {
  std::string name;
  product_id product = 0;
  tenant_id tenant = 0;
  group_update_policy policy = group_update_policy::update_all;
  os_feed feed = os_feed::retail;
};

/// One page of a tenant's devices, in claim order.
struct device_page {
  std::vector<device_index> devices;
  /// Pass as `from` for the next page; none when this was the last one.
  std::optional<std::uint32_t> next;
};

struct registry_counters {
  std::array<std::uint64_t, claim_result_count> claims{};  ///< per-ID results
  std::uint64_t claim_requests_refused = 0;
  std::uint64_t moves = 0;
};

class device_id_table;

/// Parses 128 hex characters (either case) into a device ID.
std::optional<crypto::device_id> parse_device_id(std::string_view hex);

class registry {
 public:
  explicit registry(registry_limits limits = {});
  ~registry();
  registry(registry&&) noexcept;
  registry& operator=(registry&&) noexcept;

  create_result create_tenant(std::string_view name);
  /// Creates the product and its five default groups.
  create_result create_product(tenant_id tenant, std::string_view name);
  create_result create_group(product_id product, std::string_view name, group_update_policy policy,
                             os_feed feed);
  /// false for an unknown group.
  bool set_group_policy(group_id group, group_update_policy policy);

  /// Claims devices (hex IDs) into `tenant`. A request over claim_ids_max is
  /// refused whole; otherwise each ID gets its own result.
  claim_response claim(tenant_id tenant, const std::vector<std::string>& hex_ids);
  /// Puts a claimed device in a group of its tenant's products; it leaves its old group.
  move_result move(device_index device, group_id group);
  /// Registers the device key the attestation verifier checks evidence with.
  key_result register_key(device_index device, const crypto::public_key& key);

  /// A device asked for updates and reported the OS it runs.
  void record_update_request(sim_time now, device_index device, const wire::version& os_version);
  void record_attestation(sim_time now, device_index device, bool passed);

  std::optional<device_index> find(const crypto::device_id& id) const;
  const device_record* device(device_index index) const;
  std::uint32_t devices() const { return static_cast<std::uint32_t>(devices_.size()); }
  /// Up to `limit` (at most list_page_max) devices of `tenant`, starting at `from`.
  device_page list(tenant_id tenant, std::uint32_t from, std::size_t limit) const;
  /// Every device of a tenant, in claim order (empty for an unknown tenant).
  const std::vector<device_index>& devices_of(tenant_id tenant) const;

  const tenant_info* tenant(tenant_id id) const;
  const product_info* product(product_id id) const;
  const group_info* group(group_id id) const;
  /// The default group `which` of a product; no_group for an unknown product.
  group_id default_group_of(product_id product, default_group which) const;

  const registry_counters& counters() const { return counters_; }

  /// Its whole state, for a snapshot (registry_state.cpp).
  void save(state::RegistryState& out) const;
  /// Takes a saved state into a registry fresh from construction (same limits).
  restore_status restore(const state::RegistryState& in);

 private:
  claim_result claim_one(tenant_id tenant, std::string_view hex_id);
  static create_refusal check_name(std::string_view name);

  registry_limits limits_;
  // Ids start at 1 (0 means none): element 0 of each vector is unused.
  std::vector<tenant_info> tenants_;
  std::vector<product_info> products_;
  std::vector<group_info> groups_;
  std::vector<std::vector<device_index>> tenant_devices_;  ///< by tenant id
  std::vector<device_record> devices_;
  std::unique_ptr<device_id_table> index_;
  registry_counters counters_;
};

const char* name_of(claim_result r);
const char* name_of(create_refusal r);
const char* name_of(move_result r);
const char* name_of(default_group g);
/// The update policy every product's default group `g` is created with.
group_update_policy default_policy_of(default_group g);

}  // namespace fleet::cloud
