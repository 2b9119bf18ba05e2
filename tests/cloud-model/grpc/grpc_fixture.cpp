#include "grpc_fixture.hpp"

#include <gtest/gtest.h>

#include "fleet/check.hpp"
#include "fleet/cloud_server/api_mapping.hpp"
#include "fleet/testing/service_endpoint.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::cloud_server::testing {

std::vector<std::string> grpc_endpoint::handle(fw::sim_time now, std::string_view request) {
  fixture_.utc_us = fleet::testing::default_epoch_us + now.count();
  wire::Envelope envelope;
  if (!envelope.ParseFromArray(request.data(), static_cast<int>(request.size()))) return {};
  grpc::ClientContext context;
  wire::Envelope reply;
  const grpc::Status status = fixture_.devices->Exchange(&context, envelope, &reply);
  statuses_.push_back(status.error_code());
  if (status.ok()) return {wire::serialize(reply)};
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto error = trailers.find(error_envelope_metadata);
  if (error == trailers.end()) return {};
  return {std::string(error->second.data(), error->second.size())};
}

grpc_fixture::grpc_fixture(std::optional<std::string> state_path) : state_path_(std::move(state_path)) { start(); }

grpc_fixture::~grpc_fixture() {
  if (server) server->shutdown();
}

void grpc_fixture::start() {
  served_settings settings;
  settings.state_path = state_path_;
  settings.seed = 7;
  settings.utc_now_us = [this] { return utc_us.load(); };
  served = std::make_unique<served_service>(settings);
  server = std::make_unique<cloud_server>(*served, server_settings{"127.0.0.1:0", {}, {}});
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(message_bytes_max));
  args.SetMaxSendMessageSize(-1);  // unlimited here: tests send oversized messages on purpose
  channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server->port()),
                                      grpc::InsecureChannelCredentials(), args);
  operators = api::Operator::NewStub(channel);
  devices = api::Device::NewStub(channel);
}

void grpc_fixture::restart() {
  server->shutdown();
  server.reset();
  served.reset();
  start();
}

api::ImageSpec spec_of(const wire::Manifest& m) {
  api::ImageSpec spec;
  spec.set_component(m.component());
  spec.set_image_name(m.image_name());
  spec.set_version(m.version());
  spec.set_product(m.product());
  spec.set_security_version(m.security_version());
  for (const auto& rev : m.hardware_revisions()) spec.add_hardware_revisions(rev);
  spec.set_expires_at_utc_us(m.expires_at_us());
  spec.set_chunk_size_bytes(m.chunk_size_bytes());
  return spec;
}

grpc::Status grpc_fixture::upload(const wire::built_image& image, api::Image* reply) {
  grpc::ClientContext context;
  auto writer = operators->UploadImage(&context, reply);
  api::UploadImageRequest part;
  *part.mutable_spec() = spec_of(image.manifest);
  writer->Write(part);
  const std::string content = fleet::testing::image_content(image);
  for (std::size_t at = 0; at < content.size(); at += upload_piece_bytes_max) {
    part.set_content(content.substr(at, upload_piece_bytes_max));
    if (!writer->Write(part)) break;
  }
  writer->WritesDone();
  return writer->Finish();
}

wire::built_image grpc_fixture::stored(const std::string& image_id) {
  return served->read([&](const cloud::security_service& s, cloud::sim_time) {
    const auto id = parse_image_id(image_id);
    FLEET_CHECK(id.has_value(), "not an image ID");
    const cloud::stored_image* image = s.images().find(*id);
    FLEET_CHECK(image != nullptr, "no such image");
    return fleet::testing::built_from(*image);
  });
}

fw::rom grpc_fixture::rom() {
  grpc::ClientContext context;
  api::TrustAnchors anchors;
  const grpc::Status status = operators->GetTrustAnchors(&context, {}, &anchors);
  EXPECT_TRUE(status.ok()) << status.error_message();
  fw::rom rom;
  crypto::to_array(anchors.service_root_public_key(), rom.service_root_key);
  for (const auto& k : anchors.image_signing_keys()) {
    crypto::public_key key{};
    crypto::to_array(k.public_key(), key);
    rom.image_signing_keys.push_back({k.id(), key});
  }
  return rom;
}

}  // namespace fleet::cloud_server::testing
