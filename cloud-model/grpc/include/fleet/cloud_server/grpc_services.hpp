#pragma once
// fleet.proto's Operator and Device services over a served_service: each
// call that changes state becomes a journal command; calls that only read
// take the lock and read.
//
// Operator calls are authenticated when the server has an operator token:
// each must carry the metadata `authorization: Bearer <token>`, or it is
// answered UNAUTHENTICATED before anything else looks at it. Device calls
// stay open: devices prove who they are inside the device protocol.

#include <optional>
#include <string>

#include "fleet.grpc.pb.h"
#include "fleet/crypto/crypto.hpp"
#include "fleet/cloud_server/served_service.hpp"

namespace fleet::cloud_server {

inline constexpr std::size_t upload_piece_bytes_max = 1u << 20;  ///< image content per stream message
inline constexpr std::size_t csv_piece_bytes = 1u << 20;         ///< CSV per stream message
/// Metadata of an operator call: `Bearer <token>`.
inline constexpr const char* authorization_metadata = "authorization";
/// Trailing metadata of a call refused by an operator rate: milliseconds until it would pass.
inline constexpr const char* retry_after_metadata = "retry-after-ms";

class operator_api final : public api::Operator::Service {
 public:
  /// With `token`, every call must carry it (see above); without, the API is open.
  operator_api(served_service& service, const std::optional<std::string>& token);

  grpc::Status CreateTenant(grpc::ServerContext*, const api::CreateTenantRequest*, api::Tenant*) override;
  grpc::Status CreateProduct(grpc::ServerContext*, const api::CreateProductRequest*, api::Product*) override;
  grpc::Status GetProduct(grpc::ServerContext*, const api::GetProductRequest*, api::Product*) override;
  grpc::Status CreateGroup(grpc::ServerContext*, const api::CreateGroupRequest*, api::Group*) override;
  grpc::Status SetGroupPolicy(grpc::ServerContext*, const api::SetGroupPolicyRequest*, api::Group*) override;
  grpc::Status RegisterDeviceKey(grpc::ServerContext*, const api::RegisterDeviceKeyRequest*,
                                 api::RegisterDeviceKeyReply*) override;
  grpc::Status ClaimDevices(grpc::ServerContext*, const api::ClaimDevicesRequest*, api::ClaimDevicesReply*) override;
  grpc::Status MoveDevice(grpc::ServerContext*, const api::MoveDeviceRequest*, api::DeviceInfo*) override;
  grpc::Status ListDevices(grpc::ServerContext*, const api::ListDevicesRequest*, api::ListDevicesReply*) override;
  grpc::Status ShowDevice(grpc::ServerContext*, const api::ShowDeviceRequest*, api::DeviceInfo*) override;
  grpc::Status UnblockDevice(grpc::ServerContext*, const api::ShowDeviceRequest*, api::DeviceInfo*) override;
  grpc::Status UploadImage(grpc::ServerContext*, grpc::ServerReader<api::UploadImageRequest>*, api::Image*) override;
  grpc::Status RotateImageSigningKey(grpc::ServerContext*, const api::RotateImageSigningKeyRequest*,
                                     api::TrustAnchors*) override;
  grpc::Status GetTrustAnchors(grpc::ServerContext*, const api::GetTrustAnchorsRequest*, api::TrustAnchors*) override;
  grpc::Status CreateDeployment(grpc::ServerContext*, const api::CreateDeploymentRequest*, api::Deployment*) override;
  grpc::Status RevokeImage(grpc::ServerContext*, const api::RevokeImageRequest*, api::RevokeImageReply*) override;
  grpc::Status GetDeploymentStatus(grpc::ServerContext*, const api::DeploymentRef*, api::DeploymentStatus*) override;
  grpc::Status PauseDeployment(grpc::ServerContext*, const api::DeploymentRef*, api::DeploymentStatus*) override;
  grpc::Status ResumeDeployment(grpc::ServerContext*, const api::DeploymentRef*, api::DeploymentStatus*) override;
  grpc::Status HaltDeployment(grpc::ServerContext*, const api::DeploymentRef*, api::DeploymentStatus*) override;
  grpc::Status ExportErrorReports(grpc::ServerContext*, const api::ExportErrorReportsRequest*,
                                  grpc::ServerWriter<api::CsvPiece>*) override;

 private:
  /// OK, or UNAUTHENTICATED: the token is compared in constant time (as SHA-256 digests).
  grpc::Status authorize(const grpc::ServerContext& context) const;

  served_service& service_;
  std::optional<crypto::digest> token_digest_;
};

class device_api final : public api::Device::Service {
 public:
  explicit device_api(served_service& service) : service_(service) {}
  grpc::Status Exchange(grpc::ServerContext*, const wire::Envelope*, wire::Envelope*) override;

 private:
  served_service& service_;
};

/// Trailing metadata that carries a device's error reply (see fleet.proto).
inline constexpr const char* error_envelope_metadata = "fleet-error-envelope-bin";

}  // namespace fleet::cloud_server
