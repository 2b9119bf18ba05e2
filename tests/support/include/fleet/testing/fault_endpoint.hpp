#pragma once
// Faults and attacks at the cloud endpoint, in front of a real one: the
// service unreachable, its replies lost, a compromised service editing its
// replies before they are sealed or offering images it never signed, an
// attacker on the link editing sealed bytes. Firmware tests use it to show
// each device-side check at work; the service behind it is never changed.
//
// A compromised service holds the session keys: a reply that was sealed is
// sealed again after an edit, with the device's live session in the service
// (read through security_service::sessions_of), so only the firmware's own
// checks (signatures, digests, sizes, versions) stand in the way.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "device.pb.h"
#include "fleet/cloud/security_service.hpp"
#include "fleet/testing/cloud_endpoint.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::testing {

struct fault_counters {
  std::uint64_t passed = 0;           ///< requests handed to the endpoint behind
  std::uint64_t offline_ignored = 0;  ///< requests that never reached it (`offline`)
  std::uint64_t replies_dropped = 0;  ///< replies swallowed (`drop_replies`)
  std::uint64_t replies_edited = 0;   ///< by tamper_reply or a rogue offer, sealed again when they were sealed
  std::uint64_t rogue_offers = 0;     ///< manifests added to update offers
  std::uint64_t rogue_chunks = 0;     ///< chunks of offered images served in place of NOT_FOUND
};

class fault_endpoint : public cloud_endpoint {
 public:
  /// `service` seals edited replies again; null when the endpoint behind is
  /// not a local service (an edit of a sealed reply then fails the check).
  fault_endpoint(cloud_endpoint& inner, const cloud::security_service* service)
      : inner_(inner), service_(service) {}

  std::vector<std::string> handle(fw::sim_time now, std::string_view request) override;

  /// A compromised service offering `image` exactly as given (its signed
  /// manifest, signature included) in every update offer, whatever the
  /// device runs, and serving its chunks when the service knows no such image.
  void offer(const wire::built_image& image) { rogue_.push_back(image); }

  /// A compromised service: edits every reply before it is sealed.
  std::function<void(wire::Envelope& reply)> tamper_reply;
  /// An attacker on the link: edits the serialized reply after the seal.
  std::function<void(std::string& reply_bytes)> tamper_bytes;
  bool drop_replies = false;  ///< the service handles requests; nothing comes back
  bool offline = false;       ///< nothing reaches the service; nothing comes back

  const fault_counters& counters() const { return counters_; }

 private:
  /// Applies rogue offers and tamper_reply to one serialized reply.
  void edit(fw::sim_time now, const wire::Envelope& request, std::string& reply_bytes);
  bool add_rogue(const wire::Envelope& request, wire::Envelope& reply);
  void seal_again(fw::sim_time now, wire::Envelope& reply) const;

  cloud_endpoint& inner_;
  const cloud::security_service* service_;
  std::vector<wire::built_image> rogue_;
  fault_counters counters_;
};

}  // namespace fleet::testing
