#include "fleet/cloud_server/grpc_services.hpp"

#include <functional>
#include <string_view>

#include "fleet/cloud_server/api_mapping.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::cloud_server {
namespace {

// Journals and runs one command holding `request`, and hands its answer back.
template <class Request, class Reply>
grpc::Status run(served_service& service, grpc::ServerContext& context, Request* (state::Command::*slot)(),
                 const Request& request, Reply* (state::Outcome::*answer)(), Reply* reply) {
  state::Command command;
  *(command.*slot)() = request;
  state::Outcome outcome;
  const grpc::Status status = service.submit(std::move(command), outcome);
  if (status.ok()) reply->Swap((outcome.*answer)());
  if (outcome.retry_after_ms() > 0) {
    context.AddTrailingMetadata(retry_after_metadata, std::to_string(outcome.retry_after_ms()));
  }
  return status;
}

// Constant time whatever the digests hold: a timing difference would tell
// an attacker how much of a guess is right.
bool same_digest(const crypto::digest& a, const crypto::digest& b) {
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference = static_cast<std::uint8_t>(difference | (a[i] ^ b[i]));
  return difference == 0;
}

api::TrustAnchors trust_anchors(const cloud::security_service& s, const served_service& served) {
  api::TrustAnchors out;
  out.set_service_root_public_key(crypto::to_string(served.root_public_key()));
  for (const cloud::trusted_image_key& k : s.trusted_image_keys()) {
    api::ImageSigningKey* key = out.add_image_signing_keys();
    key->set_id(k.id);
    key->set_public_key(crypto::to_string(k.key));
  }
  out.set_current_image_signing_key(s.images().current_key_id());
  for (const std::uint32_t id : s.images().revoked_key_ids()) out.add_revoked_image_signing_keys(id);
  out.set_wall_clock_at_zero_utc_us(served.wall_clock_at_zero_us());
  return out;
}

// The network place a device request came from, for clone detection: the
// peer's address without its port (a device reconnecting is the same place).
cloud::source_id source_of(const grpc::ServerContext& context) {
  const std::string peer = context.peer();
  const std::string_view address = std::string_view(peer).substr(0, peer.rfind(':'));
  return std::hash<std::string_view>{}(address);
}

}  // namespace

operator_api::operator_api(served_service& service, const std::optional<std::string>& token) : service_(service) {
  if (token) token_digest_ = crypto::sha256(*token);
}

grpc::Status operator_api::authorize(const grpc::ServerContext& context) const {
  if (!token_digest_) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto header = metadata.find(authorization_metadata);
  constexpr std::string_view scheme = "Bearer ";
  if (header == metadata.end()) {
    return {grpc::StatusCode::UNAUTHENTICATED, "operator calls need the metadata 'authorization: Bearer <token>'"};
  }
  const std::string_view value(header->second.data(), header->second.size());
  if (value.substr(0, scheme.size()) != scheme ||
      !same_digest(crypto::sha256(value.substr(scheme.size())), *token_digest_)) {
    return {grpc::StatusCode::UNAUTHENTICATED, "operator token refused"};
  }
  return grpc::Status::OK;
}

grpc::Status operator_api::CreateTenant(grpc::ServerContext* context, const api::CreateTenantRequest* request,
                                        api::Tenant* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_create_tenant, *request, &state::Outcome::mutable_tenant,
             reply);
}

grpc::Status operator_api::CreateProduct(grpc::ServerContext* context, const api::CreateProductRequest* request,
                                         api::Product* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_create_product, *request, &state::Outcome::mutable_product,
             reply);
}

grpc::Status operator_api::GetProduct(grpc::ServerContext* context, const api::GetProductRequest* request,
                                      api::Product* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    if (s.devices().product(request->product()) == nullptr) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such product");
    }
    *reply = to_api(request->product(), s.devices());
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::CreateGroup(grpc::ServerContext* context, const api::CreateGroupRequest* request,
                                       api::Group* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_create_group, *request, &state::Outcome::mutable_group,
             reply);
}

grpc::Status operator_api::SetGroupPolicy(grpc::ServerContext* context, const api::SetGroupPolicyRequest* request,
                                          api::Group* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_set_group_policy, *request, &state::Outcome::mutable_group,
             reply);
}

grpc::Status operator_api::RegisterDeviceKey(grpc::ServerContext* context, const api::RegisterDeviceKeyRequest* request,
                                             api::RegisterDeviceKeyReply* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_register_device_key, *request,
             &state::Outcome::mutable_device_key, reply);
}

grpc::Status operator_api::ClaimDevices(grpc::ServerContext* context, const api::ClaimDevicesRequest* request,
                                        api::ClaimDevicesReply* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_claim_devices, *request, &state::Outcome::mutable_claim,
             reply);
}

grpc::Status operator_api::MoveDevice(grpc::ServerContext* context, const api::MoveDeviceRequest* request,
                                      api::DeviceInfo* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_move_device, *request, &state::Outcome::mutable_device,
             reply);
}

grpc::Status operator_api::ListDevices(grpc::ServerContext* context, const api::ListDevicesRequest* request,
                                       api::ListDevicesReply* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    const auto page = s.list_devices(request->tenant(), request->page_token(), request->page_size());
    if (!page.ok()) return to_grpc(page);
    for (cloud::device_index d : page.value.devices) {
      *reply->add_devices() = to_api(s.show_device(hex(s.devices().device(d)->id)).value);
    }
    reply->set_next_page_token(page.value.next.value_or(0));
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::ShowDevice(grpc::ServerContext* context, const api::ShowDeviceRequest* request,
                                      api::DeviceInfo* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    const auto view = s.show_device(request->device_id());
    if (!view.ok()) return to_grpc(view);
    *reply = to_api(view.value);
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::UnblockDevice(grpc::ServerContext* context, const api::ShowDeviceRequest* request,
                                         api::DeviceInfo* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_unblock_device, *request, &state::Outcome::mutable_device,
             reply);
}

grpc::Status operator_api::UploadImage(grpc::ServerContext* context,
                                       grpc::ServerReader<api::UploadImageRequest>* reader, api::Image* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  state::ImageUpload upload;
  api::UploadImageRequest part;
  if (!reader->Read(&part) || !part.has_spec()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "the first message must carry the image spec"};
  }
  *upload.mutable_spec() = part.spec();
  while (reader->Read(&part)) {
    if (!part.has_content()) return {grpc::StatusCode::INVALID_ARGUMENT, "after the spec, only content"};
    if (part.content().size() > upload_piece_bytes_max) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "content pieces are at most 1 MiB"};
    }
    if (upload.content().size() + part.content().size() > wire::image_bytes_max) {
      return {grpc::StatusCode::RESOURCE_EXHAUSTED, "an image is at most 64 MiB"};
    }
    upload.mutable_content()->append(part.content());
  }
  return run(service_, *context, &state::Command::mutable_upload_image, upload, &state::Outcome::mutable_image, reply);
}

grpc::Status operator_api::RotateImageSigningKey(grpc::ServerContext* context,
                                                 const api::RotateImageSigningKeyRequest* request,
                                                 api::TrustAnchors* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  state::Command command;
  *command.mutable_rotate_image_signing_key() = *request;
  state::Outcome outcome;
  const grpc::Status status = service_.submit(std::move(command), outcome);
  if (outcome.retry_after_ms() > 0) {
    context->AddTrailingMetadata(retry_after_metadata, std::to_string(outcome.retry_after_ms()));
  }
  if (!status.ok()) return status;
  return GetTrustAnchors(context, nullptr, reply);
}

grpc::Status operator_api::GetTrustAnchors(grpc::ServerContext* context, const api::GetTrustAnchorsRequest*,
                                           api::TrustAnchors* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    *reply = trust_anchors(s, service_);
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::CreateDeployment(grpc::ServerContext* context, const api::CreateDeploymentRequest* request,
                                            api::Deployment* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_create_deployment, *request,
             &state::Outcome::mutable_deployment, reply);
}

grpc::Status operator_api::RevokeImage(grpc::ServerContext* context, const api::RevokeImageRequest* request,
                                       api::RevokeImageReply* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_revoke_image, *request, &state::Outcome::mutable_revoked_image,
             reply);
}

grpc::Status operator_api::GetDeploymentStatus(grpc::ServerContext* context, const api::DeploymentRef* request,
                                               api::DeploymentStatus* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    const auto status = s.deployment_status(request->deployment());
    if (!status.ok()) return to_grpc(status);
    *reply = to_api(request->deployment(), status.value);
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::PauseDeployment(grpc::ServerContext* context, const api::DeploymentRef* request,
                                           api::DeploymentStatus* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_pause_deployment, *request,
             &state::Outcome::mutable_deployment_status, reply);
}

grpc::Status operator_api::ResumeDeployment(grpc::ServerContext* context, const api::DeploymentRef* request,
                                            api::DeploymentStatus* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_resume_deployment, *request,
             &state::Outcome::mutable_deployment_status, reply);
}

grpc::Status operator_api::HaltDeployment(grpc::ServerContext* context, const api::DeploymentRef* request,
                                          api::DeploymentStatus* reply) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  return run(service_, *context, &state::Command::mutable_halt_deployment, *request,
             &state::Outcome::mutable_deployment_status, reply);
}

grpc::Status operator_api::ExportErrorReports(grpc::ServerContext* context,
                                              const api::ExportErrorReportsRequest* request,
                                              grpc::ServerWriter<api::CsvPiece>* writer) {
  if (grpc::Status denied = authorize(*context); !denied.ok()) return denied;
  const auto csv = service_.read([&](const cloud::security_service& s, cloud::sim_time now) {
    std::optional<std::string> device;
    if (!request->device_id().empty()) device = request->device_id();
    return s.export_error_reports(now, request->tenant(), device);
  });
  if (!csv.ok()) return to_grpc(csv);
  api::CsvPiece piece;
  for (std::size_t at = 0; at < csv.value.size(); at += csv_piece_bytes) {
    piece.set_text(csv.value.substr(at, csv_piece_bytes));
    if (!writer->Write(piece)) return {grpc::StatusCode::CANCELLED, "the client went away"};
  }
  return grpc::Status::OK;
}

grpc::Status device_api::Exchange(grpc::ServerContext* context, const wire::Envelope* request, wire::Envelope* reply) {
  if (request->ByteSizeLong() > wire::envelope_bytes_max) {
    return {grpc::StatusCode::RESOURCE_EXHAUSTED, "an envelope is at most 128 KiB"};
  }
  state::Command command;
  command.mutable_device()->set_envelope(wire::serialize(*request));
  command.mutable_device()->set_source(source_of(*context));
  state::Outcome outcome;
  const grpc::Status status = service_.submit(std::move(command), outcome);
  if (status.ok()) {
    reply->Swap(outcome.mutable_device_reply());
  } else if (outcome.has_device_reply()) {
    context->AddTrailingMetadata(error_envelope_metadata, wire::serialize(outcome.device_reply()));
  }
  return status;
}

}  // namespace fleet::cloud_server
