#include "fleet/testing/test_cloud.hpp"

#include <algorithm>
#include <utility>

#include "fleet/check.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/limits.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::testing {
namespace {

constexpr std::int64_t day_us = std::int64_t{24} * 3600 * 1000000;

void set_error(wire::ErrorCode code, const std::string& detail, wire::Envelope& reply) {
  wire::Error* error = reply.mutable_error();
  error->set_code(code);
  error->set_detail(detail);
}

bool event_within_limits(const wire::DeviceEvent& event) {
  return event.data().size() <= wire::event_data_bytes_max &&
         event.version().size() <= wire::name_bytes_max;
}

/// The boot chain a device must report, in order (guardian devices add legacy firmware).
constexpr wire::Component boot_chain[] = {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS,
                                          wire::APP};

}  // namespace

const char* name_of(attestation_failure reason) {
  switch (reason) {
    case attestation_failure::malformed_evidence: return "malformed_evidence";
    case attestation_failure::device_id_mismatch: return "device_id_mismatch";
    case attestation_failure::unknown_device: return "unknown_device";
    case attestation_failure::unknown_nonce: return "unknown_nonce";
    case attestation_failure::nonce_wrong_device: return "nonce_wrong_device";
    case attestation_failure::nonce_reused: return "nonce_reused";
    case attestation_failure::nonce_expired: return "nonce_expired";
    case attestation_failure::bad_signature: return "bad_signature";
    case attestation_failure::measurement_mismatch: return "measurement_mismatch";
    case attestation_failure::incomplete_boot_chain: return "incomplete_boot_chain";
    case attestation_failure::unknown_measurement: return "unknown_measurement";
    case attestation_failure::wrong_product: return "wrong_product";
    case attestation_failure::bad_session_key: return "bad_session_key";
  }
  return "?";
}

const char* name_of(auth_failure reason) {
  switch (reason) {
    case auth_failure::no_session: return "no_session";
    case auth_failure::unknown_session: return "unknown_session";
    case auth_failure::wrong_device: return "wrong_device";
    case auth_failure::session_expired: return "session_expired";
    case auth_failure::bad_mac: return "bad_mac";
    case auth_failure::replay: return "replay";
  }
  return "?";
}

std::uint64_t cloud_counters::attestations_rejected() const {
  std::uint64_t total = 0;
  for (auto n : attestation_rejected) total += n;
  return total;
}

crypto::digest extend_measurement(const crypto::digest& register_value,
                                  const crypto::digest& manifest_digest) {
  std::string input = crypto::to_string(register_value);
  input += crypto::as_view(manifest_digest);
  return crypto::sha256(input);
}

crypto::digest measurement_chain(const std::vector<crypto::digest>& manifest_digests) {
  crypto::digest reg{};
  for (const auto& d : manifest_digests) reg = extend_measurement(reg, d);
  return reg;
}

// ------------------------------------------------------------ configuration

test_cloud::test_cloud(const test_keys& keys, cloud_options options)
    : keys_(keys), options_(std::move(options)), random_(options_.seed, 0, "test-cloud") {
  FLEET_CHECK(options_.active_ca >= 1 && options_.active_ca <= key_slots, "test_cloud: no such CA");
  for (auto& v : ca_validity_) {
    v.not_before_us = options_.epoch_us - day_us;
    v.not_after_us = options_.epoch_us + 730 * day_us;
  }
}

test_cloud::test_cloud(const test_keys& keys, std::int64_t epoch_us)
    : test_cloud(keys, [epoch_us] {
        cloud_options o;
        o.epoch_us = epoch_us;
        return o;
      }()) {}

void test_cloud::register_device(const crypto::public_key& device_key, const std::string& product) {
  device_entry& dev = devices_[crypto::to_string(crypto::derive_device_id(device_key))];
  dev.record.public_key = device_key;
  dev.record.product = product;
}

void test_cloud::add_known_good(const wire::built_image& image) {
  known_good_[crypto::to_string(image.manifest_digest)] = image.manifest;
}

void test_cloud::publish(const wire::built_image& image) {
  add_known_good(image);
  published_[crypto::to_string(image.image_digest)] = image;
}

void test_cloud::unpublish(const crypto::digest& image_digest) {
  published_.erase(crypto::to_string(image_digest));
}

void test_cloud::set_active_ca(std::uint32_t ca_id) {
  FLEET_CHECK(ca_id >= 1 && ca_id <= key_slots, "test_cloud::set_active_ca: no such CA");
  options_.active_ca = ca_id;
}

void test_cloud::set_certificate_lifetime(fw::duration lifetime) {
  FLEET_CHECK(lifetime.count() > 0, "test_cloud::set_certificate_lifetime: not positive");
  options_.certificate_lifetime = lifetime;
}

void test_cloud::set_ca_validity(std::uint32_t ca_id, std::int64_t not_before_us,
                                 std::int64_t not_after_us) {
  FLEET_CHECK(ca_id >= 1 && ca_id <= key_slots, "test_cloud::set_ca_validity: no such CA");
  ca_validity_[ca_id - 1] = {not_before_us, not_after_us};
}

const device_record* test_cloud::device(const crypto::device_id& id) const {
  auto it = devices_.find(crypto::to_string(id));
  return it == devices_.end() ? nullptr : &it->second.record;
}

// ----------------------------------------------------------------- requests

std::vector<std::string> test_cloud::handle(fw::sim_time now, std::string_view request) {
  if (offline) {
    ++counters_.offline_ignored;
    return {};
  }
  ++counters_.requests;
  wire::Envelope in;
  const bool parsed = in.ParseFromArray(request.data(), static_cast<int>(request.size()));
  // Without a well-formed device ID there is nobody to answer.
  if (!parsed || in.device_id().size() != std::tuple_size<crypto::device_id>::value) {
    ++counters_.ignored;
    return {};
  }
  wire::Envelope reply;
  std::optional<crypto::seed> mac_key;
  if (request.size() > wire::envelope_bytes_max) {
    invalid("envelope too large", reply);
  } else {
    dispatch(now, in, reply, mac_key);
  }
  reply.set_device_id(in.device_id());
  reply.set_sequence(in.sequence());
  if (mac_key) reply.set_session_id(in.session_id());
  return emit(reply, mac_key);
}

std::vector<std::string> test_cloud::emit(wire::Envelope& reply,
                                          const std::optional<crypto::seed>& mac_key) {
  if (tamper_reply) tamper_reply(reply);
  if (mac_key) {
    reply.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(reply), *mac_key)));
  }
  if (drop_replies) {
    ++counters_.replies_dropped;
    return {};
  }
  std::string bytes = wire::serialize(reply);
  if (tamper_bytes) tamper_bytes(bytes);
  return {std::move(bytes)};
}

void test_cloud::dispatch(fw::sim_time now, const wire::Envelope& request, wire::Envelope& reply,
                          std::optional<crypto::seed>& mac_key) {
  const auto body = request.body_case();
  if (body == wire::Envelope::kChallengeRequest) return on_challenge_request(now, request, reply);
  if (body == wire::Envelope::kEvidence) return on_evidence(now, request, reply);
  if (!wire::is_session_request(body)) return invalid("not a device request", reply);

  device_entry* dev = authenticate(now, request, reply);
  if (dev == nullptr) return;
  mac_key = dev->current.key;
  switch (body) {
    case wire::Envelope::kUpdateCheck: return on_update_check(request.update_check(), reply);
    case wire::Envelope::kChunkRequest: return on_chunk_request(request.chunk_request(), reply);
    case wire::Envelope::kUpdateResult: {
      const wire::UpdateResult& r = request.update_result();
      if (r.reason().size() > wire::reason_bytes_max || r.version().size() > wire::name_bytes_max) {
        return invalid("update result past limits", reply);
      }
      dev->record.updates.push_back(
          {now, r.image_digest(), r.component(), r.version(), r.outcome(), r.reason()});
      ++counters_.update_results;
      reply.mutable_ack();
      return;
    }
    case wire::Envelope::kTelemetry: return on_telemetry(now, *dev, request.telemetry(), reply);
    default: return invalid("not a device request", reply);
  }
}

void test_cloud::invalid(const std::string& detail, wire::Envelope& reply) {
  ++counters_.invalid;
  set_error(wire::ERROR_INVALID, detail, reply);
}

void test_cloud::reject(attestation_failure reason, wire::Envelope& reply) {
  ++counters_.attestation_rejected[static_cast<std::size_t>(reason)];
  set_error(wire::ERROR_ATTESTATION_FAILED, name_of(reason), reply);
}

// -------------------------------------------------------------- attestation

void test_cloud::forget_expired_nonces(fw::sim_time now) {
  for (auto it = nonces_.begin(); it != nonces_.end();) {
    if (now - it->second.issued_at >= options_.nonce_lifetime) {
      it = nonces_.erase(it);
    } else {
      ++it;
    }
  }
}

void test_cloud::forget_used_nonces() {
  for (auto it = nonces_.begin(); it != nonces_.end();) {
    it = it->second.used ? nonces_.erase(it) : std::next(it);
  }
}

void test_cloud::on_challenge_request(fw::sim_time now, const wire::Envelope& request,
                                      wire::Envelope& reply) {
  if (nonces_.size() >= nonces_max) forget_expired_nonces(now);
  // Consumed nonces are kept only to name a replay precisely; when room is
  // short they go (a replay then fails as unknown_nonce, still refused).
  if (nonces_.size() >= nonces_max) forget_used_nonces();
  if (nonces_.size() >= nonces_max) {
    ++counters_.rate_limited;
    set_error(wire::ERROR_RATE_LIMITED, "too many outstanding challenges", reply);
    reply.mutable_error()->set_retry_after_us(
        std::chrono::duration_cast<std::chrono::microseconds>(options_.nonce_lifetime).count());
    return;
  }
  std::string nonce(wire::nonce_bytes, '\0');
  random_.fill(reinterpret_cast<std::uint8_t*>(nonce.data()), nonce.size());
  nonces_[nonce] = {request.device_id(), now, false};
  reply.mutable_challenge()->set_nonce(nonce);
  ++counters_.challenges_issued;
}

void test_cloud::on_evidence(fw::sim_time now, const wire::Envelope& request,
                             wire::Envelope& reply) {
  const wire::SignedEvidence& signed_evidence = request.evidence();
  wire::Evidence evidence;
  crypto::public_key device_key{};
  crypto::public_key device_session_key{};
  if (!evidence.ParseFromString(signed_evidence.evidence()) ||
      !crypto::to_array(evidence.device_public_key(), device_key) ||
      !crypto::to_array(evidence.session_public_key(), device_session_key) ||
      evidence.nonce().size() != wire::nonce_bytes ||
      evidence.boot_size() > static_cast<int>(fw::component_count)) {
    return reject(attestation_failure::malformed_evidence, reply);
  }
  std::vector<crypto::digest> measured;
  for (const auto& stage : evidence.boot()) {
    crypto::digest d{};
    if (!crypto::to_array(stage.manifest_digest(), d)) {
      return reject(attestation_failure::malformed_evidence, reply);
    }
    measured.push_back(d);
  }

  // Who is it?
  if (crypto::to_string(crypto::derive_device_id(device_key)) != request.device_id()) {
    return reject(attestation_failure::device_id_mismatch, reply);
  }
  auto dev_it = devices_.find(request.device_id());
  if (dev_it == devices_.end() || dev_it->second.record.public_key != device_key) {
    return reject(attestation_failure::unknown_device, reply);
  }
  device_entry& dev = dev_it->second;

  // Is it fresh? The nonce is consumed here, whatever follows.
  auto nonce_it = nonces_.find(evidence.nonce());
  if (nonce_it == nonces_.end()) return reject(attestation_failure::unknown_nonce, reply);
  nonce_entry& nonce = nonce_it->second;
  if (nonce.device_id != request.device_id()) {
    return reject(attestation_failure::nonce_wrong_device, reply);
  }
  if (nonce.used) return reject(attestation_failure::nonce_reused, reply);
  if (now - nonce.issued_at >= options_.nonce_lifetime) {
    return reject(attestation_failure::nonce_expired, reply);
  }
  nonce.used = true;

  // Did the device key say so?
  if (!crypto::verify(signed_evidence.evidence(), signed_evidence.signature(), device_key)) {
    return reject(attestation_failure::bad_signature, reply);
  }

  // Did it boot known-good software?
  crypto::digest reg = measurement_chain(measured);
  if (crypto::as_view(reg) != evidence.measurement_register()) {
    return reject(attestation_failure::measurement_mismatch, reply);
  }
  // Bootloader, security monitor and OS are required, in that order; the app
  // may be missing (the OS runs without one and can take a fixing update).
  const std::size_t required = std::size(boot_chain) - 1;
  const auto size = static_cast<std::size_t>(evidence.boot_size());
  bool complete = size >= required && size <= std::size(boot_chain);
  for (std::size_t i = 0; complete && i < size; ++i) {
    complete = evidence.boot(static_cast<int>(i)).component() == boot_chain[i];
  }
  if (!complete) return reject(attestation_failure::incomplete_boot_chain, reply);
  bool product_ok = evidence.product() == dev.record.product;
  for (const auto& stage : evidence.boot()) {
    auto good = known_good_.find(stage.manifest_digest());
    if (good == known_good_.end() || good->second.component() != stage.component() ||
        good->second.version() != stage.version()) {
      return reject(attestation_failure::unknown_measurement, reply);
    }
    product_ok = product_ok && good->second.product() == evidence.product();
  }
  if (!product_ok) return reject(attestation_failure::wrong_product, reply);

  // Session key: the service's half is fresh for every attestation.
  const auto exchange = crypto::exchange_key_from_secret(random_.next_seed());
  crypto::seed session_key{};
  if (!crypto::derive_session_key(exchange.secret_key_bytes, exchange.public_key_bytes,
                                  device_session_key, /*own_is_device=*/false, session_key)) {
    return reject(attestation_failure::bad_session_key, reply);
  }

  const std::uint32_t ca_id = options_.active_ca;
  const std::int64_t wall_us = wall_time_us(now);
  wire::Certificate certificate;
  certificate.set_serial(next_serial_++);
  certificate.set_device_id(request.device_id());
  certificate.set_device_public_key(evidence.device_public_key());
  certificate.set_issuer_ca_id(ca_id);
  certificate.set_not_before_us(wall_us);
  certificate.set_not_after_us(wall_us + options_.certificate_lifetime.count());
  certificate.set_tenant(options_.tenant);
  certificate.set_evidence_digest(crypto::to_string(crypto::sha256(signed_evidence.evidence())));

  wire::CaCertificate ca;
  ca.set_ca_id(ca_id);
  ca.set_public_key(crypto::to_string(keys_.ca(ca_id).public_key_bytes));
  ca.set_not_before_us(ca_validity_[ca_id - 1].not_before_us);
  ca.set_not_after_us(ca_validity_[ca_id - 1].not_after_us);
  ca.set_tenant(options_.tenant);

  // A new session replaces the old one: one live session per device.
  sessions_.erase(dev.current.id);
  std::uint64_t session_id = 0;
  while (session_id == 0 || sessions_.count(session_id) != 0) session_id = random_.next();
  sessions_[session_id] = request.device_id();
  dev.current = {session_id, session_key, now + options_.certificate_lifetime, request.sequence()};

  wire::CertificateIssued* issued = reply.mutable_certificate_issued();
  issued->mutable_certificate()->set_certificate(wire::serialize(certificate));
  issued->mutable_certificate()->set_signature(crypto::to_string(
      crypto::sign(issued->certificate().certificate(), keys_.ca(ca_id).secret_key_bytes)));
  issued->mutable_issuer()->set_ca_certificate(wire::serialize(ca));
  issued->mutable_issuer()->set_signature(crypto::to_string(
      crypto::sign(issued->issuer().ca_certificate(), keys_.service_root.secret_key_bytes)));
  issued->set_session_public_key(crypto::to_string(exchange.public_key_bytes));
  issued->set_session_id(session_id);

  dev.record.last_evidence = std::move(evidence);
  ++dev.record.certificates_issued;
  dev.record.last_certificate_serial = certificate.serial();
  dev.record.last_issuer_ca_id = ca_id;
  ++counters_.attestations_ok;
  ++counters_.certificates_issued;
}

// ------------------------------------------------------ session requests

test_cloud::device_entry* test_cloud::authenticate(fw::sim_time now, const wire::Envelope& request,
                                                   wire::Envelope& reply) {
  auto refuse = [&](auth_failure reason) -> device_entry* {
    ++counters_.unauthenticated[static_cast<std::size_t>(reason)];
    set_error(wire::ERROR_UNAUTHENTICATED, name_of(reason), reply);
    return nullptr;
  };
  if (request.session_id() == 0) return refuse(auth_failure::no_session);
  auto s = sessions_.find(request.session_id());
  if (s == sessions_.end()) return refuse(auth_failure::unknown_session);
  // Without this, a device could MAC requests in another device's name with its own session.
  if (s->second != request.device_id()) return refuse(auth_failure::wrong_device);
  device_entry& dev = devices_.at(s->second);
  session& current = dev.current;
  if (now >= current.expires_at) return refuse(auth_failure::session_expired);
  if (!crypto::verify_mac(wire::mac_input(request), request.mac(), current.key)) {
    return refuse(auth_failure::bad_mac);
  }
  if (request.sequence() <= current.last_sequence) return refuse(auth_failure::replay);
  current.last_sequence = request.sequence();
  return &dev;
}

void test_cloud::on_update_check(const wire::UpdateCheck& check, wire::Envelope& reply) {
  ++counters_.update_checks;
  if (check.installed_size() > static_cast<int>(fw::component_count)) {
    return invalid("too many installed components", reply);
  }
  // The newest matching published image per installed component, in component order.
  std::map<int, const wire::built_image*> newest;
  for (const auto& installed : check.installed()) {
    auto have = wire::parse_version(installed.version());
    if (!have) return invalid("unparseable installed version", reply);
    for (const auto& [digest, image] : published_) {
      const wire::Manifest& m = image.manifest;
      if (m.component() != installed.component() || m.product() != check.product()) continue;
      if (m.hardware_revisions_size() > 0 &&
          std::find(m.hardware_revisions().begin(), m.hardware_revisions().end(),
                    check.hardware_revision()) == m.hardware_revisions().end()) {
        continue;
      }
      auto offered = wire::parse_version(m.version());
      if (!offered || !(*offered > *have)) continue;
      const wire::built_image*& best = newest[m.component()];
      if (best == nullptr || *offered > *wire::parse_version(best->manifest.version())) {
        best = &image;
      }
    }
  }
  wire::UpdateOffer* offer = reply.mutable_update_offer();
  for (const auto& [component, image] : newest) {
    if (offer->manifests_size() >= static_cast<int>(wire::offer_manifests_max)) break;
    *offer->add_manifests() = image->signed_manifest;
  }
  if (offer->manifests_size() > 0) ++counters_.offers_made;
}

void test_cloud::on_chunk_request(const wire::ChunkRequest& request, wire::Envelope& reply) {
  auto it = published_.find(request.image_digest());
  if (it == published_.end() || request.index() >= it->second.chunks.size()) {
    ++counters_.chunks_not_found;
    set_error(wire::ERROR_NOT_FOUND, it == published_.end() ? "unknown image" : "no such chunk",
              reply);
    return;
  }
  wire::Chunk* chunk = reply.mutable_chunk();
  chunk->set_image_digest(request.image_digest());
  chunk->set_index(request.index());
  chunk->set_data(it->second.chunks[request.index()]);
  ++counters_.chunks_served;
}

void test_cloud::on_telemetry(fw::sim_time now, device_entry& dev,
                              const wire::TelemetryBatch& batch, wire::Envelope& reply) {
  if (batch.events_size() > static_cast<int>(wire::telemetry_events_max)) {
    return invalid("telemetry batch past limits", reply);
  }
  for (const auto& event : batch.events()) {
    if (!event_within_limits(event)) return invalid("telemetry event past limits", reply);
  }
  ++counters_.telemetry_batches;
  device_record& rec = dev.record;
  rec.dropped_events += batch.dropped_events();
  const std::uint64_t first = batch.first_event_number();
  if (first > rec.acked_through) rec.event_gaps += first - rec.acked_through;
  // A batch resent after a lost ack repeats events already stored: keep each number once.
  for (int i = 0; i < batch.events_size(); ++i) {
    const std::uint64_t number = first + static_cast<std::uint64_t>(i);
    if (number < rec.acked_through) continue;
    if (rec.events.size() >= device_record::events_max) {
      ++counters_.events_discarded;
      continue;
    }
    rec.events.push_back({number, now, batch.events(i)});
    ++counters_.telemetry_events;
  }
  const std::uint64_t acked = first + static_cast<std::uint64_t>(batch.events_size());
  rec.acked_through = std::max(rec.acked_through, acked);
  reply.mutable_telemetry_ack()->set_acked_through(acked);
}

}  // namespace fleet::testing
