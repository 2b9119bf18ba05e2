// The device side of the security service: the protocol of device.proto.
#include <cstring>
#include <tuple>

#include "fleet/check.hpp"
#include "device_shard.hpp"
#include "fleet/cloud/security_service.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::cloud {
namespace {

bool is_check_name(std::string_view s) {
  if (s.empty()) return false;
  for (const char ch : s) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
  }
  return true;
}

}  // namespace

std::string check_named(wire::ErrorCode code, std::string_view detail) {
  if (is_check_name(detail)) return std::string(detail);
  // The names the attackers' own accounting gives these (attack_host):
  // "rate limited: source" is `source_budget`, "certificate expired" is `expired`.
  constexpr std::string_view rate_limited = "rate limited: ";
  if (detail.substr(0, rate_limited.size()) == rate_limited && is_check_name(detail.substr(rate_limited.size()))) {
    return std::string(detail.substr(rate_limited.size())) + "_budget";
  }
  constexpr std::string_view certificate = "certificate ";
  if (detail.substr(0, certificate.size()) == certificate && is_check_name(detail.substr(certificate.size()))) {
    return std::string(detail.substr(certificate.size()));
  }
  // "restricted_session: not_attested": the name after the prefix.
  if (const auto colon = detail.rfind(": "); colon != std::string_view::npos && is_check_name(detail.substr(colon + 2))) {
    return std::string(detail.substr(colon + 2));
  }
  // A sentence ("device_id must be 64 bytes"): the error's own name, "invalid".
  std::string name = wire::ErrorCode_Name(code);
  if (name.rfind("ERROR_", 0) == 0) name.erase(0, 6);
  for (char& ch : name) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  return name;
}

std::uint32_t security_service::shard_of(const crypto::device_id& id) const {
  std::uint64_t h = 0;
  std::memcpy(&h, id.data(), sizeof h);  // SHA-512 output: any 8 bytes are uniform
  return static_cast<std::uint32_t>(h % shards_.size());
}

device_shard& security_service::shard_for(const crypto::device_id& id) { return *shards_[shard_of(id)]; }

const session_table& security_service::sessions_of(const crypto::device_id& id) const {
  return shards_[shard_of(id)]->sessions();
}

std::optional<registered_device> security_service::lookup(const crypto::device_id& id) const {
  const auto index = registry_.find(id);
  if (!index) return std::nullopt;
  const device_record* rec = registry_.device(*index);
  if (rec == nullptr || !rec->key_registered) return std::nullopt;
  std::string_view product;
  if (const group_info* g = registry_.group(rec->group)) {
    if (const product_info* p = registry_.product(g->product)) product = p->name;
  }
  return registered_device{*index, rec->public_key, product};
}

crypto::random_stream security_service::device_stream(device_index device) {
  if (device >= draws_.size()) draws_.resize(static_cast<std::size_t>(device) + 1, 0);
  const std::uint64_t in_fleet = std::uint64_t{device} * settings_.partitions + settings_.partition;
  const std::uint64_t entity = (in_fleet << 32) | (draws_[device]++ & 0xffff'ffffu);
  return crypto::random_stream(settings_.seed, entity, "service-device");
}

void security_service::error(context& c, wire::ErrorCode code, std::string detail, duration retry_after) {
  switch (code) {
    case wire::ERROR_INVALID: ++counters_.invalid; break;
    case wire::ERROR_RATE_LIMITED: ++counters_.rate_limited; break;
    case wire::ERROR_UNAUTHENTICATED: ++counters_.unauthenticated; break;
    case wire::ERROR_ATTESTATION_FAILED: ++counters_.attestation_failed; break;
    case wire::ERROR_NOT_FOUND: ++counters_.not_found; break;
    default: break;
  }
  wire::Error* e = c.reply->mutable_error();
  e->set_code(code);
  e->set_detail(std::move(detail));
  e->set_retry_after_us(retry_after.count());
}

std::optional<served_reply> security_service::serve(sim_time now, std::string_view request_bytes, source_id source) {
  ++counters_.requests;
  wire::Envelope request;
  if (request_bytes.size() > wire::envelope_bytes_max ||
      !request.ParseFromArray(request_bytes.data(), static_cast<int>(request_bytes.size()))) {
    ++counters_.ignored;
    return std::nullopt;
  }
  wire::Envelope reply;
  reply.set_device_id(request.device_id());
  reply.set_sequence(request.sequence());
  context c;
  c.now = now;
  c.source = source;
  c.request = &request;
  c.reply = &reply;

  crypto::device_id& id = c.id;
  if (!crypto::to_array(request.device_id(), id)) {
    // No device to charge: the place it came from, and the global budget.
    if (admitted(c, rates_.admit_source(now, source, traffic::other)) &&
        admitted(c, rates_.admit_global(now, traffic::other))) {
      error(c, wire::ERROR_INVALID, "device_id must be 64 bytes");
    }
  } else {
    c.device = registry_.find(id);
    c.shard = &shard_for(id);
    dispatch(c);
  }
  served_reply out;
  if (tamper_ != nullptr && c.device) {
    // Inside the delivery, before the seal: what it changes carries a valid MAC.
    if (c.sealed && reply.has_error() && request.has_chunk_request()) {
      wire::Chunk own;
      if (tamper_->serve_unknown_chunk(now, *c.device, request.chunk_request(), own)) *reply.mutable_chunk() = std::move(own);
    }
    if (reply.has_update_offer()) {
      out.tampered_by = tamper_->on_offer(now, *c.device, request.update_check(), *reply.mutable_update_offer());
    }
    if (reply.has_chunk()) out.tampered_by = tamper_->on_chunk(now, *c.device, *reply.mutable_chunk());
  }
  if (c.sealed) c.shard->sessions().seal(reply, *c.device);
  out.body = reply.body_case();
  if (reply.has_error()) {
    out.error = reply.error().code();
    out.refused_by = check_named(out.error, reply.error().detail());
  }
  out.bytes = wire::serialize(reply);
  return out;
}

std::vector<std::string> security_service::handle(sim_time now, std::string_view request_bytes, source_id source) {
  std::optional<served_reply> reply = serve(now, request_bytes, source);
  if (!reply) return {};
  return {std::move(reply->bytes)};
}

bool security_service::admitted(context& c, const rate_decision& d) {
  if (d.ok()) return true;
  error(c, wire::ERROR_RATE_LIMITED, std::string("rate limited: ") + name_of(d.refusal), d.retry_after);
  return false;
}

// Each request spends its own bucket first, then the global pool of its
// kind: what a bucket refuses never reaches the shared pools. The bucket is
// the device's only once the request proved to come from the device; before
// that, whoever names the device, the place it came from pays
// (rate_limiter.hpp).
void security_service::dispatch(context& c) {
  const auto body = c.request->body_case();
  if (body == wire::Envelope::kChallengeRequest || body == wire::Envelope::kEvidence) {
    // An unknown ID cannot attest: its challenges are charged to the "other"
    // pool, so a flood of made-up IDs cannot drain the attestation share.
    const traffic kind = c.device ? traffic::attestation : traffic::other;
    if (!admitted(c, rates_.admit_source(c.now, c.source, kind)) || !admitted(c, rates_.admit_global(c.now, kind))) {
      return;
    }
    return body == wire::Envelope::kChallengeRequest ? on_challenge(c) : on_evidence(c);
  }
  if (!wire::is_session_request(body)) return error(c, wire::ERROR_INVALID, "not a device request");
  if (!authenticate(c)) return;
  if (!admitted(c, rates_.admit_device(c.now, *c.device, traffic::other)) ||
      !admitted(c, rates_.admit_global(c.now, traffic::other))) {
    return;
  }
  // Charged first: a restricted device asking for what it may not have
  // spends its own budget doing so.
  if (c.restricted && !restricted_allows(c)) return;
  switch (body) {
    case wire::Envelope::kUpdateCheck: return on_update_check(c);
    case wire::Envelope::kChunkRequest: return on_chunk_request(c);
    case wire::Envelope::kUpdateResult: return on_update_result(c);
    case wire::Envelope::kTelemetry: return on_telemetry(c);
    default: return error(c, wire::ERROR_INVALID, "not a device request");
  }
}

bool security_service::blocked(device_index device) const {
  return device < blocked_.size() && blocked_[device] != 0;
}

void security_service::on_challenge(context& c) {
  if (!c.device || !lookup(c.id)) return error(c, wire::ERROR_NOT_FOUND, "unknown_device");
  if (blocked(*c.device)) return error(c, wire::ERROR_ATTESTATION_FAILED, "identity blocked: flagged as cloned");
  crypto::random_stream random = device_stream(*c.device);
  const challenge_result r = c.shard->verifier().challenge(c.now, *c.request, random, c.source);
  switch (r.refusal) {
    case challenge_refusal::none: break;
    case challenge_refusal::malformed: return error(c, wire::ERROR_INVALID, name_of(r.refusal));
    case challenge_refusal::unknown_device: return error(c, wire::ERROR_NOT_FOUND, name_of(r.refusal));
    default:
      return error(c, wire::ERROR_RATE_LIMITED, name_of(r.refusal), settings_.attestation.nonces.lifetime);
  }
  c.reply->mutable_challenge()->set_nonce(std::string(reinterpret_cast<const char*>(r.value.data()), r.value.size()));
}

void security_service::on_evidence(context& c) {
  device_shard& shard = *c.shard;
  const attestation_result r = shard.verifier().verify(c.now, *c.request, c.source);
  handle_clones(c.now, shard);
  if (!r.ok()) {
    // Only a failure behind a valid signature says something about the device.
    if (quarantines(r.outcome)) registry_.record_attestation(c.now, r.facts.device, false);
    // Its key signed, its nonce was fresh, it is not live elsewhere, its
    // boot chain and product are right, and each image it runs is known:
    // only trust in one of them was withdrawn. An update can repair that.
    if (r.outcome == attestation_outcome::revoked_measurement) return grant_restricted(c, r.facts);
    return error(c, wire::ERROR_ATTESTATION_FAILED, name_of(r.outcome));
  }
  const device_index device = r.facts.device;
  const auto opened = open_attested_session(c, r.facts, c.now + settings_.ca.certificate_lifetime, false);
  if (!opened) return;
  const opened_session& session = opened->session;
  issued_certificate issued = ca_.issue(wall(c.now), opened->tenant->name, opened->record->id, r.facts.device_key,
                                        crypto::as_view(r.facts.evidence_digest),
                                        crypto::as_view(wire::session_binding(opened->service_share, session.id)));
  if (!issued.ok()) {
    shard.sessions().end(device);
    return error(c, wire::ERROR_UNAVAILABLE, name_of(issued.refusal));
  }
  registry_.record_attestation(c.now, device, true);
  ++counters_.certificates_issued;
  wire::CertificateIssued* out = c.reply->mutable_certificate_issued();
  *out->mutable_certificate() = std::move(issued.certificate);
  *out->mutable_issuer() = std::move(issued.issuer);
  out->set_session_public_key(opened->service_share);
  out->set_session_id(session.id);
  if (key_store_version_ > 0) *out->mutable_key_store() = key_store_;
}

std::optional<security_service::attested_session> security_service::open_attested_session(
    context& c, const attestation_facts& facts, sim_time expires, bool restricted) {
  const device_index device = facts.device;
  if (blocked(device)) {
    error(c, wire::ERROR_ATTESTATION_FAILED, "identity blocked: flagged as cloned");
    return std::nullopt;
  }
  attested_session out;
  out.record = registry_.device(device);
  out.tenant = out.record == nullptr ? nullptr : registry_.tenant(out.record->tenant);
  FLEET_CHECK(out.tenant != nullptr, "attested device without a tenant");
  crypto::random_stream random = device_stream(device);
  out.session = c.shard->sessions().open(c.now, device, c.source, facts.session_public_key, expires,
                                         c.request->sequence(), random, restricted);
  if (!out.session.ok()) {
    if (out.session.refusal == open_refusal::sessions_max) {
      error(c, wire::ERROR_RATE_LIMITED, name_of(out.session.refusal), std::chrono::minutes(1));
    } else {
      error(c, wire::ERROR_ATTESTATION_FAILED, name_of(out.session.refusal));
    }
    return std::nullopt;
  }
  out.service_share = crypto::to_string(out.session.service_public_key);
  return out;
}

// No certificate: a session for repair traffic, and a grant the tenant CA
// signs so that the device knows the session's key is the service's (the
// same binding of share and session ID a certificate carries).
void security_service::grant_restricted(context& c, const attestation_facts& facts) {
  const device_index device = facts.device;
  const duration lifetime = std::min(settings_.restricted_session_lifetime, settings_.ca.certificate_lifetime);
  const sim_time expires = c.now + lifetime;
  const auto opened = open_attested_session(c, facts, expires, true);
  if (!opened) return;
  const opened_session& session = opened->session;
  std::vector<wire::Component> revoked;
  for (int k = wire::BOOTLOADER; k <= wire::LEGACY_FIRMWARE; ++k) {
    const auto component = static_cast<wire::Component>(k);
    if ((facts.revoked_components & component_bit(component)) != 0) revoked.push_back(component);
  }
  issued_grant grant = ca_.grant_restricted(wall(c.now), opened->tenant->name, opened->record->id,
                                            crypto::as_view(facts.evidence_digest),
                                            crypto::as_view(wire::session_binding(opened->service_share, session.id)),
                                            wall(expires), revoked);
  if (!grant.ok()) {
    c.shard->sessions().end(device);
    return error(c, wire::ERROR_UNAVAILABLE, name_of(grant.refusal));
  }
  ++counters_.restricted_sessions;
  wire::RestrictedSession* out = c.reply->mutable_restricted_session();
  out->set_grant(std::move(grant.grant));
  out->set_signature(std::move(grant.signature));
  *out->mutable_issuer() = std::move(grant.issuer);
  out->set_session_public_key(opened->service_share);
  out->set_session_id(session.id);
  if (key_store_version_ > 0) *out->mutable_key_store() = key_store_;
}

void security_service::handle_clones(sim_time now, device_shard& shard) {
  for (const clone_flag& f : shard.sessions().clones().take()) {
    ++counters_.clones_flagged;
    if (f.device >= blocked_.size()) blocked_.resize(static_cast<std::size_t>(f.device) + 1, 0);
    blocked_[f.device] = 1;
    shard.sessions().end(f.device);
    const revoke_result rr = ca_.revoke_device(wall(now), f.id);
    if (rr == revoke_result::revoked || rr == revoke_result::already_revoked) ++counters_.revocations;
  }
}

bool security_service::authenticate(context& c) {
  const wire::Envelope& req = *c.request;
  if (req.session_id() == 0 && req.has_certificate()) return authenticate_certificate(c);
  const auth_result r = c.shard->sessions().authenticate(c.now, req, c.source);
  handle_clones(c.now, *c.shard);
  if (!r.ok()) {
    error(c, wire::ERROR_UNAUTHENTICATED, name_of(r.failure));
    return false;
  }
  c.device = r.device;
  c.sealed = true;
  c.restricted = r.restricted;
  return true;
}

// A client presenting its certificate instead of a session (gRPC clients
// over TLS), held to what a session holds it to: the key's holder (a proof
// over this very request), fresh (its sequence goes up), in one place (the
// clone rules), not blocked or quarantined. Cheap refusals first, then the
// CA's signature, then the proof: two Ed25519 verifies a request. No MAC,
// so replies are plain.
bool security_service::authenticate_certificate(context& c) {
  const wire::Envelope& req = *c.request;
  auto refuse = [&](std::string why) {
    ++counters_.certificate_checks_refused;
    error(c, wire::ERROR_UNAUTHENTICATED, "certificate " + why);
    return false;
  };
  if (!admitted(c, rates_.admit_source(c.now, c.source, traffic::other))) return false;
  const auto registered = lookup(c.id);
  if (!c.device || !registered) return refuse("unknown_device");
  if (blocked(*c.device)) {
    ++counters_.blocked_refused;
    return refuse("identity_blocked");
  }
  if (c.shard->verifier().quarantined(*c.device)) return refuse("device_quarantined");
  if (req.certificate_proof().size() != std::tuple_size<crypto::signature>::value) return refuse("proof_missing");
  const certificate_check check = ca_.check(wall(c.now), req.certificate());
  if (check.status != certificate_status::ok) return refuse(name_of(check.status));
  if (check.certificate.device_id() != req.device_id()) return refuse("names_another_device");
  if (check.certificate.device_public_key() != crypto::to_string(registered->key)) return refuse("key_mismatch");
  if (!crypto::verify(wire::certificate_proof_input(req), req.certificate_proof(), registered->key)) {
    return refuse("proof_invalid");
  }
  // The key holder speaks from here on.
  certificate_requests& uses = c.shard->certificate_uses();
  const std::uint64_t serial = check.certificate.serial();
  const auto verdict = uses.judge(*c.device, req.sequence(), serial, c.source);
  if (verdict == certificate_request_verdict::replay) return refuse("replay");
  const auto live = c.shard->sessions().live_source(c.now, *c.device);
  if (verdict == certificate_request_verdict::other_source || (live && *live != c.source)) {
    const source_id before = live ? *live : uses.last_source(*c.device);
    c.shard->sessions().flag_clone({c.now, *c.device, c.id, before, c.source, clone_signal::certificate_elsewhere});
    handle_clones(c.now, *c.shard);
    return refuse("cloned_identity");
  }
  uses.accept(*c.device, req.sequence(), serial, c.source);
  return true;
}

void security_service::on_chunk_request(context& c) {
  const wire::ChunkRequest& req = c.request->chunk_request();
  crypto::digest image{};
  if (!crypto::to_array(req.image_digest(), image)) return error(c, wire::ERROR_INVALID, "image_digest must be 32 bytes");
  const std::string* data = images_.chunk(image, req.index());
  if (data == nullptr) {
    return error(c, wire::ERROR_NOT_FOUND, images_.find(image) == nullptr ? "unknown image" : "no such chunk");
  }
  wire::Chunk* chunk = c.reply->mutable_chunk();
  chunk->set_image_digest(req.image_digest());
  chunk->set_index(req.index());
  chunk->set_data(*data);
  ++counters_.chunks_served;
}

void security_service::on_telemetry(context& c) {
  const ingest_result r = c.shard->telemetry().ingest(c.now, *c.device, c.request->telemetry());
  if (!r.ok()) return error(c, wire::ERROR_INVALID, name_of(r.refusal));
  ++counters_.telemetry_batches;
  note_app_crashes(c.now, *c.device, c.request->telemetry());
  c.reply->mutable_telemetry_ack()->set_acked_through(r.acked_through);
}

}  // namespace fleet::cloud
