#pragma once
// A real gRPC server on a loopback port, its clients, and a device_world
// endpoint that speaks the Device service, for end-to-end tests. The server's
// wall clock is the device world's simulated time (at the default epoch), so
// certificates the CA signs are valid on the device's clock.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fleet.grpc.pb.h"
#include "fleet/cloud_server/cloud_server.hpp"
#include "fleet/fw/config.hpp"
#include "fleet/testing/cloud_endpoint.hpp"
#include "fleet/testing/images.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::cloud_server::testing {

class grpc_fixture {
 public:
  /// With a state file, the state survives restart().
  explicit grpc_fixture(std::optional<std::string> state_path = std::nullopt);
  ~grpc_fixture();

  /// Stops the server and the service, and starts both again from the state file.
  void restart();

  /// Uploads an image as an operator would: the spec, then the content in 1 MiB pieces.
  grpc::Status upload(const wire::built_image& image, api::Image* reply);
  /// The image as the service signed it, as a factory provisions it.
  wire::built_image stored(const std::string& image_id);
  /// The ROM of a device made for this service (GetTrustAnchors).
  fw::rom rom();

  std::atomic<std::int64_t> utc_us{fleet::testing::default_epoch_us};
  std::unique_ptr<served_service> served;
  std::unique_ptr<cloud_server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<api::Operator::Stub> operators;
  std::unique_ptr<api::Device::Stub> devices;

 private:
  void start();
  std::optional<std::string> state_path_;
};

/// A device_world's cloud over the Device service. An error reply comes back
/// as the envelope in the trailing metadata, as firmware clients read it.
/// The server's clock is set to the device world's time at each call.
class grpc_endpoint : public fleet::testing::cloud_endpoint {
 public:
  /// Follows the fixture through restarts: each call uses its current server.
  explicit grpc_endpoint(grpc_fixture& fixture) : fixture_(fixture) {}
  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override;
  /// The status of every call made, in order.
  const std::vector<grpc::StatusCode>& statuses() const { return statuses_; }

 private:
  grpc_fixture& fixture_;
  std::vector<grpc::StatusCode> statuses_;
};

/// The spec an operator uploads for a built image.
api::ImageSpec spec_of(const wire::Manifest& manifest);

}  // namespace fleet::cloud_server::testing
