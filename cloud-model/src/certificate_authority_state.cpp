// The CA in a snapshot: its key stream, every tenant CA with its key, the
// serial counter, the revocations with their expiry queues, and counters.
// The revoked-serial set is rebuilt from its expiry queue (revoke fills both).
#include <algorithm>
#include <limits>

#include "fleet/cloud/certificate_authority.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void certificate_authority::save(state::CaState& out) const {
  codec::put_stream(out.mutable_keys(), keys_);
  for (const tenant_ca& ca : cas_) {
    state::TenantCaState* c = out.add_cas();
    c->set_tenant(ca.tenant);
    c->set_secret_key(codec::bytes(ca.key.secret_key_bytes));
    c->set_not_before(codec::us(ca.not_before));
    c->set_not_after(codec::us(ca.not_after));
    *c->mutable_signed_ca() = ca.signed_ca;
  }
  out.set_next_serial(next_serial_);
  for (const auto& [at, serial] : serial_expiry_) {
    state::SerialExpiry* e = out.add_serial_expiry();
    e->set_at(codec::us(at));
    e->set_serial(serial);
  }
  // By device ID so that the same state saves to the same bytes.
  std::map<crypto::device_id, sim_time> devices(revoked_devices_.begin(), revoked_devices_.end());
  for (const auto& [device, at] : devices) {
    state::DeviceRevocation* r = out.add_revoked_devices();
    r->set_device(codec::bytes(device));
    r->set_at(codec::us(at));
  }
  for (const auto& [at, device] : device_expiry_) {
    state::DeviceRevocation* r = out.add_device_expiry();
    r->set_device(codec::bytes(device));
    r->set_at(codec::us(at));
  }
  out.set_last_now(codec::us(last_now_));
  out.set_cas_created(counters_.cas_created);
  out.set_certificates_issued(counters_.certificates_issued);
  out.set_restricted_grants(counters_.restricted_grants);
  codec::put_counts(out.mutable_checks(), counters_.checks);
  out.set_revocations_refused(counters_.revocations_refused);
  out.set_revocations_forgotten(counters_.revocations_forgotten);
}

restore_status certificate_authority::restore(const state::CaState& in) {
  if (!codec::take_stream(in.keys(), keys_)) return refused("the key stream is not 4 words, or all zero");
  for (const auto& c : in.cas()) {
    tenant_ca ca;
    ca.id = static_cast<std::uint32_t>(cas_.size() + 1);
    if (c.tenant().empty() || c.tenant().size() > ca_tenant_bytes_max) return refused("a CA's tenant name is empty or too long");
    ca.tenant = c.tenant();
    if (!codec::take(c.secret_key(), ca.key.secret_key_bytes)) return refused("a CA key is not 64 bytes");
    // libsodium's secret key carries the public key in its second half.
    std::copy(ca.key.secret_key_bytes.begin() + 32, ca.key.secret_key_bytes.end(), ca.key.public_key_bytes.begin());
    ca.not_before = codec::time(c.not_before());
    ca.not_after = codec::time(c.not_after());
    if (ca.not_after < ca.not_before) return refused("a CA that expires before it starts");
    ca.signed_ca = c.signed_ca();
    // The newest CA of a tenant is its current one (make_ca appends).
    current_[ca.tenant] = ca.id;
    cas_.push_back(std::move(ca));
  }
  if (current_.size() > ca_tenants_max) return refused("more tenants than ca_tenants_max");
  if (in.next_serial() == 0) return refused("serial 0 is never issued");
  next_serial_ = in.next_serial();
  if (static_cast<std::size_t>(in.serial_expiry_size()) > settings_.revoked_serials_max) {
    return refused("more revoked serials than revoked_serials_max");
  }
  sim_time previous{std::numeric_limits<std::int64_t>::min()};
  for (const auto& e : in.serial_expiry()) {
    if (e.serial() == 0 || e.serial() >= next_serial_) return refused("a revoked serial that was never issued");
    if (codec::time(e.at()) < previous) return refused("the revoked serials are not in expiry order");
    previous = codec::time(e.at());
    if (!revoked_serials_.insert(e.serial()).second) return refused("a serial revoked twice");
    serial_expiry_.emplace_back(previous, e.serial());
  }
  if (static_cast<std::size_t>(in.device_expiry_size()) > settings_.revoked_devices_max ||
      in.revoked_devices_size() > in.device_expiry_size()) {
    return refused("more revoked devices than revoked_devices_max");
  }
  for (const auto& r : in.revoked_devices()) {
    crypto::device_id device{};
    if (!codec::take(r.device(), device)) return refused("a revoked device ID is not 64 bytes");
    if (!revoked_devices_.emplace(device, codec::time(r.at())).second) return refused("a device revoked twice");
  }
  previous = sim_time{std::numeric_limits<std::int64_t>::min()};
  for (const auto& r : in.device_expiry()) {
    crypto::device_id device{};
    if (!codec::take(r.device(), device)) return refused("a revoked device ID is not 64 bytes");
    if (codec::time(r.at()) < previous) return refused("the device revocations are not in expiry order");
    previous = codec::time(r.at());
    device_expiry_.emplace_back(previous, device);
  }
  last_now_ = codec::time(in.last_now());
  counters_.cas_created = in.cas_created();
  counters_.certificates_issued = in.certificates_issued();
  counters_.restricted_grants = in.restricted_grants();
  if (!codec::take_counts(in.checks(), counters_.checks)) return refused("check counters of another size");
  counters_.revocations_refused = in.revocations_refused();
  counters_.revocations_forgotten = in.revocations_forgotten();
  return restored();
}

}  // namespace fleet::cloud
