// Operator rates: a burst, then one per interval, per operation; waiting
// says how long; charging what ran rebuilds the same buckets.
#include "fleet/cloud_server/operator_rates.hpp"

#include <gtest/gtest.h>

namespace fleet::cloud_server {
namespace {

using namespace std::chrono_literals;
using cloud::sim_time;

TEST(operator_rates, a_burst_then_one_per_interval) {
  operator_rate_limits limits;
  limits.rotations = {3, 1h};
  operator_rates rates(limits);
  const sim_time t0{10s};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rates.wait(operator_operation::rotation, t0), 0s) << i;
    rates.charge(operator_operation::rotation, t0);
  }
  EXPECT_EQ(rates.wait(operator_operation::rotation, t0), 1h);
  EXPECT_EQ(rates.wait(operator_operation::rotation, t0 + 59min), 1min);
  EXPECT_EQ(rates.wait(operator_operation::rotation, t0 + 1h), 0s);
  rates.charge(operator_operation::rotation, t0 + 1h);
  EXPECT_EQ(rates.wait(operator_operation::rotation, t0 + 1h), 1h);
  // After a long quiet the burst is back, never more.
  const sim_time later = t0 + 100h;
  for (int i = 0; i < 3; ++i) rates.charge(operator_operation::rotation, later);
  EXPECT_EQ(rates.wait(operator_operation::rotation, later), 1h);
}

TEST(operator_rates, each_operation_has_its_own_bucket) {
  operator_rate_limits limits;
  limits.rotations = {1, 1h};
  limits.uploads = {2, 1min};
  operator_rates rates(limits);
  rates.charge(operator_operation::rotation, sim_time{0});
  EXPECT_GT(rates.wait(operator_operation::rotation, sim_time{0}), 0s);
  EXPECT_EQ(rates.wait(operator_operation::upload, sim_time{0}), 0s);
  EXPECT_EQ(rates.wait(operator_operation::deployment, sim_time{0}), 0s);
}

TEST(operator_rates, only_rotations_uploads_and_deployments_are_rated) {
  state::Command c;
  c.mutable_rotate_image_signing_key();
  EXPECT_EQ(operation_of(c), operator_operation::rotation);
  c.mutable_upload_image();
  EXPECT_EQ(operation_of(c), operator_operation::upload);
  c.mutable_create_deployment();
  EXPECT_EQ(operation_of(c), operator_operation::deployment);
  c.mutable_create_tenant();
  EXPECT_EQ(operation_of(c), std::nullopt);
  c.mutable_device();
  EXPECT_EQ(operation_of(c), std::nullopt);
}

}  // namespace
}  // namespace fleet::cloud_server
