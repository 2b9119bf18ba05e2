// fleet.proto's policy to the controller's: every control carried over, and
// a field left out keeps the controller's default. Refusals to statuses.
#include "fleet/cloud_server/api_mapping.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud_server {
namespace {

using namespace std::chrono_literals;

TEST(api_mapping, an_empty_policy_is_the_controllers_default) {
  const cloud::rollout_policy mapped = from_api(api::RolloutPolicy{});
  const cloud::rollout_policy defaults;
  EXPECT_EQ(mapped.waves.cumulative_percent, defaults.waves.cumulative_percent);
  EXPECT_FALSE(mapped.ramp.has_value());
  EXPECT_EQ(mapped.in_flight_limit, defaults.in_flight_limit);
  EXPECT_EQ(mapped.gate.success_threshold, defaults.gate.success_threshold);
  EXPECT_EQ(mapped.gate.min_wave_duration, defaults.gate.min_wave_duration);
  EXPECT_EQ(mapped.device_timeout, defaults.device_timeout);
  EXPECT_EQ(mapped.retries.timed_out, defaults.retries.timed_out);
  EXPECT_FALSE(mapped.abort.any.has_value());
  EXPECT_FALSE(mapped.rollback.failed_share.has_value());
  EXPECT_TRUE(mapped.windows.empty());
  EXPECT_TRUE(cloud::validate(mapped).empty());
}

TEST(api_mapping, every_control_is_carried_over) {
  api::RolloutPolicy p;
  p.set_start_at_us(5'000'000);
  p.mutable_waves()->mutable_count()->add_sizes(10);
  p.mutable_waves()->mutable_count()->add_sizes(90);
  auto* ramp = p.mutable_ramp();
  ramp->set_base_per_minute(3);
  ramp->set_increment_factor(1.5);
  ramp->set_on_succeeded(true);
  ramp->set_step_devices(7);
  ramp->set_max_per_minute(300);
  p.set_in_flight_limit(0);  // set, even to zero
  p.mutable_gate()->set_success_threshold(0.95);
  p.mutable_gate()->set_min_wave_duration_us(7'200'000'000);
  p.mutable_gate()->set_pause_on_pass(true);
  p.mutable_abort()->mutable_rejected()->set_threshold(0.2);
  p.mutable_abort()->mutable_rejected()->set_min_sample(30);
  p.set_device_timeout_us(3'600'000'000);
  p.mutable_retries()->set_failed(4);
  auto* window = p.add_windows();
  window->set_start_minute_utc(120);
  window->set_length_minutes(90);
  p.mutable_rollback()->set_failed_devices(12);

  const cloud::rollout_policy m = from_api(p);
  EXPECT_EQ(m.start_at, 5s);
  EXPECT_EQ(m.waves.by, cloud::wave_plan::kind::count);
  EXPECT_EQ(m.waves.sizes, (std::vector<std::uint32_t>{10, 90}));
  ASSERT_TRUE(m.ramp.has_value());
  EXPECT_EQ(m.ramp->base_per_minute, 3);
  EXPECT_EQ(m.ramp->increment_factor, 1.5);
  EXPECT_EQ(m.ramp->basis, cloud::ramp_basis::succeeded);
  EXPECT_EQ(m.ramp->step_devices, 7u);
  EXPECT_EQ(m.ramp->max_per_minute, 300);
  EXPECT_EQ(m.in_flight_limit, 0u);
  EXPECT_EQ(m.gate.success_threshold, 0.95);
  EXPECT_EQ(m.gate.min_wave_duration, 2h);
  EXPECT_EQ(m.gate.on_pass, cloud::gate_action::pause);
  ASSERT_TRUE(m.abort.rejected.has_value());
  EXPECT_EQ(m.abort.rejected->threshold, 0.2);
  EXPECT_EQ(m.abort.rejected->min_sample, 30u);
  EXPECT_FALSE(m.abort.failed.has_value());
  EXPECT_EQ(m.device_timeout, 1h);
  EXPECT_EQ(m.retries.failed, 4u);
  EXPECT_EQ(m.retries.timed_out, 0u);  // the retries message replaces the default whole
  ASSERT_EQ(m.windows.size(), 1u);
  EXPECT_EQ(m.windows[0].start_of_day, 2h);
  EXPECT_EQ(m.windows[0].length, 90min);
  EXPECT_EQ(m.rollback.failed_devices, 12u);
  EXPECT_FALSE(m.rollback.failed_share.has_value());
}

TEST(api_mapping, refusals_and_device_errors_become_the_documented_statuses) {
  EXPECT_TRUE(to_grpc(cloud::op_status::ok, "").ok());
  EXPECT_EQ(to_grpc(cloud::op_status::invalid_argument, "x").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(to_grpc(cloud::op_status::not_found, "x").error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(to_grpc(cloud::op_status::failed_precondition, "x").error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(to_grpc(cloud::op_status::resource_exhausted, "x").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(to_grpc(cloud::op_status::not_found, "no such group").error_message(), "no such group");

  EXPECT_EQ(grpc_code_of(wire::ERROR_UNAUTHENTICATED), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(grpc_code_of(wire::ERROR_ATTESTATION_FAILED), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(grpc_code_of(wire::ERROR_RATE_LIMITED), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(grpc_code_of(wire::ERROR_UNAVAILABLE), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(grpc_code_of(wire::ERROR_NOT_FOUND), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(grpc_code_of(wire::ERROR_INVALID), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(api_mapping, image_ids_are_64_hex_characters) {
  const crypto::digest d = crypto::sha256("image");
  EXPECT_EQ(parse_image_id(hex(d)), d);
  EXPECT_FALSE(parse_image_id(hex(d).substr(2)).has_value());
  EXPECT_FALSE(parse_image_id("zz" + hex(d).substr(2)).has_value());
}

}  // namespace
}  // namespace fleet::cloud_server
