#pragma once
// A seam inside the update delivery, where a compromised mirror or
// distribution point would sit: the service hands it each update offer and
// each chunk it is about to send, before the reply is sealed. What it
// changes therefore reaches the device under a valid session MAC (unlike a
// man in the middle on the link): only the device's own checks of the signed
// manifest and the chunk digests stand in its way. The service knows nothing
// of who sets it or why; simulations of attacks do.

#include <cstdint>

#include "device.pb.h"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

class distribution_tamper {
 public:
  virtual ~distribution_tamper() = default;
  /// The offer answering `check` from `device`; may replace its manifests.
  /// Returns 0 when it left the offer as it was, else a tag of its own
  /// (served_reply::tampered_by), which the service passes on untouched.
  virtual std::uint32_t on_offer(sim_time now, device_index device, const wire::UpdateCheck& check,
                                 wire::UpdateOffer& offer) = 0;
  /// A chunk about to be served to `device`; may change its bytes. Returns
  /// 0 or its tag, as on_offer.
  virtual std::uint32_t on_chunk(sim_time now, device_index device, wire::Chunk& chunk) = 0;
  /// A chunk the service does not have (of an image it never stored): the
  /// mirror may serve one of its own builds. True when it filled `out`.
  virtual bool serve_unknown_chunk(sim_time now, device_index device, const wire::ChunkRequest& request,
                                   wire::Chunk& out) = 0;
};

}  // namespace fleet::cloud
