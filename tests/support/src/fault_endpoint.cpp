#include "fleet/testing/fault_endpoint.hpp"

#include "fleet/check.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::testing {

std::vector<std::string> fault_endpoint::handle(fw::sim_time now, std::string_view request) {
  if (offline) {
    ++counters_.offline_ignored;
    return {};
  }
  ++counters_.passed;
  std::vector<std::string> replies = inner_.handle(now, request);
  if (tamper_reply || !rogue_.empty()) {
    wire::Envelope parsed;
    if (parsed.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
      for (auto& bytes : replies) edit(now, parsed, bytes);
    }
  }
  if (tamper_bytes) {
    for (auto& bytes : replies) tamper_bytes(bytes);
  }
  if (drop_replies) {
    counters_.replies_dropped += replies.size();
    return {};
  }
  return replies;
}

void fault_endpoint::edit(fw::sim_time now, const wire::Envelope& request, std::string& reply_bytes) {
  wire::Envelope reply;
  if (!reply.ParseFromString(reply_bytes)) return;
  const bool sealed = !reply.mac().empty();
  bool edited = add_rogue(request, reply);
  if (tamper_reply) {
    tamper_reply(reply);
    edited = true;
  }
  if (!edited) return;
  ++counters_.replies_edited;
  if (sealed) seal_again(now, reply);
  reply_bytes = wire::serialize(reply);
}

bool fault_endpoint::add_rogue(const wire::Envelope& request, wire::Envelope& reply) {
  if (rogue_.empty()) return false;
  if (reply.has_update_offer()) {
    bool added = false;
    for (const auto& image : rogue_) {
      if (reply.update_offer().manifests_size() >= static_cast<int>(wire::offer_manifests_max)) break;
      *reply.mutable_update_offer()->add_manifests() = image.signed_manifest;
      ++counters_.rogue_offers;
      added = true;
    }
    return added;
  }
  if (!request.has_chunk_request() || !reply.has_error() || reply.error().code() != wire::ERROR_NOT_FOUND) {
    return false;
  }
  const wire::ChunkRequest& wanted = request.chunk_request();
  for (const auto& image : rogue_) {
    if (crypto::as_view(image.image_digest) != wanted.image_digest() || wanted.index() >= image.chunks.size()) {
      continue;
    }
    wire::Chunk* chunk = reply.mutable_chunk();
    chunk->set_image_digest(wanted.image_digest());
    chunk->set_index(wanted.index());
    chunk->set_data(image.chunks[wanted.index()]);
    ++counters_.rogue_chunks;
    return true;
  }
  return false;
}

void fault_endpoint::seal_again(fw::sim_time now, wire::Envelope& reply) const {
  FLEET_CHECK(service_ != nullptr, "fault_endpoint: a sealed reply was edited and there is no service to seal it");
  crypto::device_id id{};
  FLEET_CHECK(crypto::to_array(reply.device_id(), id), "fault_endpoint: sealed reply without a device ID");
  const auto index = service_->devices().find(id);
  const cloud::session_table& sessions = service_->sessions_of(id);
  FLEET_CHECK(index.has_value() && sessions.live(now, *index), "fault_endpoint: sealed reply without a live session");
  sessions.seal(reply, *index);
}

}  // namespace fleet::testing
