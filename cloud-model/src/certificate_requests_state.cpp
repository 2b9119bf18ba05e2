// What the service remembers of certificate-authenticated requests, in a
// snapshot: one entry per device, sorted by device (the map's order is not
// observable, the saved bytes should not depend on it).
#include <algorithm>
#include <vector>

#include "certificate_requests.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void certificate_requests::save(state::CertificateRequestsState& out) const {
  std::vector<device_index> devices;
  devices.reserve(uses_.size());
  for (const auto& u : uses_) devices.push_back(u.first);
  std::sort(devices.begin(), devices.end());
  for (const device_index d : devices) {
    const use& u = uses_.at(d);
    state::CertificateUse* o = out.add_uses();
    o->set_device(d);
    o->set_last_sequence(u.last_sequence);
    o->set_serial(u.serial);
    o->set_source(u.source);
  }
}

restore_status certificate_requests::restore(const state::CertificateRequestsState& in, std::uint32_t devices_max) {
  for (const auto& o : in.uses()) {
    if (o.device() >= devices_max) return refused("a device index past devices_max");
    if (o.last_sequence() > request_sequence_max) return refused("a sequence past request_sequence_max");
    if (!uses_.emplace(o.device(), use{o.last_sequence(), o.serial(), o.source()}).second) {
      return refused("a device saved twice");
    }
  }
  return restored();
}

}  // namespace fleet::cloud
