#include "fleet/cloud/certificate_authority.hpp"

#include <algorithm>

#include "fleet/check.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::cloud {

std::size_t certificate_authority::device_id_hash::operator()(const crypto::device_id& id) const {
  // Device IDs are SHA-512 outputs: their first bytes are already uniform.
  std::size_t h = 0;
  for (std::size_t i = 0; i < sizeof h; ++i) h = (h << 8) | id[i];
  return h;
}

certificate_authority::certificate_authority(const crypto::signing_key_pair& service_root,
                                             crypto::random_stream keys, ca_settings settings)
    : root_(service_root), keys_(keys), settings_(settings) {
  FLEET_CHECK(settings_.rollover_lead < settings_.ca_lifetime, "rollover lead past the CA lifetime");
  // A certificate must never outlive its CA: the current CA always has at
  // least rollover_lead left.
  FLEET_CHECK(settings_.certificate_lifetime <= settings_.rollover_lead,
                    "certificate lifetime longer than the rollover lead");
}

bool certificate_authority::rollover_due(sim_time now, const tenant_ca& ca) const {
  return now >= ca.not_after - settings_.rollover_lead;
}

bool certificate_authority::trusted(sim_time now, const tenant_ca& ca) const {
  return ca.not_before <= now && now <= ca.not_after;
}

const certificate_authority::tenant_ca& certificate_authority::make_ca(sim_time now, std::string tenant) {
  // By value: callers may pass the tenant of a CA in cas_, which push_back may move.
  tenant_ca ca;
  ca.id = static_cast<std::uint32_t>(cas_.size() + 1);
  ca.tenant = tenant;
  ca.key = crypto::signing_key_from_seed(keys_.next_seed());
  ca.not_before = now;
  ca.not_after = now + settings_.ca_lifetime;
  wire::CaCertificate body;
  body.set_ca_id(ca.id);
  body.set_public_key(crypto::to_string(ca.key.public_key_bytes));
  body.set_not_before_us(ca.not_before.count());
  body.set_not_after_us(ca.not_after.count());
  body.set_tenant(tenant);
  ca.signed_ca.set_ca_certificate(wire::serialize(body));
  ca.signed_ca.set_signature(crypto::to_string(crypto::sign(ca.signed_ca.ca_certificate(), root_.secret_key_bytes)));
  cas_.push_back(std::move(ca));
  current_[std::move(tenant)] = cas_.back().id;
  ++counters_.cas_created;
  return cas_.back();
}

const certificate_authority::tenant_ca* certificate_authority::current_for(sim_time now, std::string_view tenant) {
  auto it = current_.find(tenant);
  if (it == current_.end()) {
    if (current_.size() >= ca_tenants_max) return nullptr;
    return &make_ca(now, std::string(tenant));
  }
  // advance(now) has rolled it over if due.
  return &cas_[it->second - 1];
}

const certificate_authority::tenant_ca* certificate_authority::signer_for(sim_time now, std::string_view tenant,
                                                                        std::string_view evidence_digest,
                                                                        std::string_view session_binding,
                                                                        issue_refusal& refusal) {
  advance(now);
  refusal = issue_refusal::none;
  if (tenant.empty() || tenant.size() > ca_tenant_bytes_max) {
    refusal = issue_refusal::bad_tenant;
  } else if (evidence_digest.size() != std::tuple_size<crypto::digest>::value) {
    refusal = issue_refusal::bad_evidence_digest;
  } else if (session_binding.size() != std::tuple_size<crypto::digest>::value) {
    refusal = issue_refusal::bad_session_binding;
  }
  if (refusal != issue_refusal::none) return nullptr;
  const tenant_ca* ca = current_for(now, tenant);
  if (ca == nullptr) refusal = issue_refusal::too_many_tenants;
  return ca;
}

issued_certificate certificate_authority::issue(sim_time now, std::string_view tenant,
                                                const crypto::device_id& device,
                                                const crypto::public_key& device_key,
                                                std::string_view evidence_digest,
                                                std::string_view session_binding) {
  issued_certificate out;
  const tenant_ca* ca = signer_for(now, tenant, evidence_digest, session_binding, out.refusal);
  if (ca == nullptr) return out;
  wire::Certificate cert;
  cert.set_serial(next_serial_++);
  cert.set_device_id(crypto::to_string(device));
  cert.set_device_public_key(crypto::to_string(device_key));
  cert.set_issuer_ca_id(ca->id);
  cert.set_not_before_us(now.count());
  cert.set_not_after_us((now + settings_.certificate_lifetime).count());
  cert.set_tenant(std::string(tenant));
  cert.set_evidence_digest(std::string(evidence_digest));
  cert.set_session_binding(std::string(session_binding));
  FLEET_CHECK(sim_time{cert.not_after_us()} <= ca->not_after, "device certificate outlives its CA");
  out.serial = cert.serial();
  out.certificate.set_certificate(wire::serialize(cert));
  out.certificate.set_signature(crypto::to_string(crypto::sign(out.certificate.certificate(), ca->key.secret_key_bytes)));
  out.issuer = ca->signed_ca;
  ++counters_.certificates_issued;
  return out;
}

issued_grant certificate_authority::grant_restricted(sim_time now, std::string_view tenant,
                                                    const crypto::device_id& device, std::string_view evidence_digest,
                                                    std::string_view session_binding, sim_time not_after,
                                                    const std::vector<wire::Component>& revoked) {
  issued_grant out;
  const tenant_ca* ca = signer_for(now, tenant, evidence_digest, session_binding, out.refusal);
  if (ca == nullptr) return out;
  FLEET_CHECK(not_after > now && not_after <= now + settings_.certificate_lifetime && not_after <= ca->not_after,
              "a restricted grant outlives a certificate or its CA");
  wire::RestrictedGrant grant;
  grant.set_device_id(crypto::to_string(device));
  grant.set_issuer_ca_id(ca->id);
  grant.set_not_after_us(not_after.count());
  grant.set_evidence_digest(std::string(evidence_digest));
  grant.set_session_binding(std::string(session_binding));
  for (const wire::Component c : revoked) grant.add_revoked(c);
  out.grant = wire::serialize(grant);
  out.signature = crypto::to_string(crypto::sign(wire::restricted_grant_input(out.grant), ca->key.secret_key_bytes));
  out.issuer = ca->signed_ca;
  ++counters_.restricted_grants;
  return out;
}

certificate_check certificate_authority::check(sim_time now, const wire::SignedCertificate& presented) {
  advance(now);
  certificate_check out;
  auto verdict = [&](certificate_status s) {
    ++counters_.checks[static_cast<std::size_t>(s)];
    out.status = s;
    return out;
  };
  wire::Certificate& cert = out.certificate;
  if (presented.signature().size() != std::tuple_size<crypto::signature>::value ||
      !cert.ParseFromString(presented.certificate()) ||
      cert.device_id().size() != std::tuple_size<crypto::device_id>::value ||
      cert.device_public_key().size() != std::tuple_size<crypto::public_key>::value ||
      cert.evidence_digest().size() != std::tuple_size<crypto::digest>::value) {
    return verdict(certificate_status::malformed);
  }
  const std::uint32_t ca_id = cert.issuer_ca_id();
  if (ca_id == 0 || ca_id > cas_.size()) return verdict(certificate_status::unknown_issuer);
  const tenant_ca& ca = cas_[ca_id - 1];
  // A CA vouches for its own tenant only.
  if (ca.tenant != cert.tenant()) return verdict(certificate_status::unknown_issuer);
  if (!crypto::verify(presented.certificate(), presented.signature(), ca.key.public_key_bytes))
    return verdict(certificate_status::bad_signature);
  if (now > ca.not_after || now > sim_time{cert.not_after_us()}) return verdict(certificate_status::expired);
  if (now < ca.not_before || now < sim_time{cert.not_before_us()}) return verdict(certificate_status::not_yet_valid);
  if (revoked_serials_.count(cert.serial()) != 0) return verdict(certificate_status::revoked);
  crypto::device_id device{};
  crypto::to_array(cert.device_id(), device);
  if (auto it = revoked_devices_.find(device);
      it != revoked_devices_.end() && sim_time{cert.not_before_us()} <= it->second) {
    return verdict(certificate_status::revoked);
  }
  return verdict(certificate_status::ok);
}

revoke_result certificate_authority::revoke(sim_time now, std::uint64_t serial) {
  advance(now);
  if (serial == 0 || serial >= next_serial_) return revoke_result::unknown_serial;
  if (revoked_serials_.count(serial) != 0) return revoke_result::already_revoked;
  if (revoked_serials_.size() >= settings_.revoked_serials_max) {
    ++counters_.revocations_refused;
    return revoke_result::list_full;
  }
  // Issued at or before now, so expired by now + lifetime: forget it then.
  revoked_serials_.insert(serial);
  serial_expiry_.emplace_back(now + settings_.certificate_lifetime, serial);
  return revoke_result::revoked;
}

revoke_result certificate_authority::revoke_device(sim_time now, const crypto::device_id& device) {
  advance(now);
  auto it = revoked_devices_.find(device);
  // A device revoked again moves its revocation time forward (certificates
  // issued since are revoked too); the deque then holds a stale entry that
  // forget_expired skips, so the deque is what the bound counts.
  if (device_expiry_.size() >= settings_.revoked_devices_max) {
    ++counters_.revocations_refused;
    return revoke_result::list_full;
  }
  const bool again = it != revoked_devices_.end();
  revoked_devices_[device] = now;
  device_expiry_.emplace_back(now + settings_.certificate_lifetime, device);
  return again ? revoke_result::already_revoked : revoke_result::revoked;
}

void certificate_authority::forget_expired(sim_time now) {
  while (!serial_expiry_.empty() && serial_expiry_.front().first < now) {
    revoked_serials_.erase(serial_expiry_.front().second);
    serial_expiry_.pop_front();
    ++counters_.revocations_forgotten;
  }
  while (!device_expiry_.empty() && device_expiry_.front().first < now) {
    auto it = revoked_devices_.find(device_expiry_.front().second);
    // Skip a stale entry: the device was revoked again later.
    if (it != revoked_devices_.end() && it->second + settings_.certificate_lifetime < now) {
      revoked_devices_.erase(it);
      ++counters_.revocations_forgotten;
    }
    device_expiry_.pop_front();
  }
}

void certificate_authority::advance(sim_time now) {
  // `now` never goes back for the service; a caller that passes an earlier
  // time still gets consistent (monotonic) bookkeeping.
  last_now_ = std::max(last_now_, now);
  forget_expired(last_now_);
  for (auto& [tenant, id] : current_) {
    if (rollover_due(last_now_, cas_[id - 1])) make_ca(last_now_, tenant);
  }
}

sim_time certificate_authority::next_deadline() const {
  sim_time next = never;
  for (const auto& [tenant, id] : current_) next = std::min(next, cas_[id - 1].not_after - settings_.rollover_lead);
  // Forgetting happens strictly after the expiry time.
  if (!serial_expiry_.empty()) next = std::min(next, serial_expiry_.front().first + 1us);
  if (!device_expiry_.empty()) next = std::min(next, device_expiry_.front().first + 1us);
  return next;
}

std::vector<wire::SignedCaCertificate> certificate_authority::trusted_cas(sim_time now, std::string_view tenant) const {
  std::vector<wire::SignedCaCertificate> out;
  for (const auto& ca : cas_)
    if (ca.tenant == tenant && trusted(now, ca)) out.push_back(ca.signed_ca);
  return out;
}

std::optional<std::uint32_t> certificate_authority::current_ca(std::string_view tenant) const {
  auto it = current_.find(tenant);
  if (it == current_.end()) return std::nullopt;
  return it->second;
}

const char* name_of(certificate_status s) {
  switch (s) {
    case certificate_status::ok: return "ok";
    case certificate_status::malformed: return "malformed";
    case certificate_status::unknown_issuer: return "unknown_issuer";
    case certificate_status::bad_signature: return "bad_signature";
    case certificate_status::expired: return "expired";
    case certificate_status::not_yet_valid: return "not_yet_valid";
    case certificate_status::revoked: return "revoked";
    case certificate_status::count_: break;
  }
  return "?";
}

const char* name_of(revoke_result r) {
  switch (r) {
    case revoke_result::revoked: return "revoked";
    case revoke_result::already_revoked: return "already_revoked";
    case revoke_result::unknown_serial: return "unknown_serial";
    case revoke_result::list_full: return "list_full";
  }
  return "?";
}

const char* name_of(issue_refusal r) {
  switch (r) {
    case issue_refusal::none: return "none";
    case issue_refusal::bad_tenant: return "bad_tenant";
    case issue_refusal::too_many_tenants: return "too_many_tenants";
    case issue_refusal::bad_evidence_digest: return "bad_evidence_digest";
    case issue_refusal::bad_session_binding: return "bad_session_binding";
  }
  return "?";
}

}  // namespace fleet::cloud
