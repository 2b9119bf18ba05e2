// `fleetsim cloud serve --metrics-addr`: the real binary serves the
// service's figures, and a device request that reached it is counted.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "fleet.grpc.pb.h"
#include "fleet/testing/http_get.hpp"
#include "server_process.hpp"

namespace fleet::cloud_server {
namespace {

/// The sum of a metric's series in a scrape.
double sum_of(const std::string& text, const std::string& metric) {
  std::istringstream lines(text);
  double sum = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(metric + "{", 0) == 0 || line.rfind(metric + " ", 0) == 0) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

TEST(serve_metrics, counts_the_requests_the_service_answered) {
  server_process server({"--metrics-addr", "127.0.0.1:0"});
  const std::string said = server.next_line();
  const std::string marker = "metrics on http://127.0.0.1:";
  ASSERT_NE(said.find(marker), std::string::npos) << said;
  const int metrics_port = std::stoi(said.substr(said.find(marker) + marker.size()));

  const std::string before = testing::http_get(metrics_port, "/metrics");
  EXPECT_NE(before.find("fleetsim_cloud_requests_total{result=\"unauthenticated\"} 0"), std::string::npos) << before;
  EXPECT_EQ(sum_of(before, "fleetsim_cloud_requests_total"), 0);

  // An update check from an ID that is not a device ID: answered INVALID.
  auto devices = api::Device::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(server.port()), grpc::InsecureChannelCredentials()));
  wire::Envelope check;
  check.set_device_id(std::string(32, 'd'));
  check.set_sequence(1);
  check.mutable_update_check();
  grpc::ClientContext context;
  wire::Envelope reply;
  EXPECT_EQ(devices->Exchange(&context, check, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // Published every second: wait up to 10 s (a loaded machine).
  std::string after;
  for (int i = 0; i < 100 && sum_of(after, "fleetsim_cloud_requests_total") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = testing::http_get(metrics_port, "/metrics");
  }
  EXPECT_EQ(sum_of(after, "fleetsim_cloud_requests_total"), 1) << after;
  EXPECT_EQ(sum_of(after, "fleetsim_cloud_requests_total{result=\"invalid\"}"), 1) << after;
  EXPECT_EQ(server.stop(), 0);
}

TEST(serve_metrics, an_address_that_is_not_host_port_is_bad_input) {
  std::FILE* p = ::popen((std::string(FLEETSIM_BINARY) + " cloud serve --metrics-addr nowhere 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string said;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, p) != nullptr) said += buffer;
  const int status = ::pclose(p);
  EXPECT_EQ(WEXITSTATUS(status), 2) << said;
  EXPECT_NE(said.find("must be HOST:PORT with a port from 0 to 65535, not nowhere"), std::string::npos) << said;
}

}  // namespace
}  // namespace fleet::cloud_server
