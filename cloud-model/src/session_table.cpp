#include "fleet/cloud/session_table.hpp"

#include <algorithm>
#include <utility>

#include "fleet/check.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::cloud {

const char* name_of(open_refusal r) {
  switch (r) {
    case open_refusal::none: return "none";
    case open_refusal::bad_session_key: return "bad_session_key";
    case open_refusal::sessions_max: return "sessions_max";
  }
  return "?";
}

const char* name_of(auth_failure f) {
  switch (f) {
    case auth_failure::none: return "none";
    case auth_failure::no_session: return "no_session";
    case auth_failure::unknown_session: return "unknown_session";
    case auth_failure::wrong_device: return "wrong_device";
    case auth_failure::session_expired: return "session_expired";
    case auth_failure::bad_mac: return "bad_mac";
    case auth_failure::replay: return "replay";
    case auth_failure::cloned_identity: return "cloned_identity";
  }
  return "?";
}

const char* name_of(clone_signal s) {
  switch (s) {
    case clone_signal::attested_elsewhere: return "attested_elsewhere";
    case clone_signal::session_source_changed: return "session_source_changed";
    case clone_signal::certificate_elsewhere: return "certificate_elsewhere";
  }
  return "?";
}

session_table::session_table(const session_limits& limits, device_lookup lookup)
    : limits_(limits), lookup_(std::move(lookup)) {
  FLEET_CHECK(static_cast<bool>(lookup_), "session table needs a device lookup");
  FLEET_CHECK(limits_.sessions_max > 0, "sessions_max must be positive");
}

void session_table::free_slot(slot& s) {
  FLEET_CHECK(s.id != 0 && live_ > 0, "freeing a free session slot");
  s = slot{};
  --live_;
}

void session_table::sweep(sim_time now) {
  if (now < next_sweep_) return;
  sim_time earliest = never;
  for (slot& s : slots_) {
    if (s.id == 0) continue;
    if (now >= s.expires_at) {
      free_slot(s);
      ++counters_.expired;
    } else {
      earliest = std::min(earliest, s.expires_at);
    }
  }
  next_sweep_ = earliest;
}

opened_session session_table::open(sim_time now, device_index device, source_id source,
                                   const crypto::public_key& device_session_key, sim_time expires_at,
                                   std::uint64_t evidence_sequence, crypto::random_stream& random,
                                   bool restricted) {
  FLEET_CHECK(device < limits_.devices_max, "device index past devices_max");
  FLEET_CHECK(expires_at > now, "session would start expired");
  if (slots_.size() <= device) slots_.resize(std::size_t{device} + 1);
  slot& s = slots_[device];
  if (s.id != 0 && now >= s.expires_at) {
    free_slot(s);
    ++counters_.expired;
  }
  const bool replacing = s.id != 0;
  if (!replacing && live_ >= limits_.sessions_max) sweep(now);
  if (!replacing && live_ >= limits_.sessions_max) {
    ++counters_.open_refused[static_cast<std::size_t>(open_refusal::sessions_max)];
    return {open_refusal::sessions_max, 0, {}};
  }
  if (exchanges_.size() <= device) exchanges_.resize(std::size_t{device} + 1);
  exchange_cache& exchange = exchanges_[device];
  if (!exchange.known || exchange.device_share != device_session_key) {
    // A share not seen before (a new boot of the device, or a first
    // attestation): a fresh half, and the secret they share.
    const crypto::exchange_key_pair own = crypto::exchange_key_from_secret(random.next_seed());
    exchange_cache fresh{device_session_key, own.public_key_bytes, {}, true};
    if (!crypto::exchange_shared_secret(own.secret_key_bytes, device_session_key, fresh.shared)) {
      ++counters_.open_refused[static_cast<std::size_t>(open_refusal::bad_session_key)];
      return {open_refusal::bad_session_key, 0, {}};
    }
    exchange = fresh;
  }
  if (replacing) {
    ++counters_.replaced;
  } else {
    ++live_;
  }
  // High half random and never zero: the ID is never 0 and differs from the last one.
  std::uint64_t high = 0;
  do {
    high = random.next() >> 32;
  } while (high == 0 || (high << 32 | device) == s.id);
  const std::uint64_t id = high << 32 | device;
  const crypto::seed key = crypto::session_key_from(exchange.shared, exchange.device_share, exchange.service_share, id);
  s = slot{id, key, expires_at, std::min(evidence_sequence, session_sequence_max), restricted ? 1u : 0u, source};
  ++counters_.opened;
  if (restricted) ++counters_.restricted_opened;
  return {open_refusal::none, s.id, exchange.service_share};
}

auth_result session_table::refuse(auth_failure f) {
  ++counters_.auth_refused[static_cast<std::size_t>(f)];
  return {f, 0, false};
}

auth_result session_table::authenticate(sim_time now, const wire::Envelope& request, source_id source) {
  if (request.session_id() == 0) return refuse(auth_failure::no_session);
  const device_index device = index_of(request.session_id());
  if (device >= slots_.size() || slots_[device].id != request.session_id()) {
    return refuse(auth_failure::unknown_session);
  }
  slot& s = slots_[device];
  // Without this, a device could act in another's name with its own session.
  crypto::device_id id{};
  if (!crypto::to_array(request.device_id(), id)) return refuse(auth_failure::wrong_device);
  const auto named = lookup_(id);
  if (!named || named->index != device) return refuse(auth_failure::wrong_device);
  if (now >= s.expires_at) {
    free_slot(s);
    ++counters_.expired;
    return refuse(auth_failure::session_expired);
  }
  if (!crypto::verify_mac(wire::mac_input(request), request.mac(), s.key)) {
    return refuse(auth_failure::bad_mac);
  }
  // Replays are refused before the source is compared: a copy of a valid
  // request resent from elsewhere is a replay, not a clone. Only a holder
  // of the session key can make a fresh request, so only it can be flagged.
  if (request.sequence() <= s.last_sequence || request.sequence() > session_sequence_max) {
    return refuse(auth_failure::replay);
  }
  if (source != s.source) {
    clones_.flag({now, device, id, s.source, source, clone_signal::session_source_changed});
    free_slot(s);
    ++counters_.ended;
    return refuse(auth_failure::cloned_identity);
  }
  s.last_sequence = request.sequence();
  ++counters_.authenticated;
  return {auth_failure::none, device, s.restricted != 0};
}

void session_table::seal(wire::Envelope& reply, device_index device) const {
  FLEET_CHECK(device < slots_.size() && slots_[device].id != 0, "sealing without a session");
  const slot& s = slots_[device];
  reply.set_session_id(s.id);
  reply.set_mac(crypto::to_string(crypto::compute_mac(wire::mac_input(reply), s.key)));
}

void session_table::end(device_index device) {
  if (device >= slots_.size() || slots_[device].id == 0) return;
  free_slot(slots_[device]);
  ++counters_.ended;
}

std::optional<source_id> session_table::live_source(sim_time now, device_index device) const {
  if (device >= slots_.size()) return std::nullopt;
  const slot& s = slots_[device];
  if (s.id == 0 || now >= s.expires_at) return std::nullopt;
  return s.source;
}

}  // namespace fleet::cloud
