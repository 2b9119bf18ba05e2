#pragma once
// What the service remembers of the requests a device authenticates with its
// certificate and a proof of possession instead of a session: the highest
// sequence accepted (a copy of a request is refused), and the certificate
// and network source it came with (the same certificate from a second
// source is a second holder of the key: a clone, as for sessions).
//
// Memory: an entry (about 64 bytes in a hash map) per device that used its
// certificate so; entries are made only after a proof verified, so their
// number is bounded by the registered devices.

#include <cstdint>
#include <unordered_map>

#include "fleet/cloud/device_directory.hpp"
#include "fleet/cloud/snapshot.hpp"

namespace fleet::cloud {

/// Envelope sequences above this are refused: numbers a device sends are bounded.
inline constexpr std::uint64_t request_sequence_max = std::uint64_t{1} << 62;

enum class certificate_request_verdict : std::uint8_t {
  fresh,
  replay,        ///< sequence not above the last accepted one, or past request_sequence_max
  other_source,  ///< the same certificate came from another source before
};

class certificate_requests {
 public:
  /// How a request with a verified proof stands against the earlier ones.
  certificate_request_verdict judge(device_index device, std::uint64_t sequence, std::uint64_t serial,
                                    source_id source) const {
    if (sequence == 0 || sequence > request_sequence_max) return certificate_request_verdict::replay;
    const auto it = uses_.find(device);
    if (it == uses_.end()) return certificate_request_verdict::fresh;
    if (sequence <= it->second.last_sequence) return certificate_request_verdict::replay;
    if (it->second.serial == serial && it->second.source != source) return certificate_request_verdict::other_source;
    return certificate_request_verdict::fresh;
  }
  /// Records a request judged fresh and served.
  void accept(device_index device, std::uint64_t sequence, std::uint64_t serial, source_id source) {
    uses_[device] = {sequence, serial, source};
  }
  /// Where the device's last certificate request came from (for a clone flag).
  source_id last_source(device_index device) const {
    const auto it = uses_.find(device);
    return it == uses_.end() ? 0 : it->second.source;
  }

  /// Its whole state, for a snapshot (certificate_requests_state.cpp).
  void save(state::CertificateRequestsState& out) const;
  /// Takes a saved state into an empty one; `devices_max` bounds the indices.
  restore_status restore(const state::CertificateRequestsState& in, std::uint32_t devices_max);

 private:
  struct use {
    std::uint64_t last_sequence = 0;
    std::uint64_t serial = 0;  ///< of the certificate last presented
    source_id source = 0;
  };
  std::unordered_map<device_index, use> uses_;
};

}  // namespace fleet::cloud
