// End to end over real gRPC on loopback: the real firmware core attests, gets
// its certificate and installs a deployment an operator set up through the
// Operator service; bad requests get the statuses fleet.proto promises; the
// health service and reflection answer; a restart from the state file keeps
// everything, sessions included.
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>

#include "fleet/testing/device_world.hpp"
#include "fleet/wire/envelope.hpp"
#include "grpc_fixture.hpp"
#include "temp_dir.hpp"

namespace fleet::cloud_server::testing {
namespace {

using namespace std::chrono_literals;
using fleet::testing::device_world;

/// An operator's set-up: tenant "contoso", product "thermostat", the factory
/// boot chain uploaded (the service signs it), devices in Production.
struct operator_setup {
  explicit operator_setup(grpc_fixture& fixture) : f(fixture) {
    grpc::ClientContext c1, c2;
    api::CreateTenantRequest tenant_request;
    tenant_request.set_name("contoso");
    EXPECT_TRUE(f.operators->CreateTenant(&c1, tenant_request, &tenant).ok());
    api::CreateProductRequest product_request;
    product_request.set_tenant(tenant.id());
    product_request.set_name(fleet::testing::default_product);
    EXPECT_TRUE(f.operators->CreateProduct(&c2, product_request, &product).ok());
    production = product.groups(2).id();
    EXPECT_EQ(product.groups(2).name(), "Production");
    for (const auto& image : fleet::testing::factory_images(keys)) factory.push_back(f.stored(upload(image)));
  }

  std::string upload(const wire::built_image& image) {
    api::Image reply;
    const grpc::Status status = f.upload(image, &reply);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return reply.image_id();
  }

  std::unique_ptr<device_world> make_world(grpc_endpoint& endpoint) {
    fleet::testing::world_options o;
    o.endpoint = &endpoint;
    o.rom = f.rom();
    o.factory = factory;
    auto world = std::make_unique<device_world>(o);
    enroll(world->device().secure_element().device_public_key());
    return world;
  }

  void enroll(const crypto::public_key& key) {
    grpc::ClientContext c1, c2, c3;
    api::RegisterDeviceKeyRequest key_request;
    key_request.set_public_key(crypto::to_string(key));
    api::RegisterDeviceKeyReply id;
    ASSERT_TRUE(f.operators->RegisterDeviceKey(&c1, key_request, &id).ok());
    api::ClaimDevicesRequest claim;
    claim.set_tenant(tenant.id());
    claim.add_device_ids(id.device_id());
    api::ClaimDevicesReply claimed;
    ASSERT_TRUE(f.operators->ClaimDevices(&c2, claim, &claimed).ok());
    ASSERT_EQ(claimed.results(0), api::CLAIMED);
    api::MoveDeviceRequest move;
    move.set_device_id(id.device_id());
    move.set_group(production);
    api::DeviceInfo moved;
    ASSERT_TRUE(f.operators->MoveDevice(&c3, move, &moved).ok());
    device_ids.push_back(id.device_id());
  }

  api::DeviceInfo show(const std::string& device_id) {
    grpc::ClientContext c;
    api::ShowDeviceRequest r;
    r.set_device_id(device_id);
    api::DeviceInfo info;
    EXPECT_TRUE(f.operators->ShowDevice(&c, r, &info).ok());
    return info;
  }

  api::DeploymentStatus status(std::uint32_t deployment) {
    grpc::ClientContext c;
    api::DeploymentRef r;
    r.set_deployment(deployment);
    api::DeploymentStatus s;
    EXPECT_TRUE(f.operators->GetDeploymentStatus(&c, r, &s).ok());
    return s;
  }

  grpc_fixture& f;
  fleet::testing::test_keys keys{1};
  api::Tenant tenant;
  api::Product product;
  std::uint32_t production = 0;
  std::vector<wire::built_image> factory;
  std::vector<std::string> device_ids;
};

api::CreateDeploymentRequest staged_deployment(std::uint32_t group, const std::string& image_id) {
  api::CreateDeploymentRequest d;
  d.set_name("v1.1");
  d.set_group(group);
  d.add_image_ids(image_id);
  auto* waves = d.mutable_policy()->mutable_waves()->mutable_percent();
  waves->add_cumulative_percent(50);
  waves->add_cumulative_percent(100);
  d.mutable_policy()->mutable_gate()->set_success_threshold(0.5);
  d.mutable_policy()->mutable_gate()->set_min_wave_duration_us(3'600'000'000);
  return d;
}

bool attested(const device_world& w) { return w.count(fw::record_kind::attested) > 0; }

TEST(grpc_end_to_end, a_device_attests_gets_a_certificate_and_installs_a_deployment) {
  grpc_fixture f;
  operator_setup op(f);
  grpc_endpoint link(f);
  auto world = op.make_world(link);

  const auto v11 = fleet::testing::make_image(op.keys, wire::APP, "1.1.0", 2);
  const std::string v11_id = op.upload(v11);
  world->publish(f.stored(v11_id));
  grpc::ClientContext c;
  api::Deployment deployment;
  ASSERT_TRUE(f.operators->CreateDeployment(&c, staged_deployment(op.production, v11_id), &deployment).ok());
  EXPECT_EQ(deployment.devices(), 1u);

  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
  EXPECT_EQ(op.show(op.device_ids[0]).last_attestation(), api::PASSED);
  EXPECT_TRUE(op.show(op.device_ids[0]).session_live());

  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_committed) > 0; }, 2h));
  world->run_for(10min);  // the COMMITTED report and the re-attestation after the reboot
  EXPECT_FALSE(world->stuck());
  EXPECT_EQ(world->firmware().running_version(fw::component::app), (wire::version{1, 1, 0}));
  const api::DeploymentStatus status = op.status(deployment.id());
  EXPECT_EQ(status.succeeded(), 1u);
  EXPECT_EQ(status.state(), "completed");
  EXPECT_EQ(status.waves_size(), 2);
  for (grpc::StatusCode code : link.statuses()) EXPECT_EQ(code, grpc::StatusCode::OK);

  grpc::ClientContext export_context;
  api::ExportErrorReportsRequest export_request;
  export_request.set_tenant(op.tenant.id());
  auto reader = f.operators->ExportErrorReports(&export_context, export_request);
  std::string csv;
  api::CsvPiece piece;
  while (reader->Read(&piece)) csv += piece.text();
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(csv.rfind("device_id,", 0), 0u) << csv.substr(0, 80);
  EXPECT_NE(csv.find(op.device_ids[0]), std::string::npos);
}

// A leaked image-signing key answered through the Operator service: the
// rotation revokes the old key, the trust anchors say so, and the device
// takes the new trusted key store with its next certificate.
TEST(grpc_end_to_end, a_rotation_that_revokes_reaches_the_device_as_a_key_store) {
  grpc_fixture f;
  operator_setup op(f);
  grpc_endpoint link(f);
  auto world = op.make_world(link);
  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));

  grpc::ClientContext c;
  api::RotateImageSigningKeyRequest rotate;
  rotate.set_revoke_previous(true);
  api::TrustAnchors anchors;
  ASSERT_TRUE(f.operators->RotateImageSigningKey(&c, rotate, &anchors).ok());
  ASSERT_EQ(anchors.revoked_image_signing_keys_size(), 1);
  const std::uint32_t revoked = anchors.revoked_image_signing_keys(0);
  EXPECT_NE(anchors.current_image_signing_key(), revoked);
  for (const api::ImageSigningKey& key : anchors.image_signing_keys()) EXPECT_NE(key.id(), revoked);

  EXPECT_EQ(world->count(fw::record_kind::key_store_taken), 0u);
  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::key_store_taken) > 0; }, 26h));
  EXPECT_FALSE(world->stuck());
}

TEST(grpc_end_to_end, a_rotation_that_keeps_the_old_key_revokes_nothing) {
  grpc_fixture f;
  grpc::ClientContext c;
  api::TrustAnchors anchors;
  ASSERT_TRUE(f.operators->RotateImageSigningKey(&c, {}, &anchors).ok());
  EXPECT_EQ(anchors.revoked_image_signing_keys_size(), 0);
  EXPECT_EQ(anchors.image_signing_keys_size(), 2);
}

// ------------------------------------------------------------ status codes

template <class Call>
grpc::Status call(Call&& c) {
  grpc::ClientContext context;
  return c(context);
}

TEST(grpc_end_to_end, bad_operator_requests_get_the_right_status_and_say_what_is_wrong) {
  grpc_fixture f;
  operator_setup op(f);
  auto& ops = *f.operators;
  api::Tenant tenant;
  api::CreateTenantRequest empty;
  EXPECT_EQ(call([&](auto& c) { return ops.CreateTenant(&c, empty, &tenant); }).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  api::CreateTenantRequest again;
  again.set_name("contoso");
  EXPECT_EQ(call([&](auto& c) { return ops.CreateTenant(&c, again, &tenant); }).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  api::CreateProductRequest orphan;
  orphan.set_tenant(99);
  orphan.set_name("x");
  api::Product product;
  EXPECT_EQ(call([&](auto& c) { return ops.CreateProduct(&c, orphan, &product); }).error_code(),
            grpc::StatusCode::NOT_FOUND);

  api::RegisterDeviceKeyRequest short_key;
  short_key.set_public_key("12345");
  api::RegisterDeviceKeyReply id;
  const grpc::Status key_status = call([&](auto& c) { return ops.RegisterDeviceKey(&c, short_key, &id); });
  EXPECT_EQ(key_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(key_status.error_message().find("32 bytes"), std::string::npos);

  api::ClaimDevicesRequest too_many;
  too_many.set_tenant(op.tenant.id());
  for (int i = 0; i < 1001; ++i) too_many.add_device_ids(std::string(128, 'a'));
  api::ClaimDevicesReply claimed;
  EXPECT_EQ(call([&](auto& c) { return ops.ClaimDevices(&c, too_many, &claimed); }).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // A policy with several faults: every one is named.
  const std::string app_id = op.upload(fleet::testing::make_image(op.keys, wire::APP, "1.1.0", 2));
  api::CreateDeploymentRequest bad = staged_deployment(op.production, app_id);
  bad.mutable_policy()->mutable_waves()->mutable_percent()->set_cumulative_percent(1, 40);
  bad.mutable_policy()->mutable_gate()->set_success_threshold(1.5);
  api::Deployment deployment;
  const grpc::Status policy_status = call([&](auto& c) { return ops.CreateDeployment(&c, bad, &deployment); });
  EXPECT_EQ(policy_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(policy_status.error_message().find("waves"), std::string::npos) << policy_status.error_message();
  EXPECT_NE(policy_status.error_message().find("success_threshold"), std::string::npos)
      << policy_status.error_message();
  bad.set_image_ids(0, "not-hex");
  EXPECT_EQ(call([&](auto& c) { return ops.CreateDeployment(&c, bad, &deployment); }).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  api::DeploymentRef unknown;
  unknown.set_deployment(99);
  api::DeploymentStatus status;
  EXPECT_EQ(call([&](auto& c) { return ops.GetDeploymentStatus(&c, unknown, &status); }).error_code(),
            grpc::StatusCode::NOT_FOUND);
  api::ShowDeviceRequest nobody;
  nobody.set_device_id(std::string(128, 'b'));
  api::DeviceInfo info;
  EXPECT_EQ(call([&](auto& c) { return ops.ShowDevice(&c, nobody, &info); }).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Resuming a deployment that is not paused is not allowed in its state.
  const auto good = staged_deployment(op.production, app_id);
  ASSERT_TRUE(call([&](auto& c) { return ops.CreateDeployment(&c, good, &deployment); }).ok());
  api::DeploymentRef ref;
  ref.set_deployment(deployment.id());
  EXPECT_EQ(call([&](auto& c) { return ops.ResumeDeployment(&c, ref, &status); }).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(grpc_end_to_end, uploads_past_the_limits_are_refused) {
  grpc_fixture f;
  operator_setup op(f);
  // No spec first.
  {
    grpc::ClientContext c;
    api::Image reply;
    auto writer = f.operators->UploadImage(&c, &reply);
    api::UploadImageRequest part;
    part.set_content("abc");
    writer->Write(part);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  // One message over the server's maximum size (2 MiB).
  {
    grpc::ClientContext c;
    api::Image reply;
    auto writer = f.operators->UploadImage(&c, &reply);
    api::UploadImageRequest part;
    *part.mutable_spec() = spec_of(op.factory[3].manifest);
    writer->Write(part);
    part.set_content(std::string(3u << 20, 'x'));
    writer->Write(part);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // A bad spec: the service says which field.
  {
    auto image = fleet::testing::make_image(op.keys, wire::APP, "1.1.0", 2);
    image.manifest.set_version("one");
    api::Image reply;
    const grpc::Status status = f.upload(image, &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("bad_version"), std::string::npos) << status.error_message();
  }
}

TEST(grpc_end_to_end, device_calls_without_a_session_are_unauthenticated_with_the_error_envelope) {
  grpc_fixture f;
  operator_setup op(f);
  grpc_endpoint link(f);
  auto world = op.make_world(link);

  wire::Envelope check;
  check.set_device_id(crypto::to_string(world->id()));
  check.set_sequence(1);
  check.mutable_update_check();
  grpc::ClientContext c;
  wire::Envelope reply;
  const grpc::Status status = f.devices->Exchange(&c, check, &reply);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto& trailers = c.GetServerTrailingMetadata();
  const auto error = trailers.find(error_envelope_metadata);
  ASSERT_NE(error, trailers.end());
  wire::Envelope error_envelope;
  ASSERT_TRUE(error_envelope.ParseFromString(std::string(error->second.data(), error->second.size())));
  EXPECT_EQ(error_envelope.error().code(), wire::ERROR_UNAUTHENTICATED);
  EXPECT_EQ(error_envelope.sequence(), 1u);

  // An envelope past 128 KiB is refused before the service reads it.
  wire::Envelope huge = check;
  huge.mutable_telemetry()->add_events()->set_data(std::string(200 * 1024, 'x'));
  grpc::ClientContext c2;
  EXPECT_EQ(f.devices->Exchange(&c2, huge, &reply).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // An envelope without a body reads as nothing the service can answer.
  grpc::ClientContext c3;
  EXPECT_EQ(f.devices->Exchange(&c3, wire::Envelope{}, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// ------------------------------------------------ health and reflection

/// One unary call by method name, with raw request bytes (no generated stub).
std::string raw_unary(grpc::Channel& channel, const std::string& method, const std::string& request,
                      grpc::Status& status) {
  grpc::GenericStub stub(std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext context;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request_buffer, &response_buffer,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  status = done.get_future().get();
  std::vector<grpc::Slice> slices;
  (void)response_buffer.Dump(&slices);
  std::string out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

TEST(grpc_end_to_end, the_standard_health_service_says_serving) {
  grpc_fixture f;
  grpc::Status status;
  // HealthCheckRequest{service: ""} is empty; SERVING is status = 1.
  const std::string reply = raw_unary(*f.channel, "/grpc.health.v1.Health/Check", "", status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply, std::string("\x08\x01", 2));
}

TEST(grpc_end_to_end, server_reflection_lists_the_operator_and_device_services) {
  grpc_fixture f;
  grpc::GenericStub stub(f.channel);
  grpc::ClientContext context;
  grpc::CompletionQueue queue;
  auto call = stub.PrepareCall(&context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag = nullptr;
  bool ok = false;
  auto step = [&](int expected) {
    ASSERT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(tag, reinterpret_cast<void*>(static_cast<std::intptr_t>(expected)));
  };
  call->StartCall(reinterpret_cast<void*>(1));
  step(1);
  // ServerReflectionRequest{list_services: ""} (field 7).
  grpc::Slice request_slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&request_slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  step(2);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  step(3);
  call->WritesDone(reinterpret_cast<void*>(4));
  step(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  step(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string listed;
  for (const auto& s : slices) listed.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_NE(listed.find("fleet.api.Operator"), std::string::npos);
  EXPECT_NE(listed.find("fleet.api.Device"), std::string::npos);
  EXPECT_NE(listed.find("grpc.health.v1.Health"), std::string::npos);
}

// --------------------------------------------------------------- revocation

grpc::Status revoke(grpc_fixture& f, const std::string& image_id) {
  grpc::ClientContext c;
  api::RevokeImageRequest r;
  r.set_image_id(image_id);
  api::RevokeImageReply reply;
  return f.operators->RevokeImage(&c, r, &reply);
}

// The operator revokes trust in the OS the device runs and deploys its fix
// as a repair; the server restarts from its journal in between. The real
// firmware core, refused a certificate, repairs itself in the restricted
// session and attests in full again.
TEST(grpc_end_to_end, a_revoked_os_is_repaired_through_a_restricted_session) {
  fleet::testing::temp_dir dir;
  grpc_fixture f(dir.file("state.db"));
  operator_setup op(f);
  grpc_endpoint link(f);
  auto world = op.make_world(link);
  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));

  const auto fix = fleet::testing::make_image(op.keys, wire::OS, "1.0.1", 2);
  const std::string fix_id = op.upload(fix);
  world->publish(f.stored(fix_id));
  api::CreateDeploymentRequest repair = staged_deployment(op.production, fix_id);
  repair.set_name("os-1.0.1");
  repair.set_repair(true);
  grpc::ClientContext c;
  api::Deployment deployment;
  ASSERT_TRUE(f.operators->CreateDeployment(&c, repair, &deployment).ok());
  ASSERT_EQ(op.factory[2].manifest.component(), wire::OS);
  const std::string revoked_id = crypto::to_hex(crypto::as_view(op.factory[2].image_digest));
  const grpc::Status revoked = revoke(f, revoked_id);
  ASSERT_TRUE(revoked.ok()) << revoked.error_message();
  EXPECT_EQ(revoke(f, revoked_id).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(revoke(f, "12").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(revoke(f, std::string(64, '0')).error_code(), grpc::StatusCode::NOT_FOUND);

  f.restart();  // the revocation is in the journal
  EXPECT_EQ(revoke(f, revoked_id).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  world->cut_power();  // a reboot: the device attests at once
  ASSERT_TRUE(world->run_until([&] { return world->firmware().restricted_session(); }, 10min));
  EXPECT_FALSE(world->firmware().has_certificate());
  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_committed) > 0; }, 4h));
  world->run_for(10min);  // the COMMITTED report
  EXPECT_EQ(world->firmware().running_version(fw::component::os), (wire::version{1, 0, 1}));
  EXPECT_TRUE(world->firmware().has_certificate());
  EXPECT_EQ(op.show(op.device_ids[0]).last_attestation(), api::PASSED);
  EXPECT_EQ(op.status(deployment.id()).succeeded(), 1u);
}

// ------------------------------------------------------------------ restart

TEST(grpc_end_to_end, a_restart_from_the_state_file_keeps_devices_sessions_and_deployments) {
  fleet::testing::temp_dir dir;
  grpc_fixture f(dir.file("state.db"));
  operator_setup op(f);
  grpc_endpoint link(f);
  auto world = op.make_world(link);
  world->power_on();
  ASSERT_TRUE(world->run_until([&] { return attested(*world); }, 10min));
  world->run_for(2min);
  const api::DeviceInfo before = op.show(op.device_ids[0]);
  ASSERT_TRUE(before.session_live());

  f.restart();
  EXPECT_GT(f.served->restored_through() + f.served->replayed(), 10u);  // the snapshot written at shutdown
  const api::DeviceInfo after = op.show(op.device_ids[0]);
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());

  // The device goes on in the session it had: its next requests are accepted
  // (the session key, its sequence and the nonce table came back).
  const auto v11 = fleet::testing::make_image(op.keys, wire::APP, "1.1.0", 2);
  const std::string v11_id = op.upload(v11);
  world->publish(f.stored(v11_id));
  grpc::ClientContext c;
  api::Deployment deployment;
  ASSERT_TRUE(f.operators->CreateDeployment(&c, staged_deployment(op.production, v11_id), &deployment).ok());
  const std::size_t attestations = world->count(fw::record_kind::attested);
  ASSERT_TRUE(world->run_until([&] { return world->count(fw::record_kind::update_committed) > 0; }, 30h));
  world->run_for(10min);  // the COMMITTED report
  EXPECT_GE(world->count(fw::record_kind::attested), attestations);
  EXPECT_EQ(op.status(deployment.id()).succeeded(), 1u);
  for (grpc::StatusCode code : link.statuses()) EXPECT_EQ(code, grpc::StatusCode::OK);
}

}  // namespace
}  // namespace fleet::cloud_server::testing
