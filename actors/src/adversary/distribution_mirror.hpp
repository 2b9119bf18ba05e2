#pragma once
// The compromised mirrors of a scenario's attacks (rogue_image,
// tampered_image, rollback_image, mix_and_match, freeze, endless_data,
// leaked_signing_key): a
// distribution point inside the update delivery, set on the security
// service as its distribution_tamper. Which devices each serves is a share
// drawn per device from the run's seed (as for a man in the middle's links);
// while it lasts, it answers their update checks with its own manifest in
// place of the cloud's, or alters the chunks they download. The service
// seals what it serves, so the session MAC does not stop it: the firmware's
// checks of the signed manifest and the chunk digests must.
//
// Called on the cloud host's thread, in the service's handling order: the
// mirror's choices (and so the run) do not depend on threads.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "device.pb.h"
#include "engine/partition_plan.hpp"
#include "fleet/cloud/distribution_tamper.hpp"
#include "fleet/cloud/image_service.hpp"
#include "fleet/actors/run_input.hpp"
#include "fleet/wire/image.hpp"

namespace fleet::actors {

class distribution_mirror final : public cloud::distribution_tamper {
 public:
  /// `manifests`: the genuine signed manifest of each scenario image, in
  /// scenario order; `images`: the service's, for the key devices trust and
  /// the one a leak hands over. The service is the partition's (`plan`):
  /// the device indices it passes are slots, which the mirror maps back to
  /// the fleet's devices, so which devices it serves does not depend on P.
  distribution_mirror(const input::run_input& s, std::vector<wire::SignedManifest> manifests,
                      const cloud::image_service& images, const partition_plan& plan);

  bool any() const { return !attacks_.empty(); }
  /// 1 + the index of the attack that altered the offer or chunk; 0 when none did.
  std::uint32_t on_offer(cloud::sim_time now, cloud::device_index device, const wire::UpdateCheck& check,
                         wire::UpdateOffer& offer) override;
  std::uint32_t on_chunk(cloud::sim_time now, cloud::device_index device, wire::Chunk& chunk) override;
  /// The chunks of the leaked-key builds.
  bool serve_unknown_chunk(cloud::sim_time now, cloud::device_index device, const wire::ChunkRequest& request,
                           wire::Chunk& out) override;

 private:
  struct mirror_attack {
    std::size_t index = 0;  ///< into input::attacks
    input::attack what;
  };
  /// A rogue build's manifest, three ways (see RogueImage in scenario.proto).
  struct rogue_manifests {
    wire::SignedManifest own_key;       ///< the attacker's key under its own ID
    wire::SignedManifest forged;        ///< the attacker's key under the service's ID
    wire::SignedManifest repointed;     ///< a genuine manifest pointed at the rogue build
  };
  /// The first attack serving `device` at `now`: one that answers `check`,
  /// or with none, one that alters chunks.
  const mirror_attack* serving(cloud::sim_time now, std::uint64_t device, const wire::UpdateCheck* check) const;
  /// Whether the device that sent `check` is one `image` was made for.
  bool fits(const input::image& image, const wire::UpdateCheck& check) const;
  void build_rogue(const input::run_input& s, std::uint32_t trusted_key_id);
  void build_leaked(const input::run_input& s, const crypto::signing_key_pair& leaked);

  const input::run_input& s_;
  partition_plan plan_;
  std::vector<mirror_attack> attacks_;
  std::vector<wire::SignedManifest> manifests_;     ///< by scenario image
  std::map<std::string, rogue_manifests> rogue_;    ///< by product name
  std::map<std::string, wire::built_image> leaked_;  ///< by product name: signed with the leaked key
};

}  // namespace fleet::actors
