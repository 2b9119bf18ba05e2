// The nonce table in a snapshot: every tracked nonce in issue order with its
// entry, the released prefix, and the per-device issue counts. The map is
// rebuilt from the FIFO (every entry is in both) and the outstanding count
// from the entries' states.
#include "fleet/cloud/nonce_table.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void nonce_table::save(::fleet::state::NonceTableState& out) const {
  out.mutable_entries()->Reserve(static_cast<int>(fifo_.size()));
  for (const issued& i : fifo_) {
    const entry& e = entries_.at(i.value);
    ::fleet::state::NonceEntry* o = out.add_entries();
    o->set_value(codec::bytes(i.value));
    o->set_issued_at(codec::us(e.issued_at));
    o->set_device(e.device);
    o->set_state(static_cast<std::uint32_t>(e.st));
    o->set_serial(e.serial);
    o->set_from_home(e.from_home);
  }
  out.set_released(released_);
  std::string counts;
  counts.reserve(issued_to_.size() * 2);
  for (const auto& c : issued_to_) {
    counts.push_back(static_cast<char>(c[0]));
    counts.push_back(static_cast<char>(c[1]));
  }
  out.set_issued_to(std::move(counts));
}

restore_status nonce_table::restore(const ::fleet::state::NonceTableState& in) {
  if (in.issued_to().size() % 2 != 0 || in.issued_to().size() / 2 > limits_.devices_max) {
    return refused("issue counts: not two bytes a device, or past devices_max");
  }
  issued_to_.resize(in.issued_to().size() / 2);
  for (std::size_t d = 0; d < issued_to_.size(); ++d) {
    issued_to_[d] = {static_cast<std::uint8_t>(in.issued_to()[2 * d]),
                     static_cast<std::uint8_t>(in.issued_to()[2 * d + 1])};
  }
  if (static_cast<std::size_t>(in.entries_size()) > limits_.tracked_max) return refused("more nonces than tracked_max");
  if (in.released() > static_cast<std::uint64_t>(in.entries_size())) return refused("more nonces released than tracked");
  for (const auto& o : in.entries()) {
    issued i;
    if (!codec::take(o.value(), i.value)) return refused("a nonce is not 32 bytes");
    entry e;
    e.issued_at = codec::time(o.issued_at());
    i.issued_at = e.issued_at;
    if (!fifo_.empty() && i.issued_at < fifo_.back().issued_at) return refused("nonces not in issue order");
    e.device = o.device();
    if (e.device >= issued_to_.size()) return refused("a nonce of a device without issue counts");
    if (o.state() > static_cast<std::uint32_t>(state::expired) || o.serial() > 0xff) {
      return refused("a nonce's state or serial out of range");
    }
    e.st = static_cast<state>(o.state());
    e.serial = static_cast<std::uint8_t>(o.serial());
    e.from_home = o.from_home();
    // Past the released prefix a nonce is within its lifetime: not expired.
    if (fifo_.size() >= in.released() && e.st == state::expired) return refused("an unreleased nonce marked expired");
    if (!entries_.emplace(i.value, e).second) return refused("a nonce tracked twice");
    fifo_.push_back(i);
    if (e.st == state::outstanding) ++outstanding_;
  }
  released_ = static_cast<std::size_t>(in.released());
  if (outstanding_ > limits_.outstanding_max) return refused("more outstanding nonces than outstanding_max");
  return restored();
}

}  // namespace fleet::cloud
