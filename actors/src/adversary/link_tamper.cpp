#include "adversary/link_tamper.hpp"

#include "device.pb.h"
#include "fleet/wire/envelope.hpp"
#include "network/seed_hash.hpp"

namespace fleet::actors {
namespace {

bool authenticated(const std::string& bytes) {
  wire::Envelope env;
  if (!env.ParseFromString(bytes)) return false;
  return !env.mac().empty() || env.has_evidence() || env.has_certificate_issued();
}

}  // namespace

bool reads_back_the_same(const std::string& sent, const std::string& altered) {
  wire::Envelope before, after;
  if (!before.ParseFromString(sent) || !after.ParseFromString(altered)) return false;
  return wire::serialize(before) == wire::serialize(after);
}

link_tamper::link_tamper(const std::vector<input::attack>& attacks, std::uint64_t run_seed) : run_seed_(run_seed) {
  for (std::size_t a = 0; a < attacks.size(); ++a) {
    if (std::holds_alternative<input::man_in_the_middle>(attacks[a].kind)) attacks_.push_back({a, attacks[a]});
  }
}

bool link_tamper::sits_on(std::size_t index, std::uint64_t device) const {
  for (const wire_attack& w : attacks_) {
    if (w.index == index) return chosen(run_seed_, salt_attack + index, device, w.what.fraction);
  }
  return false;
}

void link_tamper::on_the_wire(std::uint64_t device, fw::sim_time now, sim_message& m) const {
  for (const wire_attack& w : attacks_) {
    if (!w.what.active_at(now) || !chosen(run_seed_, salt_attack + w.index, device, w.what.fraction)) continue;
    if (m.bytes.empty() || !authenticated(m.bytes)) return;
    const std::uint64_t h = mix(mix(run_seed_ ^ (salt_attack + w.index)) ^ mix(m.source) ^ m.sequence);
    const std::string sent = m.bytes;
    m.bytes[h % m.bytes.size()] ^= static_cast<char>(1u << (h >> 61));
    // The flipped bytes travel on; a flip protobuf reads past is no attempt.
    if (reads_back_the_same(sent, m.bytes)) return;
    m.altered_by = static_cast<std::uint32_t>(w.index + 1);
    return;
  }
}

}  // namespace fleet::actors
