#include "fleet/cloud_server/command_executor.hpp"

#include "fleet/cloud_server/api_mapping.hpp"

namespace fleet::cloud_server {
namespace {

using cloud::sim_time;

grpc::Status invalid(std::string message) { return {grpc::StatusCode::INVALID_ARGUMENT, std::move(message)}; }

grpc::Status device_exchange(cloud::security_service& s, sim_time now, const state::DeviceExchange& d,
                             state::Outcome& out) {
  const std::vector<std::string> replies = s.handle(now, d.envelope(), d.source());
  if (replies.empty()) return invalid("not a readable device envelope (device.proto Envelope)");
  wire::Envelope* reply = out.mutable_device_reply();
  if (!reply->ParseFromString(replies.front())) return {grpc::StatusCode::INTERNAL, "unreadable reply"};
  if (!reply->has_error()) return grpc::Status::OK;
  return {grpc_code_of(reply->error().code()), reply->error().detail()};
}

grpc::Status create_product(cloud::security_service& s, const api::CreateProductRequest& r, state::Outcome& out) {
  const auto product = s.create_product(r.tenant(), r.name());
  if (!product.ok()) return to_grpc(product);
  *out.mutable_product() = to_api(product.value, s.devices());
  return grpc::Status::OK;
}

grpc::Status create_group(cloud::security_service& s, const api::CreateGroupRequest& r, state::Outcome& out) {
  const auto group = s.create_group(r.product(), r.name(), from_api(r.policy()), from_api(r.feed()));
  if (!group.ok()) return to_grpc(group);
  *out.mutable_group() = to_api(group.value, *s.devices().group(group.value));
  return grpc::Status::OK;
}

grpc::Status set_group_policy(cloud::security_service& s, const api::SetGroupPolicyRequest& r, state::Outcome& out) {
  const auto group = s.set_group_policy(r.group(), from_api(r.policy()));
  if (!group.ok()) return to_grpc(group);
  *out.mutable_group() = to_api(group.value, *s.devices().group(group.value));
  return grpc::Status::OK;
}

grpc::Status register_device_key(cloud::security_service& s, const api::RegisterDeviceKeyRequest& r,
                                 state::Outcome& out) {
  crypto::public_key key{};
  if (!crypto::to_array(r.public_key(), key)) return invalid("public_key: must be 32 bytes (Ed25519)");
  const auto id = s.register_device_key(key);
  if (!id.ok()) return to_grpc(id);
  out.mutable_device_key()->set_device_id(hex(id.value));
  return grpc::Status::OK;
}

grpc::Status claim_devices(cloud::security_service& s, const api::ClaimDevicesRequest& r, state::Outcome& out) {
  const auto results = s.claim_devices(r.tenant(), {r.device_ids().begin(), r.device_ids().end()});
  if (!results.ok()) return to_grpc(results);
  for (cloud::claim_result c : results.value) out.mutable_claim()->add_results(to_api(c));
  return grpc::Status::OK;
}

// Answers with the device as show_device sees it after a change.
grpc::Status device_after(cloud::security_service& s, const std::string& device_id, state::Outcome& out) {
  const auto view = s.show_device(device_id);
  if (!view.ok()) return to_grpc(view);
  *out.mutable_device() = to_api(view.value);
  return grpc::Status::OK;
}

grpc::Status upload_image(cloud::security_service& s, sim_time now, const state::ImageUpload& u, state::Outcome& out) {
  const std::size_t stored_before = s.images().images();
  const auto id = s.upload_image(now, from_api(u.spec()), u.content());
  if (!id.ok()) return to_grpc(id);
  const cloud::stored_image& image = *s.images().find(id.value);
  api::Image* reply = out.mutable_image();
  reply->set_image_id(hex(id.value));
  reply->set_signing_key_id(image.manifest.signing_key_id());
  reply->set_size_bytes(image.manifest.size_bytes());
  reply->set_chunks(static_cast<std::uint32_t>(image.chunks.size()));
  reply->set_duplicate(s.images().images() == stored_before);  // nothing new stored
  return grpc::Status::OK;
}

grpc::Status create_deployment(cloud::security_service& s, sim_time now, const api::CreateDeploymentRequest& r,
                               state::Outcome& out) {
  cloud::deployment_spec spec;
  spec.group = r.group();
  spec.name = r.name();
  spec.policy = from_api(r.policy());
  spec.repair = r.repair();
  for (int i = 0; i < r.image_ids_size(); ++i) {
    const auto id = parse_image_id(r.image_ids(i));
    if (!id) return invalid("image_ids[" + std::to_string(i) + "]: not 64 hex characters");
    spec.images.push_back(*id);
  }
  const auto created = s.create_deployment(now, spec);
  if (!created.ok()) return to_grpc(created);
  out.mutable_deployment()->set_id(created.value.id);
  out.mutable_deployment()->set_devices(created.value.devices);
  return grpc::Status::OK;
}

// Pause, resume and halt answer with the deployment's status afterwards.
template <class Command>
grpc::Status deployment_command(cloud::security_service& s, sim_time now, cloud::deployment_id id, Command command,
                                state::Outcome& out) {
  const auto state = (s.*command)(now, id);
  if (!state.ok()) return to_grpc(state);
  *out.mutable_deployment_status() = to_api(id, s.deployment_status(id).value);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status execute(cloud::security_service& s, const state::Command& c, state::Outcome& out) {
  const sim_time now{c.now_us()};
  if (s.next_deadline() <= now) s.advance(now);
  switch (c.kind_case()) {
    case state::Command::kTick: return grpc::Status::OK;
    case state::Command::kDevice: return device_exchange(s, now, c.device(), out);
    case state::Command::kCreateTenant: {
      const auto tenant = s.create_tenant(c.create_tenant().name());
      if (!tenant.ok()) return to_grpc(tenant);
      out.mutable_tenant()->set_id(tenant.value);
      out.mutable_tenant()->set_name(c.create_tenant().name());
      return grpc::Status::OK;
    }
    case state::Command::kCreateProduct: return create_product(s, c.create_product(), out);
    case state::Command::kCreateGroup: return create_group(s, c.create_group(), out);
    case state::Command::kSetGroupPolicy: return set_group_policy(s, c.set_group_policy(), out);
    case state::Command::kRegisterDeviceKey: return register_device_key(s, c.register_device_key(), out);
    case state::Command::kClaimDevices: return claim_devices(s, c.claim_devices(), out);
    case state::Command::kMoveDevice: {
      const auto moved = s.move_device(c.move_device().device_id(), c.move_device().group());
      if (!moved.ok()) return to_grpc(moved);
      return device_after(s, c.move_device().device_id(), out);
    }
    case state::Command::kUnblockDevice: {
      const auto unblocked = s.unblock_device(c.unblock_device().device_id());
      if (!unblocked.ok()) return to_grpc(unblocked);
      return device_after(s, c.unblock_device().device_id(), out);
    }
    case state::Command::kUploadImage: return upload_image(s, now, c.upload_image(), out);
    case state::Command::kRotateImageSigningKey: {
      const auto rotated = s.rotate_image_signing_key(now, c.rotate_image_signing_key().revoke_previous()
                                                               ? cloud::key_rotation::revoke_previous
                                                               : cloud::key_rotation::keep_previous);
      return to_grpc(rotated);  // the caller answers with the trust anchors
    }
    case state::Command::kCreateDeployment: return create_deployment(s, now, c.create_deployment(), out);
    case state::Command::kRevokeImage: {
      const auto id = parse_image_id(c.revoke_image().image_id());
      if (!id) return invalid("image_id: not 64 hex characters");
      const auto revoked = s.revoke_image(now, *id);
      if (!revoked.ok()) return to_grpc(revoked);
      out.mutable_revoked_image()->set_image_id(hex(*id));
      return grpc::Status::OK;
    }
    case state::Command::kPauseDeployment:
      return deployment_command(s, now, c.pause_deployment().deployment(), &cloud::security_service::pause, out);
    case state::Command::kResumeDeployment:
      return deployment_command(s, now, c.resume_deployment().deployment(), &cloud::security_service::resume, out);
    case state::Command::kHaltDeployment:
      return deployment_command(s, now, c.halt_deployment().deployment(), &cloud::security_service::halt, out);
    case state::Command::KIND_NOT_SET: break;
  }
  return invalid("empty command");
}

bool changed_state(const state::Command& c, const grpc::Status& status, const state::Outcome& out) {
  if (status.ok()) return true;
  switch (c.kind_case()) {
    // No reply: the envelope was unreadable, and only counters moved.
    case state::Command::kDevice: return out.has_device_reply();
    case state::Command::kPauseDeployment:
    case state::Command::kResumeDeployment:
    case state::Command::kHaltDeployment: return status.error_code() == grpc::StatusCode::FAILED_PRECONDITION;
    default: return false;
  }
}

}  // namespace fleet::cloud_server
