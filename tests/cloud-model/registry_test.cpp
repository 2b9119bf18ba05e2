#include "fleet/cloud/registry.hpp"

#include <gtest/gtest.h>

#include "fleet/crypto/random_stream.hpp"

namespace fleet::cloud {
namespace {

std::string hex_of(const crypto::device_id& id) { return crypto::to_hex(crypto::as_view(id)); }

std::vector<std::string> random_ids(std::size_t n, std::uint64_t seed) {
  crypto::random_stream rng(seed, 0, "registry-test");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    crypto::device_id id{};
    rng.fill(id.data(), id.size());
    out.push_back(hex_of(id));
  }
  return out;
}

struct registry_fixture : ::testing::Test {
  registry reg;
  tenant_id acme = reg.create_tenant("acme").id;
  tenant_id rival = reg.create_tenant("rival").id;
  product_id thermostat = reg.create_product(acme, "thermostat").id;
};

TEST_F(registry_fixture, products_come_with_the_five_default_groups) {
  const product_info* p = reg.product(thermostat);
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->groups.size(), default_group_count);
  const group_info* dev = reg.group(reg.default_group_of(thermostat, default_group::development));
  EXPECT_EQ(dev->name, "Development");
  EXPECT_EQ(dev->policy, group_update_policy::no_3rd_party_app_updates);
  const group_info* prod = reg.group(reg.default_group_of(thermostat, default_group::production));
  EXPECT_EQ(prod->name, "Production");
  EXPECT_EQ(prod->policy, group_update_policy::update_all);
  EXPECT_EQ(prod->feed, os_feed::retail);
  const group_info* eval = reg.group(reg.default_group_of(thermostat, default_group::production_os_evaluation));
  EXPECT_EQ(eval->name, "Production OS Evaluation");
  EXPECT_EQ(eval->feed, os_feed::retail_eval);
  EXPECT_EQ(reg.group(reg.default_group_of(thermostat, default_group::field_test_os_evaluation))->feed,
            os_feed::retail_eval);
  EXPECT_EQ(reg.group(reg.default_group_of(thermostat, default_group::field_test))->feed, os_feed::retail);
  EXPECT_EQ(prod->tenant, acme);
  EXPECT_EQ(reg.default_group_of(999, default_group::production), no_group);
  // The policy each default group is made with, as default_policy_of says.
  for (std::size_t g = 0; g < default_group_count; ++g) {
    const auto which = static_cast<default_group>(g);
    EXPECT_EQ(reg.group(reg.default_group_of(thermostat, which))->policy, default_policy_of(which)) << name_of(which);
  }
}

TEST_F(registry_fixture, creation_refusals) {
  EXPECT_EQ(reg.create_tenant("").refusal, create_refusal::empty_name);
  EXPECT_EQ(reg.create_tenant(std::string(registry_name_bytes_max + 1, 'x')).refusal, create_refusal::name_too_long);
  EXPECT_TRUE(reg.create_tenant(std::string(registry_name_bytes_max, 'x')).ok());
  EXPECT_EQ(reg.create_tenant("acme").refusal, create_refusal::duplicate_name);
  EXPECT_EQ(reg.create_product(999, "p").refusal, create_refusal::unknown_parent);
  EXPECT_EQ(reg.create_product(acme, "thermostat").refusal, create_refusal::duplicate_name);
  EXPECT_TRUE(reg.create_product(rival, "thermostat").ok());  // names are per tenant
  EXPECT_EQ(reg.create_group(999, "g", group_update_policy::update_all, os_feed::retail).refusal,
            create_refusal::unknown_parent);
  EXPECT_EQ(reg.create_group(thermostat, "Production", group_update_policy::update_all, os_feed::retail).refusal,
            create_refusal::duplicate_name);
  const create_result canary = reg.create_group(thermostat, "Canary", group_update_policy::no_updates, os_feed::retail);
  ASSERT_TRUE(canary.ok());
  EXPECT_EQ(reg.group(canary.id)->policy, group_update_policy::no_updates);
  EXPECT_TRUE(reg.set_group_policy(canary.id, group_update_policy::update_all));
  EXPECT_EQ(reg.group(canary.id)->policy, group_update_policy::update_all);
  EXPECT_FALSE(reg.set_group_policy(9999, group_update_policy::update_all));
}

TEST_F(registry_fixture, groups_per_product_are_bounded) {
  for (std::size_t i = default_group_count; i < groups_per_product_max; ++i)
    ASSERT_TRUE(reg.create_group(thermostat, "g" + std::to_string(i), group_update_policy::update_all, os_feed::retail).ok());
  EXPECT_EQ(reg.create_group(thermostat, "one too many", group_update_policy::update_all, os_feed::retail).refusal,
            create_refusal::limit_reached);
}

TEST_F(registry_fixture, claim_of_1000_ids_is_taken_and_1001_refused_whole) {
  const auto ids = random_ids(claim_ids_max + 1, 1);
  const claim_response refused = reg.claim(acme, ids);
  EXPECT_EQ(refused.refusal, claim_refusal::too_many_ids);
  EXPECT_TRUE(refused.results.empty());
  EXPECT_EQ(reg.devices(), 0u);
  EXPECT_EQ(reg.counters().claim_requests_refused, 1u);

  const claim_response taken = reg.claim(acme, std::vector<std::string>(ids.begin(), ids.end() - 1));
  EXPECT_EQ(taken.refusal, claim_refusal::none);
  ASSERT_EQ(taken.results.size(), claim_ids_max);
  for (auto r : taken.results) ASSERT_EQ(r, claim_result::claimed);
  EXPECT_EQ(reg.devices(), claim_ids_max);
  EXPECT_EQ(reg.claim(999, {ids[0]}).refusal, claim_refusal::unknown_tenant);
}

TEST_F(registry_fixture, claim_answers_each_id) {
  const auto ids = random_ids(3, 2);
  ASSERT_EQ(reg.claim(rival, {ids[1]}).results[0], claim_result::claimed);
  std::string upper = ids[2];
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const claim_response r =
      reg.claim(acme, {ids[0], ids[0], ids[1], ids[0].substr(1), std::string(128, 'g'), upper});
  ASSERT_EQ(r.results.size(), 6u);
  EXPECT_EQ(r.results[0], claim_result::claimed);
  EXPECT_EQ(r.results[1], claim_result::already_claimed);
  EXPECT_EQ(r.results[2], claim_result::claimed_by_other);
  EXPECT_EQ(r.results[3], claim_result::malformed_id);
  EXPECT_EQ(r.results[4], claim_result::malformed_id);
  EXPECT_EQ(r.results[5], claim_result::claimed);  // hex of either case
  const auto other = reg.find(*parse_device_id(ids[1]));
  ASSERT_TRUE(other);
  EXPECT_EQ(reg.device(*other)->tenant, rival);  // the refused claim changed nothing
  EXPECT_EQ(reg.counters().claims[static_cast<std::size_t>(claim_result::malformed_id)], 2u);
  EXPECT_STREQ(name_of(claim_result::claimed_by_other), "claimed_by_other");
}

TEST(registry, claims_stop_at_devices_max) {
  registry small(registry_limits{2});
  const tenant_id t = small.create_tenant("t").id;
  const auto r = small.claim(t, random_ids(3, 3));
  EXPECT_EQ(r.results[1], claim_result::claimed);
  EXPECT_EQ(r.results[2], claim_result::registry_full);
  EXPECT_EQ(small.devices(), 2u);
}

TEST_F(registry_fixture, lookups_by_id_find_every_device) {
  const auto ids = random_ids(500, 4);
  reg.claim(acme, ids);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto found = reg.find(*parse_device_id(ids[i]));
    ASSERT_TRUE(found);
    EXPECT_EQ(*found, i);
    EXPECT_EQ(hex_of(reg.device(*found)->id), ids[i]);
  }
  EXPECT_FALSE(reg.find(*parse_device_id(random_ids(1, 5)[0])));
}

TEST_F(registry_fixture, a_device_sits_in_one_group_of_its_tenant) {
  reg.claim(acme, random_ids(1, 6));
  const group_id field = reg.default_group_of(thermostat, default_group::field_test);
  const group_id prod = reg.default_group_of(thermostat, default_group::production);
  EXPECT_EQ(reg.device(0)->group, no_group);
  EXPECT_EQ(reg.move(0, field), move_result::moved);
  EXPECT_EQ(reg.move(0, field), move_result::unchanged);
  EXPECT_EQ(reg.move(0, prod), move_result::moved);
  EXPECT_EQ(reg.device(0)->group, prod);
  const product_id theirs = reg.create_product(rival, "lamp").id;
  EXPECT_EQ(reg.move(0, reg.default_group_of(theirs, default_group::production)), move_result::other_tenant);
  EXPECT_EQ(reg.move(0, 9999), move_result::unknown_group);
  EXPECT_EQ(reg.move(7, prod), move_result::unknown_device);
  EXPECT_EQ(reg.device(0)->group, prod);
}

TEST_F(registry_fixture, a_registered_key_must_hash_to_the_device_id) {
  const auto pair = crypto::signing_key_from_seed(crypto::seed{1});
  const auto other = crypto::signing_key_from_seed(crypto::seed{2});
  reg.claim(acme, {hex_of(crypto::derive_device_id(pair.public_key_bytes))});
  EXPECT_EQ(reg.register_key(0, other.public_key_bytes), key_result::id_mismatch);
  EXPECT_FALSE(reg.device(0)->key_registered);
  EXPECT_EQ(reg.register_key(0, pair.public_key_bytes), key_result::registered);
  EXPECT_EQ(reg.register_key(0, pair.public_key_bytes), key_result::unchanged);
  EXPECT_EQ(reg.device(0)->public_key, pair.public_key_bytes);
  EXPECT_EQ(reg.register_key(1, pair.public_key_bytes), key_result::unknown_device);
}

TEST_F(registry_fixture, device_records_keep_the_last_request_and_attestation) {
  reg.claim(acme, random_ids(1, 7));
  EXPECT_EQ(reg.device(0)->last_update_request, never);
  reg.record_update_request(sim_time{5s}, 0, wire::version{22, 2, 1});
  reg.record_attestation(sim_time{6s}, 0, false);
  reg.record_attestation(sim_time{7s}, 0, true);
  const device_record* d = reg.device(0);
  EXPECT_EQ(d->last_update_request, sim_time{5s});
  EXPECT_EQ(d->last_os_version, (wire::version{22, 2, 1}));
  EXPECT_EQ(d->last_attestation, sim_time{7s});
  EXPECT_EQ(d->last_attestation_verdict, attestation_verdict::passed);
}

TEST_F(registry_fixture, listing_pages_through_a_tenants_devices) {
  reg.claim(acme, random_ids(1000, 8));
  reg.claim(acme, random_ids(500, 9));
  reg.claim(rival, random_ids(3, 10));
  std::vector<device_index> seen;
  std::uint32_t from = 0;
  int pages = 0;
  for (;;) {
    const device_page page = reg.list(acme, from, 400);
    EXPECT_LE(page.devices.size(), 400u);
    seen.insert(seen.end(), page.devices.begin(), page.devices.end());
    ++pages;
    if (!page.next) break;
    from = *page.next;
  }
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), 1500u);
  for (device_index d : seen) EXPECT_EQ(reg.device(d)->tenant, acme);
  // A page never exceeds list_page_max whatever the caller asks.
  const device_page big = reg.list(acme, 0, 5000);
  EXPECT_EQ(big.devices.size(), list_page_max);
  EXPECT_EQ(big.next, std::optional<std::uint32_t>{1000});
  EXPECT_EQ(reg.list(rival, 0, 10).devices.size(), 3u);
  EXPECT_TRUE(reg.list(999, 0, 10).devices.empty());
}

}  // namespace
}  // namespace fleet::cloud
