// The service as a server runs it: its clock, and what happens when the
// state file cannot take a change.
#include "fleet/cloud_server/served_service.hpp"

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace fleet::cloud_server {
namespace {

state::Command create_tenant(const std::string& name) {
  state::Command c;
  c.mutable_create_tenant()->set_name(name);
  return c;
}

TEST(served_service, simulated_time_never_runs_back_when_the_wall_clock_does) {
  std::int64_t utc = 1'800'000'000'000'000;
  served_settings settings;
  settings.utc_now_us = [&] { return utc; };
  served_service s(settings);
  const auto now = [&] { return s.read([](const cloud::security_service&, cloud::sim_time t) { return t; }); };
  EXPECT_EQ(now(), cloud::sim_time{0});
  utc += 5'000'000;
  EXPECT_EQ(now(), cloud::sim_time{5'000'000});
  utc -= 3'600'000'000;  // the clock is set back an hour
  EXPECT_EQ(now(), cloud::sim_time{5'000'000});
  utc += 3'600'000'000 + 1'000'000;
  EXPECT_EQ(now(), cloud::sim_time{6'000'000});
}

TEST(served_service, a_full_state_file_refuses_the_change_and_nothing_runs) {
  testing::temp_dir dir;
  served_settings settings;
  settings.state_path = dir.file("state.db");
  settings.state_bytes_max = 64 * 1024;
  settings.utc_now_us = [] { return std::int64_t{1'800'000'000'000'000}; };
  served_service s(settings);
  grpc::Status status;
  int created = 0;
  for (; created < 100'000; ++created) {
    state::Outcome out;
    status = s.submit(create_tenant(std::string(60, 't') + std::to_string(created)), out);
    if (!status.ok()) break;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("nothing changed"), std::string::npos) << status.error_message();
  // The refused tenant was not created: the next id is still free.
  s.read([&](const cloud::security_service& service, cloud::sim_time) {
    EXPECT_NE(service.devices().tenant(static_cast<cloud::tenant_id>(created)), nullptr);
    EXPECT_EQ(service.devices().tenant(static_cast<cloud::tenant_id>(created + 1)), nullptr);
    return 0;
  });
}

}  // namespace
}  // namespace fleet::cloud_server
