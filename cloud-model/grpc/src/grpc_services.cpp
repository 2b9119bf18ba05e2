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
grpc::Status run(served_service& service, Request* (state::Command::*slot)(), const Request& request,
                 Reply* (state::Outcome::*answer)(), Reply* reply) {
  state::Command command;
  *(command.*slot)() = request;
  state::Outcome outcome;
  const grpc::Status status = service.submit(std::move(command), outcome);
  if (status.ok()) reply->Swap((outcome.*answer)());
  return status;
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

grpc::Status operator_api::CreateTenant(grpc::ServerContext*, const api::CreateTenantRequest* request,
                                        api::Tenant* reply) {
  return run(service_, &state::Command::mutable_create_tenant, *request, &state::Outcome::mutable_tenant, reply);
}

grpc::Status operator_api::CreateProduct(grpc::ServerContext*, const api::CreateProductRequest* request,
                                         api::Product* reply) {
  return run(service_, &state::Command::mutable_create_product, *request, &state::Outcome::mutable_product, reply);
}

grpc::Status operator_api::GetProduct(grpc::ServerContext*, const api::GetProductRequest* request,
                                      api::Product* reply) {
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    if (s.devices().product(request->product()) == nullptr) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such product");
    }
    *reply = to_api(request->product(), s.devices());
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::CreateGroup(grpc::ServerContext*, const api::CreateGroupRequest* request,
                                       api::Group* reply) {
  return run(service_, &state::Command::mutable_create_group, *request, &state::Outcome::mutable_group, reply);
}

grpc::Status operator_api::SetGroupPolicy(grpc::ServerContext*, const api::SetGroupPolicyRequest* request,
                                          api::Group* reply) {
  return run(service_, &state::Command::mutable_set_group_policy, *request, &state::Outcome::mutable_group, reply);
}

grpc::Status operator_api::RegisterDeviceKey(grpc::ServerContext*, const api::RegisterDeviceKeyRequest* request,
                                             api::RegisterDeviceKeyReply* reply) {
  return run(service_, &state::Command::mutable_register_device_key, *request, &state::Outcome::mutable_device_key,
             reply);
}

grpc::Status operator_api::ClaimDevices(grpc::ServerContext*, const api::ClaimDevicesRequest* request,
                                        api::ClaimDevicesReply* reply) {
  return run(service_, &state::Command::mutable_claim_devices, *request, &state::Outcome::mutable_claim, reply);
}

grpc::Status operator_api::MoveDevice(grpc::ServerContext*, const api::MoveDeviceRequest* request,
                                      api::DeviceInfo* reply) {
  return run(service_, &state::Command::mutable_move_device, *request, &state::Outcome::mutable_device, reply);
}

grpc::Status operator_api::ListDevices(grpc::ServerContext*, const api::ListDevicesRequest* request,
                                       api::ListDevicesReply* reply) {
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

grpc::Status operator_api::ShowDevice(grpc::ServerContext*, const api::ShowDeviceRequest* request,
                                      api::DeviceInfo* reply) {
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    const auto view = s.show_device(request->device_id());
    if (!view.ok()) return to_grpc(view);
    *reply = to_api(view.value);
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::UnblockDevice(grpc::ServerContext*, const api::ShowDeviceRequest* request,
                                         api::DeviceInfo* reply) {
  return run(service_, &state::Command::mutable_unblock_device, *request, &state::Outcome::mutable_device, reply);
}

grpc::Status operator_api::UploadImage(grpc::ServerContext*, grpc::ServerReader<api::UploadImageRequest>* reader,
                                       api::Image* reply) {
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
  return run(service_, &state::Command::mutable_upload_image, upload, &state::Outcome::mutable_image, reply);
}

grpc::Status operator_api::RotateImageSigningKey(grpc::ServerContext* context,
                                                 const api::RotateImageSigningKeyRequest* request,
                                                 api::TrustAnchors* reply) {
  state::Command command;
  *command.mutable_rotate_image_signing_key() = *request;
  state::Outcome ignored;
  const grpc::Status status = service_.submit(std::move(command), ignored);
  if (!status.ok()) return status;
  return GetTrustAnchors(context, nullptr, reply);
}

grpc::Status operator_api::GetTrustAnchors(grpc::ServerContext*, const api::GetTrustAnchorsRequest*,
                                           api::TrustAnchors* reply) {
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    *reply = trust_anchors(s, service_);
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::CreateDeployment(grpc::ServerContext*, const api::CreateDeploymentRequest* request,
                                            api::Deployment* reply) {
  return run(service_, &state::Command::mutable_create_deployment, *request, &state::Outcome::mutable_deployment,
             reply);
}

grpc::Status operator_api::RevokeImage(grpc::ServerContext*, const api::RevokeImageRequest* request,
                                       api::RevokeImageReply* reply) {
  return run(service_, &state::Command::mutable_revoke_image, *request, &state::Outcome::mutable_revoked_image, reply);
}

grpc::Status operator_api::GetDeploymentStatus(grpc::ServerContext*, const api::DeploymentRef* request,
                                               api::DeploymentStatus* reply) {
  return service_.read([&](const cloud::security_service& s, cloud::sim_time) {
    const auto status = s.deployment_status(request->deployment());
    if (!status.ok()) return to_grpc(status);
    *reply = to_api(request->deployment(), status.value);
    return grpc::Status::OK;
  });
}

grpc::Status operator_api::PauseDeployment(grpc::ServerContext*, const api::DeploymentRef* request,
                                           api::DeploymentStatus* reply) {
  return run(service_, &state::Command::mutable_pause_deployment, *request,
             &state::Outcome::mutable_deployment_status, reply);
}

grpc::Status operator_api::ResumeDeployment(grpc::ServerContext*, const api::DeploymentRef* request,
                                            api::DeploymentStatus* reply) {
  return run(service_, &state::Command::mutable_resume_deployment, *request,
             &state::Outcome::mutable_deployment_status, reply);
}

grpc::Status operator_api::HaltDeployment(grpc::ServerContext*, const api::DeploymentRef* request,
                                          api::DeploymentStatus* reply) {
  return run(service_, &state::Command::mutable_halt_deployment, *request,
             &state::Outcome::mutable_deployment_status, reply);
}

grpc::Status operator_api::ExportErrorReports(grpc::ServerContext*, const api::ExportErrorReportsRequest* request,
                                              grpc::ServerWriter<api::CsvPiece>* writer) {
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

grpc::Status device_api::Exchange(grpc::ServerContext* context, const wire::Envelope* request,
                                  wire::Envelope* reply) {
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
