// The device's side of the conversation: one request on the wire at a time,
// attestation and the certificate it yields, the session MAC, timeouts and
// retries with backoff.
#include <algorithm>

#include "core_state.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::fw {
namespace {

bool needs_session(request_kind k) {
  return k != request_kind::challenge && k != request_kind::evidence && k != request_kind::none;
}

// Errors that only make the device wait or re-attest: a man in the middle
// who can forge them could as well drop the traffic, so they need no MAC.
bool harmless_error(const wire::Envelope& env) {
  if (env.body_case() != wire::Envelope::kError) return false;
  auto code = env.error().code();
  return code == wire::ERROR_UNAUTHENTICATED || code == wire::ERROR_RATE_LIMITED ||
         code == wire::ERROR_UNAVAILABLE;
}

}  // namespace

duration core_state::jitter(duration max) {
  if (max.count() <= 0) return duration{0};
  return duration{static_cast<std::int64_t>(random64() % static_cast<std::uint64_t>(max.count() + 1))};
}

bool core_state::session_valid(sim_time now) const {
  return session_ && wall(now) < session_->not_after_us;
}

// Starts the most important piece of pending network work, if the wire is free.
void core_state::pump(sim_time now) {
  if (outstanding_ != request_kind::none || deadlines_[static_cast<std::size_t>(timer::retry)] != never) {
    return;
  }
  if (!session_valid(now)) need_attestation_ = true;
  if (need_attestation_) {
    send_challenge_request(now);
    return;
  }
  if (!reports_.empty()) {
    send_update_result(now);
  } else if (download_ && !download_->complete) {
    send_chunk_request(now);
  } else if (need_update_check_ && !download_ && !metadata_.trial_pending()) {
    send_update_check(now);
  } else if (need_telemetry_upload_ && !session_->restricted) {
    // A restricted session carries repair traffic only: the events wait,
    // buffered, for the full session after the repair.
    send_telemetry(now);
  }
}

void core_state::send_request(sim_time now, request_kind kind, wire::Envelope& env, bool authenticated) {
  env.set_device_id(crypto::to_string(id_));
  env.set_sequence(++sequence_);
  if (authenticated) {
    env.set_session_id(session_->id);
    env.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(env), session_->key)));
  }
  out_->push_back(send{wire::serialize(env), static_cast<std::uint8_t>(env.body_case())});
  outstanding_ = kind;
  ++stats_.requests_sent;
  arm(timer::request_timeout, now + cfg_.timers.request_timeout);
}

void core_state::finish_request() {
  outstanding_ = request_kind::none;
  disarm(timer::request_timeout);
}

void core_state::request_succeeded() {
  finish_request();
  failures_ = 0;
}

void core_state::request_failed(sim_time now, duration at_least) {
  finish_request();
  duration delay = backoff_delay(cfg_.timers.backoff_base, cfg_.timers.backoff_cap, failures_, random64());
  ++failures_;
  delay = std::max(delay, std::min(at_least, cfg_.timers.backoff_cap));
  arm(timer::retry, now + delay);
}

void core_state::on_request_timeout(sim_time now) {
  if (outstanding_ == request_kind::none) return;
  ++stats_.request_timeouts;
  if (outstanding_ == request_kind::evidence) attestation_.reset();
  request_failed(now);
}

void core_state::on_message(sim_time now, const std::string& bytes) {
  if (bytes.size() > wire::envelope_bytes_max) return reject(reject_reason::oversized);
  wire::Envelope env;
  if (!env.ParseFromString(bytes)) return reject(reject_reason::malformed);
  if (env.device_id() != crypto::as_view(id_)) return reject(reject_reason::wrong_device);
  // Only the answer to the request on the wire is accepted: late, replayed
  // and unsolicited messages all land here.
  if (outstanding_ == request_kind::none || env.sequence() != sequence_) {
    return reject(reject_reason::unexpected);
  }
  if (needs_session(outstanding_) && !harmless_error(env)) {
    bool authentic = session_ && env.session_id() == session_->id &&
                     crypto::verify_mac(wire::mac_input(env), env.mac(), session_->key);
    if (!authentic) return reject(reject_reason::bad_mac);
  }
  using body = wire::Envelope::BodyCase;
  const body expected = [&] {
    switch (outstanding_) {
      case request_kind::challenge: return body::kChallenge;
      case request_kind::evidence: return body::kCertificateIssued;
      case request_kind::update_check: return body::kUpdateOffer;
      case request_kind::chunk: return body::kChunk;
      case request_kind::telemetry: return body::kTelemetryAck;
      case request_kind::update_result: return body::kAck;
      case request_kind::none: break;
    }
    return body::BODY_NOT_SET;
  }();
  if (env.body_case() == body::kError) return on_error_reply(now, env.error());
  if (outstanding_ == request_kind::evidence && env.body_case() == body::kRestrictedSession) {
    return on_restricted_session(now, env.restricted_session());
  }
  if (env.body_case() != expected) return reject(reject_reason::unexpected);
  switch (env.body_case()) {
    case body::kChallenge: return on_challenge(now, env.challenge());
    case body::kCertificateIssued: return on_certificate(now, env.certificate_issued());
    case body::kUpdateOffer: return on_offer(now, env.update_offer());
    case body::kChunk: return on_chunk(now, env.chunk());
    case body::kTelemetryAck: return on_telemetry_ack(now, env.telemetry_ack());
    case body::kAck:
      request_succeeded();
      report_delivered();
      return;
    default: return reject(reject_reason::unexpected);
  }
}

void core_state::on_error_reply(sim_time now, const wire::Error& error) {
  const request_kind failed = outstanding_;
  const duration retry_after{std::max<std::int64_t>(0, error.retry_after_us())};
  switch (error.code()) {
    case wire::ERROR_UNAUTHENTICATED:
      session_.reset();
      need_attestation_ = true;
      break;
    case wire::ERROR_ATTESTATION_FAILED:
      ++stats_.attestation_failures;
      note(record_kind::attestation_failed);
      add_event({wall(now), wire::EVENT_ATTESTATION_FAILED, {}, 0, 0, {}, {}});
      attestation_.reset();
      // A restricted session refusing a chunk: not a repair, so retrying
      // cannot help; counted towards giving the download up.
      if (failed == request_kind::chunk && session_ && session_->restricted) {
        return download_failed(now, reject_reason::none);
      }
      break;
    case wire::ERROR_NOT_FOUND:
      if (failed == request_kind::chunk) return download_failed(now, reject_reason::none);
      break;
    default:
      break;
  }
  request_failed(now, retry_after);
}

void core_state::send_challenge_request(sim_time now) {
  if (attestation_began_ == never) attestation_began_ = now;
  wire::Envelope env;
  env.mutable_challenge_request();
  send_request(now, request_kind::challenge, env, false);
}

// Evidence binds the nonce, what booted (measurements and versions), the
// rollback counters and a fresh key-exchange value, signed by the device key.
void core_state::on_challenge(sim_time now, const wire::Challenge& c) {
  if (c.nonce().size() != wire::nonce_bytes) {
    reject(reject_reason::malformed);
    return request_failed(now);
  }
  // Half an attestation is no success: the backoff resets only when the
  // certificate is accepted, so failing attestations keep backing off.
  finish_request();
  attestation_ = std::make_unique<pending_attestation>();
  if (!exchange_) {
    crypto::seed secret{};
    hw_.secure_element->random(secret.data(), secret.size());
    exchange_ = std::make_unique<boot_exchange>();
    exchange_->own = crypto::exchange_key_from_secret(secret);
  }

  wire::Evidence ev;
  ev.set_nonce(c.nonce());
  ev.set_device_public_key(crypto::to_string(hw_.secure_element->device_public_key()));
  ev.set_product(cfg_.product);
  ev.set_hardware_revision(cfg_.hardware_revision);
  for (std::size_t i = 0; i < boot_chain_length; ++i) {
    const auto& st = stages_[i];
    if (!st.present) continue;
    auto* m = ev.add_boot();
    m->set_component(to_wire(static_cast<component>(i)));
    m->set_version(st.version.to_string());
    m->set_manifest_digest(crypto::to_string(st.manifest_digest));
  }
  ev.set_measurement_register(crypto::to_string(hw_.secure_element->measurement()));
  for (std::size_t i = 0; i < component_count; ++i) {
    ev.add_rollback_counters(hw_.secure_element->read_counter(static_cast<component>(i)));
  }
  ev.set_session_public_key(crypto::to_string(exchange_->own.public_key_bytes));
  ev.set_device_time_us(wall(now));
  ev.set_request_sequence(sequence_ + 1);  // send_request gives the envelope this one

  wire::Envelope env;
  auto* signed_evidence = env.mutable_evidence();
  signed_evidence->set_evidence(wire::serialize(ev));
  signed_evidence->set_signature(
      crypto::to_string(hw_.secure_element->sign(signed_evidence->evidence())));
  attestation_->evidence_digest = crypto::sha256(signed_evidence->evidence());
  send_request(now, request_kind::evidence, env, false);
}

// The chain: ROM root key -> tenant CA certificate -> device certificate.
// Any tenant CA the root vouches for is accepted, so old and new CAs both
// work during a rotation.
reject_reason core_state::check_issuer(sim_time now, const wire::SignedCaCertificate& issuer, wire::CaCertificate& ca,
                                      crypto::public_key& ca_key) const {
  const std::int64_t now_us = wall(now);
  const std::int64_t tolerance = cfg_.timers.clock_tolerance.count();
  if (!ca.ParseFromString(issuer.ca_certificate())) return reject_reason::malformed;
  // The same CA certificate, signature included, as one the ROM root already
  // vouched for: the verify would give the same answer (the root is in ROM).
  // Only a 64-byte (Ed25519) signature is cached, so that certificate and
  // signature cannot be split differently and hash the same.
  const bool cacheable = issuer.signature().size() == std::tuple_size<crypto::signature>::value;
  const crypto::digest ca_digest =
      cacheable ? crypto::sha256(issuer.ca_certificate() + issuer.signature()) : crypto::digest{};
  if (!cacheable || !verified_ca_ || *verified_ca_ != ca_digest) {
    if (!crypto::verify(issuer.ca_certificate(), issuer.signature(), cfg_.rom_keys.service_root_key)) {
      return reject_reason::untrusted_ca;
    }
    if (cacheable) verified_ca_ = ca_digest;
  }
  if (!crypto::to_array(ca.public_key(), ca_key)) return reject_reason::malformed;
  if (now_us + tolerance < ca.not_before_us() || now_us - tolerance > ca.not_after_us()) {
    return reject_reason::certificate_expired;
  }
  return reject_reason::none;
}

reject_reason core_state::check_certificate(sim_time now, const wire::CertificateIssued& issued,
                                            std::int64_t& not_after_us) const {
  const std::int64_t now_us = wall(now);
  const std::int64_t tolerance = cfg_.timers.clock_tolerance.count();
  wire::CaCertificate ca;
  crypto::public_key ca_key{};
  if (const reject_reason why = check_issuer(now, issued.issuer(), ca, ca_key); why != reject_reason::none) return why;
  wire::Certificate cert;
  if (!cert.ParseFromString(issued.certificate().certificate())) return reject_reason::malformed;
  if (cert.issuer_ca_id() != ca.ca_id()) return reject_reason::untrusted_ca;
  if (!crypto::verify(issued.certificate().certificate(), issued.certificate().signature(), ca_key)) {
    return reject_reason::bad_signature;
  }
  if (cert.device_id() != crypto::as_view(id_) ||
      cert.device_public_key() != crypto::as_view(hw_.secure_element->device_public_key()) ||
      cert.evidence_digest() != crypto::as_view(attestation_->evidence_digest)) {
    return reject_reason::certificate_mismatch;
  }
  if (now_us + tolerance < cert.not_before_us() || now_us >= cert.not_after_us()) {
    return reject_reason::certificate_expired;
  }
  if (issued.session_public_key().size() != 32) return reject_reason::malformed;
  if (cert.session_binding() != crypto::as_view(wire::session_binding(issued.session_public_key(),
                                                                      issued.session_id()))) {
    return reject_reason::session_not_bound;
  }
  not_after_us = cert.not_after_us();
  return reject_reason::none;
}

// The secret shared with this service half, computed once a boot per half.
reject_reason core_state::session_key_for(const crypto::public_key& service_share, std::uint64_t session_id,
                                          crypto::seed& key) {
  boot_exchange& ex = *exchange_;
  if (!ex.has_shared || ex.service_share != service_share) {
    ex.has_shared = false;
    if (!crypto::exchange_shared_secret(ex.own.secret_key_bytes, service_share, ex.shared)) {
      return reject_reason::bad_session_key;
    }
    ex.service_share = service_share;
    ex.has_shared = true;
  }
  key = crypto::session_key_from(ex.shared, ex.own.public_key_bytes, service_share, session_id);
  return reject_reason::none;
}

void core_state::load_key_store() {
  std::optional<key_store> held = read_key_store(hw_.secure_element->key_store());
  key_store_ = held ? std::make_unique<key_store>(std::move(*held)) : nullptr;
}

// Comes with every certificate and update offer once a key was revoked (a
// mirror may withhold an offer's; a certificate's is out of its reach). The
// same bytes as the held store cost nothing; other bytes are verified, so an
// altered store fails the whole reply rather than passing unnoticed.
reject_reason core_state::take_key_store(const wire::SignedKeyStore& signed_store) {
  const std::string bytes = wire::serialize(signed_store);
  if (bytes == hw_.secure_element->key_store()) return reject_reason::none;
  key_store offered;
  if (auto why = verify_key_store(signed_store, cfg_.rom_keys.service_root_key, offered); why != reject_reason::none) {
    return why;
  }
  // An older store is a replay: harmless, and not taken.
  if (key_store_ && offered.version <= key_store_->version) return reject_reason::none;
  hw_.secure_element->store_key_store(bytes);
  key_store_ = std::make_unique<key_store>(std::move(offered));
  ++stats_.key_store_updates;
  note(record_kind::key_store_taken);
  return reject_reason::none;
}

std::unique_ptr<session_state> core_state::open_session(sim_time now, reject_reason why,
                                                        const std::string& service_share, std::uint64_t session_id,
                                                        std::int64_t not_after_us,
                                                        const wire::SignedKeyStore* key_store) {
  auto session = std::make_unique<session_state>();
  if (why == reject_reason::none) {
    crypto::public_key service_public{};
    crypto::to_array(service_share, service_public);  // 32 bytes: checked with the certificate or grant
    why = session_key_for(service_public, session_id, session->key);
  }
  if (why == reject_reason::none && key_store != nullptr) why = take_key_store(*key_store);
  attestation_.reset();
  if (why != reject_reason::none) {
    reject(why);
    request_failed(now);
    return nullptr;
  }
  session->id = session_id;
  session->not_after_us = not_after_us;
  return session;
}

void core_state::on_certificate(sim_time now, const wire::CertificateIssued& issued) {
  std::int64_t not_after_us = 0;
  const reject_reason why = attestation_ ? check_certificate(now, issued, not_after_us) : reject_reason::unexpected;
  auto session = open_session(now, why, issued.session_public_key(), issued.session_id(), not_after_us,
                              issued.has_key_store() ? &issued.key_store() : nullptr);
  if (!session) return;
  ++stats_.attestations;
  start_session(now, std::move(session));
}

// The grant: signed by a tenant CA the ROM root vouches for, over a label
// (so no certificate can pass for one), naming this device, this very
// evidence and the session share sent with it, and still valid.
reject_reason core_state::check_grant(sim_time now, const wire::RestrictedSession& granted,
                                      std::int64_t& not_after_us) const {
  wire::CaCertificate ca;
  crypto::public_key ca_key{};
  if (const reject_reason why = check_issuer(now, granted.issuer(), ca, ca_key); why != reject_reason::none) return why;
  wire::RestrictedGrant grant;
  if (!grant.ParseFromString(granted.grant())) return reject_reason::malformed;
  if (grant.issuer_ca_id() != ca.ca_id()) return reject_reason::untrusted_ca;
  if (!crypto::verify(wire::restricted_grant_input(granted.grant()), granted.signature(), ca_key)) {
    return reject_reason::bad_signature;
  }
  if (grant.device_id() != crypto::as_view(id_) ||
      grant.evidence_digest() != crypto::as_view(attestation_->evidence_digest)) {
    return reject_reason::certificate_mismatch;
  }
  if (wall(now) >= grant.not_after_us()) return reject_reason::certificate_expired;
  if (granted.session_public_key().size() != 32) return reject_reason::malformed;
  if (grant.session_binding() != crypto::as_view(wire::session_binding(granted.session_public_key(),
                                                                       granted.session_id()))) {
    return reject_reason::session_not_bound;
  }
  not_after_us = grant.not_after_us();
  return reject_reason::none;
}

// Attestation failed on software no longer trusted: no certificate, but a
// session in which the device may fetch the update that repairs it. It
// checks for one at once; once installed, the reboot attests again.
void core_state::on_restricted_session(sim_time now, const wire::RestrictedSession& granted) {
  std::int64_t not_after_us = 0;
  const reject_reason why = attestation_ ? check_grant(now, granted, not_after_us) : reject_reason::unexpected;
  auto session = open_session(now, why, granted.session_public_key(), granted.session_id(), not_after_us,
                              granted.has_key_store() ? &granted.key_store() : nullptr);
  if (!session) return;
  session->restricted = true;
  // A download of something else than a repair cannot go on in this
  // session (its chunks are refused): given up, so the repair can start.
  if (download_) {
    bool repairing = false;
    wire::RestrictedGrant grant;
    grant.ParseFromString(granted.grant());  // verified by check_grant
    for (const int c : grant.revoked()) repairing = repairing || to_wire(download_->target.comp) == c;
    if (!repairing) abandon_download(wire::FAILED, reject_reason::none, "restricted_session");
  }
  ++stats_.attestation_failures;
  ++stats_.restricted_sessions;
  add_event({wall(now), wire::EVENT_ATTESTATION_FAILED, {}, 0, 0, {}, {}});
  need_update_check_ = true;
  start_session(now, std::move(session));
}

void core_state::start_session(sim_time now, std::unique_ptr<session_state> session) {
  request_succeeded();
  const std::int64_t not_after_us = session->not_after_us;
  const bool restricted = session->restricted;
  session_ = std::move(session);
  need_attestation_ = false;
  record r;
  r.kind = restricted ? record_kind::restricted_session : record_kind::attested;
  r.version = stages_[index_of(component::app)].version;
  r.digest = stages_[index_of(component::app)].image_digest;
  r.took = now - attestation_began_;
  attestation_began_ = never;
  note(r);

  // Renew at a random point of the renewal window, and well before expiry.
  const auto& t = cfg_.timers;
  duration renew_in = t.attestation_renew_min + jitter(t.attestation_renew_max - t.attestation_renew_min);
  duration valid_for{std::max<std::int64_t>(0, (not_after_us - wall(now)) / 10 * 9)};
  arm(timer::attestation_renewal, now + std::min(renew_in, valid_for));
}

}  // namespace fleet::fw
