// The session table in a snapshot: the occupied slots and the known key
// exchanges (sparse: most indices of a shard belong to other shards), the
// sweep time, the clone log and counters. The live count is rebuilt from
// the slots.
#include "fleet/cloud/session_table.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void clone_log::save(state::CloneLogState& out) const {
  for (const clone_flag& f : pending_) {
    state::CloneFlag* flag = out.add_pending();
    flag->set_at(codec::us(f.at));
    flag->set_device(f.device);
    flag->set_id(codec::bytes(f.id));
    flag->set_live_source(f.live_source);
    flag->set_new_source(f.new_source);
    flag->set_how(static_cast<std::uint32_t>(f.how));
  }
  codec::put_counts(out.mutable_flagged(), flagged_);
  out.set_dropped(dropped_);
}

restore_status clone_log::restore(const state::CloneLogState& in) {
  if (static_cast<std::size_t>(in.pending_size()) > pending_max) return refused("more pending clone flags than pending_max");
  for (const auto& f : in.pending()) {
    clone_flag flag;
    flag.at = codec::time(f.at());
    flag.device = f.device();
    if (!codec::take(f.id(), flag.id)) return refused("a clone flag's device ID is not 64 bytes");
    flag.live_source = f.live_source();
    flag.new_source = f.new_source();
    if (f.how() >= clone_signal_count) return refused("a clone signal out of range");
    flag.how = static_cast<clone_signal>(f.how());
    pending_.push_back(flag);
  }
  if (!codec::take_counts(in.flagged(), flagged_)) return refused("clone counters of another size");
  dropped_ = in.dropped();
  return restored();
}

void session_table::save(state::SessionTableState& out) const {
  for (std::size_t d = 0; d < slots_.size(); ++d) {
    const slot& s = slots_[d];
    if (s.id == 0) continue;
    state::SessionSlot* o = out.add_slots();
    o->set_device(static_cast<std::uint32_t>(d));
    o->set_id(s.id);
    o->set_key(codec::bytes(s.key));
    o->set_expires_at(codec::us(s.expires_at));
    o->set_last_sequence(s.last_sequence);
    o->set_source(s.source);
    o->set_restricted(s.restricted != 0);
  }
  for (std::size_t d = 0; d < exchanges_.size(); ++d) {
    const exchange_cache& e = exchanges_[d];
    if (!e.known) continue;
    state::KeyExchange* o = out.add_exchanges();
    o->set_device(static_cast<std::uint32_t>(d));
    o->set_device_share(codec::bytes(e.device_share));
    o->set_service_share(codec::bytes(e.service_share));
    o->set_shared(codec::bytes(e.shared));
  }
  out.set_next_sweep(codec::us(next_sweep_));
  clones_.save(*out.mutable_clones());
  out.set_opened(counters_.opened);
  out.set_replaced(counters_.replaced);
  out.set_expired(counters_.expired);
  out.set_ended(counters_.ended);
  out.set_authenticated(counters_.authenticated);
  out.set_restricted_opened(counters_.restricted_opened);
  codec::put_counts(out.mutable_open_refused(), counters_.open_refused);
  codec::put_counts(out.mutable_auth_refused(), counters_.auth_refused);
}

restore_status session_table::restore(const state::SessionTableState& in) {
  for (const auto& o : in.slots()) {
    const device_index d = o.device();
    if (d >= limits_.devices_max) return refused("a session of a device index past devices_max");
    if (o.id() == 0 || index_of(o.id()) != d) return refused("a session ID that is not its device's");
    if (slots_.size() <= d) slots_.resize(std::size_t{d} + 1);
    slot& s = slots_[d];
    if (s.id != 0) return refused("two sessions of one device");
    if (live_ >= limits_.sessions_max) return refused("more sessions than sessions_max");
    if (!codec::take(o.key(), s.key)) return refused("a session key is not 32 bytes");
    s.id = o.id();
    s.expires_at = codec::time(o.expires_at());
    if (o.last_sequence() > session_sequence_max) return refused("a session sequence past its bound");
    s.last_sequence = o.last_sequence();
    s.source = o.source();
    s.restricted = o.restricted() ? 1 : 0;
    ++live_;
  }
  for (const auto& o : in.exchanges()) {
    const device_index d = o.device();
    if (d >= limits_.devices_max) return refused("a key exchange of a device index past devices_max");
    if (exchanges_.size() <= d) exchanges_.resize(std::size_t{d} + 1);
    exchange_cache& e = exchanges_[d];
    if (e.known) return refused("two key exchanges of one device");
    if (!codec::take(o.device_share(), e.device_share) || !codec::take(o.service_share(), e.service_share) ||
        !codec::take(o.shared(), e.shared)) {
      return refused("a key exchange whose keys are not 32 bytes");
    }
    e.known = true;
  }
  next_sweep_ = codec::time(in.next_sweep());
  if (auto r = codec::within("clone log", clones_.restore(in.clones())); !r.ok()) return r;
  counters_.opened = in.opened();
  counters_.replaced = in.replaced();
  counters_.expired = in.expired();
  counters_.ended = in.ended();
  counters_.authenticated = in.authenticated();
  counters_.restricted_opened = in.restricted_opened();
  if (!codec::take_counts(in.open_refused(), counters_.open_refused) ||
      !codec::take_counts(in.auth_refused(), counters_.auth_refused)) {
    return refused("refusal counters of another size");
  }
  return restored();
}

}  // namespace fleet::cloud
