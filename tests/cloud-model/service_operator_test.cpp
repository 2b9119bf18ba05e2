// The operator API of the security service, and sharding by device ID.
#include <gtest/gtest.h>

#include "fleet/cloud/security_service.hpp"
#include "fleet/testing/device_world.hpp"
#include "fleet/testing/service_endpoint.hpp"

namespace fleet::cloud {
namespace {

using namespace std::chrono_literals;

service_settings settings_with(std::uint32_t shards) {
  service_settings s;
  s.seed = 11;
  s.shard_count = shards;
  s.wall_clock_at_zero = std::chrono::microseconds(testing::default_epoch_us);
  return s;
}

std::string hex_of(std::uint8_t fill) { return std::string(128, "0123456789abcdef"[fill & 15]); }

TEST(service_operator, groups_are_created_under_a_product_and_their_policy_changes) {
  testing::test_keys keys(1);
  security_service s(keys.service_root, settings_with(1));
  const tenant_id t = s.create_tenant("contoso").value;
  const product_id p = s.create_product(t, "thermostat").value;
  const auto canary = s.create_group(p, "Canary", group_update_policy::no_3rd_party_app_updates, os_feed::retail_eval);
  ASSERT_TRUE(canary.ok()) << canary.message;
  const group_info* g = s.devices().group(canary.value);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->name, "Canary");
  EXPECT_EQ(g->product, p);
  EXPECT_EQ(g->policy, group_update_policy::no_3rd_party_app_updates);
  EXPECT_EQ(g->feed, os_feed::retail_eval);
  EXPECT_EQ(s.create_group(p, "Canary", group_update_policy::update_all, os_feed::retail).status,
            op_status::failed_precondition);
  EXPECT_EQ(s.create_group(999, "x", group_update_policy::update_all, os_feed::retail).status, op_status::not_found);
  EXPECT_EQ(s.create_group(p, "", group_update_policy::update_all, os_feed::retail).status,
            op_status::invalid_argument);

  ASSERT_TRUE(s.set_group_policy(canary.value, group_update_policy::no_updates).ok());
  EXPECT_EQ(s.devices().group(canary.value)->policy, group_update_policy::no_updates);
  EXPECT_EQ(s.set_group_policy(9999, group_update_policy::no_updates).status, op_status::not_found);
}

TEST(service_operator, refusals_carry_a_status_and_what_is_wrong) {
  testing::test_keys keys(1);
  security_service s(keys.service_root, settings_with(1));
  EXPECT_EQ(s.create_tenant("").status, op_status::invalid_argument);
  const tenant_id t = s.create_tenant("contoso").value;
  EXPECT_EQ(s.create_tenant("contoso").status, op_status::failed_precondition);
  EXPECT_EQ(s.create_product(999, "x").status, op_status::not_found);
  const product_id p = s.create_product(t, "thermostat").value;
  const group_id prod = s.default_group_of(p, default_group::production).value;

  std::vector<std::string> too_many(claim_ids_max + 1, hex_of(1));
  const auto refused = s.claim_devices(t, too_many);
  EXPECT_EQ(refused.status, op_status::resource_exhausted);
  EXPECT_NE(refused.message.find("1000"), std::string::npos);
  const auto claimed = s.claim_devices(t, {hex_of(1), "not-hex"});
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(claimed.value[0], claim_result::claimed);
  EXPECT_EQ(claimed.value[1], claim_result::malformed_id);
  EXPECT_TRUE(s.move_device(hex_of(1), prod).ok());
  EXPECT_EQ(s.move_device(hex_of(2), prod).status, op_status::not_found);
  EXPECT_EQ(s.move_device(hex_of(1), 9999).status, op_status::not_found);

  const auto page = s.list_devices(t, 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.value.devices.size(), 1u);
  EXPECT_EQ(s.list_devices(t, 0, 0).status, op_status::invalid_argument);
  EXPECT_EQ(s.show_device(hex_of(3)).status, op_status::not_found);
  EXPECT_EQ(s.show_device(hex_of(1)).value.record.group, prod);

  // Deployments: unknown image, invalid policy with every error listed.
  deployment_spec spec;
  spec.group = prod;
  spec.images = {crypto::digest{}};
  EXPECT_EQ(s.create_deployment(sim_time{0}, spec).status, op_status::not_found);
  const auto image = testing::make_image(keys, wire::APP, "1.1.0");
  const auto spec_in = testing::image_spec_for(wire::APP, "1.1.0");
  const auto up = s.upload_image(sim_time{0}, spec_in, testing::image_content(image));
  ASSERT_TRUE(up.ok()) << up.message;
  spec.images = {up.value};
  spec.policy.waves = wave_plan::by_percent({60, 40});
  spec.policy.gate.success_threshold = 2;
  const auto bad = s.create_deployment(sim_time{0}, spec);
  EXPECT_EQ(bad.status, op_status::invalid_argument);
  EXPECT_GE(bad.value.errors.size(), 2u);
  EXPECT_NE(bad.message.find("waves"), std::string::npos);

  spec.policy = rollout_policy{};
  const auto made = s.create_deployment(sim_time{0}, spec);
  ASSERT_TRUE(made.ok()) << made.message;
  EXPECT_EQ(made.value.devices, 1u);
  EXPECT_TRUE(s.deployment_status(made.value.id).ok());
  EXPECT_EQ(s.deployment_status(99).status, op_status::not_found);
  EXPECT_EQ(s.pause(sim_time{1}, made.value.id).value, rollout_state::paused);
  EXPECT_EQ(s.resume(sim_time{2}, made.value.id).value, rollout_state::running);
  EXPECT_EQ(s.halt(sim_time{3}, made.value.id).value, rollout_state::halted);
  EXPECT_EQ(s.halt(sim_time{4}, made.value.id).status, op_status::failed_precondition);
  EXPECT_EQ(s.export_error_reports(sim_time{5}, 77).status, op_status::not_found);
  EXPECT_TRUE(s.export_error_reports(sim_time{5}, t).ok());
}

TEST(service_operator, next_deadline_drives_the_ca_rollover) {
  testing::test_keys keys(1);
  security_service s(keys.service_root, settings_with(1));
  EXPECT_EQ(s.next_deadline(), never);  // no CA yet, no deployment
  s.ca().issue(s.wall(sim_time{0}), "contoso", crypto::device_id{}, crypto::public_key{}, std::string(32, 'd'),
                std::string(32, 's'));
  const sim_time due = s.next_deadline();
  EXPECT_EQ(due, sim_time{0} + (2 * 365 * 24h - 90 * 24h));  // in simulated time, not wall time
  s.advance(due);
  EXPECT_EQ(s.ca().trusted_cas(s.wall(due), "contoso").size(), 2u);
}

/// Devices booting one after another against a service: every reply byte.
std::vector<std::string> replies_with(std::uint32_t shards) {
  testing::test_keys keys(1);
  security_service s(keys.service_root, settings_with(shards));
  const tenant_id t = s.create_tenant("contoso").value;
  const product_id p = s.create_product(t, testing::default_product).value;
  const group_id prod = s.default_group_of(p, default_group::production).value;
  const auto factory = testing::upload_factory_images(s, keys);
  std::vector<std::string> out;
  fw::sim_time now{0};
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    testing::service_endpoint link(s, seed);
    testing::world_options o;
    o.seed = seed;
    o.endpoint = &link;
    o.rom = testing::service_rom(s, keys.service_root.public_key_bytes);
    o.factory = factory;
    testing::device_world w(o);
    const auto id = s.register_device_key(w.device().secure_element().device_public_key()).value;
    const std::string hex = crypto::to_hex(crypto::as_view(id));
    s.claim_devices(t, {hex});
    s.move_device(hex, prod);
    w.run_until(now);
    w.power_on();
    w.run_for(5min);
    EXPECT_GT(w.count(fw::record_kind::attested), 0u);
    now = w.now();
    out.insert(out.end(), w.sent_to_device().begin(), w.sent_to_device().end());
  }
  return out;
}

TEST(service_shards, one_and_four_shards_give_the_same_reply_bytes) {
  const auto one = replies_with(1);
  const auto four = replies_with(4);
  EXPECT_GT(one.size(), 20u);
  EXPECT_EQ(one, four);
}

}  // namespace
}  // namespace fleet::cloud
