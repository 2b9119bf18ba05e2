// The server's listening: one server per port. gRPC alone lets a second
// server share a port (SO_REUSEPORT) and splits the clients between them;
// cloud_server refuses, saying why.
#include "fleet/cloud_server/cloud_server.hpp"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "fleet.grpc.pb.h"

namespace fleet::cloud_server {
namespace {

served_settings in_memory() {
  served_settings s;
  s.utc_now_us = [] { return std::int64_t{1'800'000'000'000'000}; };
  return s;
}

TEST(cloud_server, a_second_server_on_a_taken_port_is_refused_with_the_reason) {
  served_service service(in_memory());
  cloud_server first(service, server_settings{"127.0.0.1:0", {}, {}});
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());
  EXPECT_EQ(probe_listen(taken), "Address already in use (another server listens there)");
  try {
    cloud_server second(service, server_settings{taken, {}, {}});
    FAIL() << "a second server started on " << taken;
  } catch (const listen_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on " + taken + ": Address already in use (another server listens there)");
  }
  first.shutdown();
}

// The control: what gRPC does with its defaults. Two plain servers on one
// port both start, which is what cloud_server turns off.
TEST(cloud_server, plain_grpc_servers_share_a_port_which_is_why_cloud_server_turns_it_off) {
  api::Device::Service unused;
  grpc::ServerBuilder first_builder;
  int first_port = 0;
  first_builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &first_port);
  first_builder.RegisterService(&unused);
  auto first = first_builder.BuildAndStart();
  ASSERT_NE(first_port, 0);
  api::Operator::Service unused_too;
  grpc::ServerBuilder second_builder;
  int second_port = 0;
  second_builder.AddListeningPort("127.0.0.1:" + std::to_string(first_port), grpc::InsecureServerCredentials(),
                                  &second_port);
  second_builder.RegisterService(&unused_too);
  auto second = second_builder.BuildAndStart();
  EXPECT_NE(second, nullptr);
  EXPECT_EQ(second_port, first_port);
  if (second) second->Shutdown();
  first->Shutdown();
}

TEST(cloud_server, an_address_that_is_not_this_machines_is_refused_before_grpc_sees_it) {
  EXPECT_EQ(probe_listen("127.0.0.1:0"), "");
  EXPECT_EQ(probe_listen("192.0.2.1:50051"), "Cannot assign requested address");
  EXPECT_EQ(probe_listen("no-such-host.invalid:1").rfind("cannot resolve no-such-host.invalid", 0), 0u);
  EXPECT_EQ(probe_listen("nowhere"), "not HOST:PORT");
}

}  // namespace
}  // namespace fleet::cloud_server
