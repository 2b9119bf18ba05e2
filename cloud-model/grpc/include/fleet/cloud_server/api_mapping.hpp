#pragma once
// Between fleet.proto's messages and the security service's C++ types, and
// from the service's refusals to gRPC statuses. No state, no IO.

#include <grpcpp/support/status.h>

#include <string>

#include "device.pb.h"
#include "fleet.pb.h"
#include "fleet/cloud/security_service.hpp"

namespace fleet::cloud_server {

/// An operator refusal as a gRPC status (the message says what is wrong).
grpc::Status to_grpc(cloud::op_status status, const std::string& message);

template <class T>
grpc::Status to_grpc(const cloud::op_result<T>& r) {
  return to_grpc(r.status, r.message);
}

/// The gRPC status a device error reply travels as (see fleet.proto's Device service).
grpc::StatusCode grpc_code_of(wire::ErrorCode code);

/// A field left out of the policy takes the controller's default.
cloud::rollout_policy from_api(const api::RolloutPolicy& policy);
wire::image_spec from_api(const api::ImageSpec& spec);
cloud::group_update_policy from_api(api::UpdatePolicy policy);
cloud::os_feed from_api(api::OsFeed feed);

api::Group to_api(cloud::group_id id, const cloud::group_info& group);
/// The product and its groups; the registry must know `id`.
api::Product to_api(cloud::product_id id, const cloud::registry& registry);
api::DeviceInfo to_api(const cloud::device_view& view);
/// A device as the registry knows it (listing: no shard state).
api::DeviceInfo to_api(const cloud::device_record& record);
api::DeploymentStatus to_api(cloud::deployment_id id, const cloud::rollout_status& status);
api::ClaimResult to_api(cloud::claim_result result);

/// Hex of a digest or device ID.
template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  return crypto::to_hex(crypto::as_view(bytes));
}

/// Parses 64 hex characters (an image ID).
std::optional<crypto::digest> parse_image_id(const std::string& hex_id);

}  // namespace fleet::cloud_server
