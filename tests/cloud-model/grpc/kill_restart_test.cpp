// `fleetsim cloud serve --state FILE` killed with SIGKILL at arbitrary moments
// while a client makes changes: every change the client saw acknowledged is
// there after the restart. Runs the real binary.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <atomic>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fleet.grpc.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

namespace fleet::cloud_server {
namespace {

std::unique_ptr<api::Operator::Stub> connect(int port) {
  return api::Operator::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
}

/// A device ID nobody else uses: the hex of SHA-512-sized bytes made from i.
std::string device_id(int i) {
  std::string bytes(64, '\0');
  const crypto::digest d = crypto::sha256(std::to_string(i));
  for (std::size_t k = 0; k < bytes.size(); ++k) bytes[k] = static_cast<char>(d[k % d.size()] ^ k);
  return crypto::to_hex(bytes);
}

TEST(kill_restart, sigkill_while_changes_are_acknowledged_loses_none_of_them) {
  testing::temp_dir dir;
  const std::string state = dir.file("state.db");
  std::set<std::string> acknowledged;
  std::uint32_t tenant = 0;
  int next = 0;
  // Kill after a different number of acknowledged claims each round, with a
  // client still calling: some calls fail, none that succeeded may be lost.
  for (const int round_claims : {37, 120, 211}) {
    server_process server({"--state", state});
    auto ops = connect(server.port());
    if (tenant == 0) {
      grpc::ClientContext c;
      api::CreateTenantRequest r;
      r.set_name("contoso");
      api::Tenant t;
      ASSERT_TRUE(ops->CreateTenant(&c, r, &t).ok());
      tenant = t.id();
    }
    std::atomic<int> acked_this_round{0};
    std::atomic<bool> stop{false};
    std::vector<std::string> acked;
    std::thread client([&] {
      while (!stop) {
        const std::string id = device_id(next++);
        grpc::ClientContext c;
        c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
        api::ClaimDevicesRequest r;
        r.set_tenant(tenant);
        r.add_device_ids(id);
        api::ClaimDevicesReply reply;
        if (ops->ClaimDevices(&c, r, &reply).ok() && reply.results(0) == api::CLAIMED) {
          acked.push_back(id);
          ++acked_this_round;
        }
      }
    });
    while (acked_this_round < round_claims) std::this_thread::sleep_for(std::chrono::microseconds(200));
    server.kill_now();
    stop = true;
    client.join();
    acknowledged.insert(acked.begin(), acked.end());
  }

  server_process server({"--state", state});
  auto ops = connect(server.port());
  std::set<std::string> listed;
  std::uint32_t token = 0;
  do {
    grpc::ClientContext c;
    api::ListDevicesRequest r;
    r.set_tenant(tenant);
    r.set_page_size(1000);
    r.set_page_token(token);
    api::ListDevicesReply page;
    ASSERT_TRUE(ops->ListDevices(&c, r, &page).ok());
    for (const auto& d : page.devices()) listed.insert(d.device_id());
    token = page.next_page_token();
  } while (token != 0);
  EXPECT_GE(acknowledged.size(), 37u + 120u + 211u);
  for (const std::string& id : acknowledged) EXPECT_EQ(listed.count(id), 1u) << "lost: " << id;
  // At most one unacknowledged claim per kill may have been committed too.
  EXPECT_LE(listed.size(), acknowledged.size() + 3);
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace fleet::cloud_server
