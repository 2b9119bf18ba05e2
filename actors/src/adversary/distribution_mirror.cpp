#include "adversary/distribution_mirror.hpp"

#include <algorithm>
#include <variant>

#include "engine/fleet_setup.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/envelope.hpp"
#include "fleet/wire/image.hpp"
#include "network/seed_hash.hpp"

namespace fleet::actors {
namespace {

/// Version of the rogue build: above anything a scenario ships.
constexpr char rogue_version[] = "99.0.0";
constexpr std::uint64_t rogue_bytes = 32 * 1024;
/// The attacker's own key ID: one no device's ROM holds.
constexpr std::uint32_t rogue_key_offset = 1000;
/// What endless data adds to a chunk: a chunk's worth more than the manifest says.
constexpr std::size_t endless_extra_bytes = fleet_chunk_bytes;

bool serves_offers(const input::attack_kind& k) {
  return std::holds_alternative<input::rogue_image>(k) || std::holds_alternative<input::rollback_image>(k) ||
         std::holds_alternative<input::mix_and_match>(k) || std::holds_alternative<input::freeze>(k) ||
         std::holds_alternative<input::leaked_signing_key>(k);
}

/// The attacker's own app for `product`, version 99.0.0, past any
/// anti-rollback counter; its manifest is signed by the caller.
wire::image_spec own_build_spec(const std::string& product, std::uint32_t key_id) {
  wire::image_spec spec;
  spec.component = wire::APP;
  spec.image_name = product + "-app";
  spec.version = rogue_version;
  spec.product = product;
  spec.security_version = 1000;
  spec.expires_at_us = image_expiry_us;
  spec.signing_key_id = key_id;
  spec.chunk_size_bytes = fleet_chunk_bytes;
  return spec;
}

/// The image-signing key the fleet was made with: the one a leak exposes.
constexpr std::uint32_t fleet_key_id = 1;

/// The image a rollback, mix-and-match or freeze serves.
std::size_t served_image(const input::attack_kind& k) {
  if (const auto* r = std::get_if<input::rollback_image>(&k)) return r->image;
  if (const auto* m = std::get_if<input::mix_and_match>(&k)) return m->image;
  return std::get<input::freeze>(k).image;
}

}  // namespace

distribution_mirror::distribution_mirror(const input::run_input& s, std::vector<wire::SignedManifest> manifests,
                                         const cloud::image_service& images, const partition_plan& plan)
    : s_(s), plan_(plan), manifests_(std::move(manifests)) {
  bool rogue = false;
  bool leaked = false;
  for (std::size_t a = 0; a < s.attacks.size(); ++a) {
    if (!input::in_the_mirror(s.attacks[a].kind)) continue;
    attacks_.push_back({a, s.attacks[a]});
    rogue = rogue || std::holds_alternative<input::rogue_image>(s.attacks[a].kind);
    leaked = leaked || std::holds_alternative<input::leaked_signing_key>(s.attacks[a].kind);
  }
  if (rogue) build_rogue(s, images.current_key_id());
  if (leaked) build_leaked(s, *images.leaked_key(fleet_key_id));
}

// One build per product, signed with the leaked key under its own ID: a
// manifest as genuine as the service's, for a build the service never made.
void distribution_mirror::build_leaked(const input::run_input& s, const crypto::signing_key_pair& leaked) {
  for (const input::product& p : s.fleet.products) {
    leaked_[p.name] =
        wire::build_image(own_build_spec(p.name, fleet_key_id),
                          wire::synthetic_image_content("leaked", rogue_version, rogue_bytes), leaked.secret_key_bytes);
  }
}

// One rogue build per product, its manifest made three ways; each answer
// picks one, so all three are tried.
void distribution_mirror::build_rogue(const input::run_input& s, std::uint32_t trusted_key_id) {
  crypto::random_stream keys(s.seed, salt_attack, "mirror-key");
  const crypto::signing_key_pair attacker = crypto::signing_key_from_seed(keys.next_seed());
  for (std::size_t p = 0; p < s.fleet.products.size(); ++p) {
    const std::string& product = s.fleet.products[p].name;
    const wire::image_spec spec = own_build_spec(product, trusted_key_id + rogue_key_offset);
    const wire::built_image built =
        wire::build_image(spec, wire::synthetic_image_content("rogue", rogue_version, rogue_bytes),
                          attacker.secret_key_bytes);
    rogue_manifests& r = rogue_[product];
    r.own_key = built.signed_manifest;
    wire::Manifest forged = built.manifest;
    forged.set_signing_key_id(trusted_key_id);
    r.forged = wire::sign_manifest(forged, attacker.secret_key_bytes);
    // The product's last APP image in the file: its genuine manifest, pointed at the rogue build.
    for (std::size_t i = 0; i < s.images.size(); ++i) {
      if (s.images[i].product != p || s.images[i].component != fw::component::app) continue;
      wire::Manifest genuine;
      genuine.ParseFromString(manifests_[i].manifest());
      genuine.set_version(rogue_version);
      genuine.set_size_bytes(built.manifest.size_bytes());
      *genuine.mutable_chunk_digests() = built.manifest.chunk_digests();
      genuine.set_image_digest(built.manifest.image_digest());
      r.repointed.set_manifest(wire::serialize(genuine));
      r.repointed.set_signature(manifests_[i].signature());
    }
  }
}

const distribution_mirror::mirror_attack* distribution_mirror::serving(cloud::sim_time now,
                                                                       std::uint64_t device,
                                                                       const wire::UpdateCheck* check) const {
  const bool chunks = check == nullptr;
  for (const mirror_attack& m : attacks_) {
    if (serves_offers(m.what.kind) == chunks || !m.what.active_at(now)) continue;
    if (!chosen(s_.seed, salt_attack + m.index, device, m.what.fraction)) continue;
    // Mix-and-match goes to the devices the image was not made for; to the
    // others it would be a genuine update.
    const auto* mix = std::get_if<input::mix_and_match>(&m.what.kind);
    if (mix != nullptr && fits(s_.images[mix->image], *check)) continue;
    return &m;
  }
  return nullptr;
}

bool distribution_mirror::fits(const input::image& image, const wire::UpdateCheck& check) const {
  if (s_.fleet.products[image.product].name != check.product()) return false;
  const auto& revisions = image.hardware_revisions;
  return revisions.empty() || std::find(revisions.begin(), revisions.end(), check.hardware_revision()) != revisions.end();
}

std::uint32_t distribution_mirror::on_offer(cloud::sim_time now, cloud::device_index slot,
                                            const wire::UpdateCheck& check, wire::UpdateOffer& offer) {
  const std::uint64_t device = plan_.device_at(slot);
  const mirror_attack* m = serving(now, device, &check);
  if (m == nullptr) return 0;
  wire::SignedManifest served;
  if (std::holds_alternative<input::rogue_image>(m->what.kind)) {
    const auto it = rogue_.find(check.product());
    if (it == rogue_.end()) return 0;  // a product the scenario does not have
    const std::uint64_t pick =
        mix(mix(s_.seed ^ (salt_attack + m->index)) ^ device ^ mix(static_cast<std::uint64_t>(now.count()))) % 3;
    served = pick == 0 ? it->second.own_key : pick == 1 ? it->second.forged : it->second.repointed;
  } else if (std::holds_alternative<input::leaked_signing_key>(m->what.kind)) {
    const auto it = leaked_.find(check.product());
    if (it == leaked_.end()) return 0;
    served = it->second.signed_manifest;
    offer.clear_key_store();  // what would name the key revoked: withheld
  } else {
    served = manifests_[served_image(m->what.kind)];
  }
  // In place of what the cloud offered, if anything: the mirror answers alone.
  offer.clear_manifests();
  *offer.add_manifests() = std::move(served);
  return static_cast<std::uint32_t>(m->index + 1);
}

std::uint32_t distribution_mirror::on_chunk(cloud::sim_time now, cloud::device_index slot, wire::Chunk& chunk) {
  const std::uint64_t device = plan_.device_at(slot);
  const mirror_attack* m = serving(now, device, nullptr);
  if (m == nullptr || chunk.data().empty()) return 0;
  std::string& data = *chunk.mutable_data();
  if (const auto* t = std::get_if<input::tampered_image>(&m->what.kind)) {
    // Aimed at one chunk: the others pass as they are, and are no attempt.
    if (t->chunk && *t->chunk != chunk.index()) return 0;
    const std::uint64_t h = mix(mix(s_.seed ^ (salt_attack + m->index)) ^ device ^ mix(chunk.index()));
    data[h % data.size()] ^= static_cast<char>(1u << (h >> 61));
  } else {
    data.append(endless_extra_bytes, '\x5a');
  }
  return static_cast<std::uint32_t>(m->index + 1);
}

// Not an attempt of its own: the offer that led the device here was. Only
// requests for images the service lacks come here, and a build a product.
bool distribution_mirror::serve_unknown_chunk(cloud::sim_time, cloud::device_index, const wire::ChunkRequest& request,
                                              wire::Chunk& out) {
  for (const auto& [product, build] : leaked_) {
    if (crypto::as_view(build.image_digest) != request.image_digest()) continue;
    if (request.index() >= build.chunks.size()) return false;
    out.set_image_digest(request.image_digest());
    out.set_index(request.index());
    out.set_data(build.chunks[request.index()]);
    return true;
  }
  return false;
}

}  // namespace fleet::actors
