#include "manifest_check.hpp"

#include <algorithm>

#include "fleet/wire/limits.hpp"

namespace fleet::fw {
namespace {

// The ROM's keys and the store's. A revoked key still verifies what boots
// (see key_store.hpp); it installs nothing.
reject_reason find_signing_key(const manifest_context& ctx, std::uint32_t id, manifest_purpose purpose,
                               const crypto::public_key*& key) {
  if (ctx.store != nullptr && purpose == manifest_purpose::install && ctx.store->revokes(id)) {
    return reject_reason::revoked_signing_key;
  }
  for (const auto& k : ctx.cfg->rom_keys.image_signing_keys) {
    if (k.id == id) key = &k.key;
  }
  if (key == nullptr && ctx.store != nullptr) key = ctx.store->find(id);
  return key == nullptr ? reject_reason::unknown_signing_key : reject_reason::none;
}

// Size, chunking and digests must agree with each other and the limits:
// the signed size is what bounds every later download.
bool consistent_layout(const wire::Manifest& m) {
  if (m.size_bytes() == 0 || m.size_bytes() > wire::image_bytes_max) return false;
  if (m.chunk_size_bytes() < wire::chunk_bytes_min || m.chunk_size_bytes() > wire::chunk_bytes_max) {
    return false;
  }
  std::uint64_t chunks = (m.size_bytes() + m.chunk_size_bytes() - 1) / m.chunk_size_bytes();
  if (chunks > wire::image_chunks_max) return false;
  return static_cast<std::uint64_t>(m.chunk_digests_size()) == chunks;
}

bool well_formed(const wire::Manifest& m) {
  if (m.image_digest().size() != 32) return false;
  for (const auto& d : m.chunk_digests())
    if (d.size() != 32) return false;
  if (m.image_name().size() > wire::name_bytes_max || m.product().size() > wire::name_bytes_max) {
    return false;
  }
  if (m.hardware_revisions_size() > static_cast<int>(wire::hardware_revisions_max)) return false;
  return true;
}

}  // namespace

std::uint64_t chunk_bytes(const wire::Manifest& m, std::uint32_t index) {
  std::uint64_t offset = static_cast<std::uint64_t>(index) * m.chunk_size_bytes();
  if (offset >= m.size_bytes()) return 0;
  return std::min<std::uint64_t>(m.chunk_size_bytes(), m.size_bytes() - offset);
}

reject_reason verify_manifest(const wire::SignedManifest& signed_manifest, manifest_purpose purpose,
                              const manifest_context& ctx, verified_manifest& out) {
  const config& cfg = *ctx.cfg;
  wire::Manifest m;
  if (signed_manifest.manifest().size() > wire::envelope_bytes_max) return reject_reason::oversized;
  if (!m.ParseFromString(signed_manifest.manifest())) return reject_reason::malformed;
  // Signature first: nothing an unverified manifest says is trusted.
  const crypto::public_key* signing_key = nullptr;
  if (auto why = find_signing_key(ctx, m.signing_key_id(), purpose, signing_key); why != reject_reason::none) {
    return why;
  }
  if (!crypto::verify(signed_manifest.manifest(), signed_manifest.signature(), *signing_key)) {
    return reject_reason::bad_signature;
  }
  if (!well_formed(m)) return reject_reason::malformed;
  auto comp = from_wire(m.component());
  if (!comp || (*comp == component::legacy_firmware && !cfg.guardian)) {
    return reject_reason::malformed;
  }
  auto version = wire::parse_version(m.version());
  if (!version) return reject_reason::malformed;
  if (m.product() != cfg.product) return reject_reason::wrong_product;
  if (m.hardware_revisions_size() > 0 &&
      std::find(m.hardware_revisions().begin(), m.hardware_revisions().end(),
                cfg.hardware_revision) == m.hardware_revisions().end()) {
    return reject_reason::incompatible_hardware;
  }
  if (!consistent_layout(m)) return reject_reason::bad_size;
  const std::size_t c = index_of(*comp);
  if (m.security_version() < ctx.rollback_counters[c]) return reject_reason::rollback;
  if (purpose == manifest_purpose::install) {
    if (m.expires_at_us() <= ctx.wall_time_us) return reject_reason::manifest_expired;
    if (ctx.installed[c] && !(*version > *ctx.installed[c])) return reject_reason::not_newer;
  }
  out.comp = *comp;
  out.version = *version;
  out.manifest_digest = crypto::sha256(signed_manifest.manifest());
  crypto::to_array(m.image_digest(), out.image_digest);
  out.manifest = std::move(m);
  return reject_reason::none;
}

reject_reason verify_manifest_bytes(std::string_view signed_manifest_bytes, manifest_purpose purpose,
                                    const manifest_context& ctx, verified_manifest& out) {
  if (signed_manifest_bytes.empty()) return reject_reason::malformed;
  if (signed_manifest_bytes.size() > wire::envelope_bytes_max) return reject_reason::oversized;
  wire::SignedManifest sm;
  if (!sm.ParseFromArray(signed_manifest_bytes.data(), static_cast<int>(signed_manifest_bytes.size()))) {
    return reject_reason::malformed;
  }
  return verify_manifest(sm, purpose, ctx, out);
}

}  // namespace fleet::fw
