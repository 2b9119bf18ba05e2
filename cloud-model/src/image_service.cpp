#include "fleet/cloud/image_service.hpp"

#include "fleet/check.hpp"
#include "fleet/wire/limits.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::cloud {

wire::built_image built_image_of(const stored_image& image) {
  wire::built_image b;
  b.chunks = image.chunks;
  b.manifest = image.manifest;
  b.signed_manifest = image.signed_manifest;
  crypto::to_array(image.manifest.image_digest(), b.image_digest);
  b.manifest_digest = image.manifest_digest;
  return b;
}
namespace {

bool good_name(const std::string& name) { return !name.empty() && name.size() <= wire::name_bytes_max; }

}  // namespace

image_service::image_service(crypto::random_stream keys, image_service_limits limits)
    : key_seeds_(keys), limits_(limits) {
  FLEET_CHECK(limits_.signing_keys_max >= 1, "no room for a signing key");
  add_key(sim_time{0});
}

void image_service::add_key(sim_time now) {
  signing_key key;
  key.id = static_cast<std::uint32_t>(keys_.size() + 1);
  key.pair = crypto::signing_key_from_seed(key_seeds_.next_seed());
  key.created_at = now;
  keys_.push_back(key);
}

upload_refusal image_service::validate(const wire::image_spec& spec, const std::string& content) {
  if (content.empty()) return upload_refusal::empty_image;
  if (content.size() > wire::image_bytes_max) return upload_refusal::image_too_large;
  if (spec.chunk_size_bytes < wire::chunk_bytes_min || spec.chunk_size_bytes > wire::chunk_bytes_max)
    return upload_refusal::bad_chunk_size;
  const std::uint64_t chunks = (content.size() + spec.chunk_size_bytes - 1) / spec.chunk_size_bytes;
  if (chunks > wire::image_chunks_max) return upload_refusal::too_many_chunks;
  if (!wire::parse_version(spec.version)) return upload_refusal::bad_version;
  if (!good_name(spec.image_name) || !good_name(spec.product)) return upload_refusal::bad_name;
  if (spec.component == wire::COMPONENT_UNSPECIFIED || !wire::Component_IsValid(spec.component))
    return upload_refusal::bad_component;
  if (spec.hardware_revisions.size() > wire::hardware_revisions_max) return upload_refusal::bad_hardware_revisions;
  for (const auto& rev : spec.hardware_revisions)
    if (!good_name(rev)) return upload_refusal::bad_hardware_revisions;
  // Devices refuse a manifest whose expiry is at or before their clock.
  if (spec.expires_at_us <= 0) return upload_refusal::bad_expiry;
  return upload_refusal::none;
}

bool image_service::same_release(const wire::Manifest& m, const wire::image_spec& spec) {
  if (m.component() != spec.component || m.image_name() != spec.image_name || m.version() != spec.version ||
      m.product() != spec.product || m.security_version() != spec.security_version ||
      m.expires_at_us() != spec.expires_at_us || m.chunk_size_bytes() != spec.chunk_size_bytes ||
      static_cast<std::size_t>(m.hardware_revisions_size()) != spec.hardware_revisions.size()) {
    return false;
  }
  for (std::size_t i = 0; i < spec.hardware_revisions.size(); ++i)
    if (m.hardware_revisions(static_cast<int>(i)) != spec.hardware_revisions[i]) return false;
  return true;
}

upload_result image_service::refuse(upload_refusal why) {
  ++counters_.refused[static_cast<std::size_t>(why)];
  upload_result out;
  out.refusal = why;
  return out;
}

upload_result image_service::upload(sim_time now, const wire::image_spec& spec, const std::string& content) {
  if (auto why = validate(spec, content); why != upload_refusal::none) return refuse(why);
  const crypto::digest id = crypto::sha256(content);
  if (auto it = images_.find(id); it != images_.end()) {
    // Images are immutable: the same upload again is answered with the same
    // ID; the same bytes under another release would be two images with one ID.
    if (!same_release(it->second.manifest, spec)) return refuse(upload_refusal::conflict);
    ++counters_.duplicates;
    upload_result out;
    out.image_id = id;
    out.duplicate = true;
    return out;
  }
  if (images_.size() >= limits_.images_max || stored_bytes_ + content.size() > limits_.stored_bytes_max)
    return refuse(upload_refusal::store_full);

  wire::image_spec signed_spec = spec;
  signed_spec.signing_key_id = keys_.back().id;
  wire::built_image built = wire::build_image(signed_spec, content, keys_.back().pair.secret_key_bytes);
  FLEET_CHECK(built.image_digest == id, "image digest differs from the content hash");
  stored_image& stored = images_[id];
  stored.signed_manifest = std::move(built.signed_manifest);
  stored.manifest = std::move(built.manifest);
  stored.manifest_digest = built.manifest_digest;
  stored.chunks = std::move(built.chunks);
  stored.uploaded_at = now;
  stored_bytes_ += content.size();
  ++counters_.uploads;
  upload_result out;
  out.image_id = id;
  return out;
}

const stored_image* image_service::find(const crypto::digest& image_id) const {
  auto it = images_.find(image_id);
  return it == images_.end() ? nullptr : &it->second;
}

const wire::SignedManifest* image_service::manifest(const crypto::digest& image_id) const {
  const stored_image* image = find(image_id);
  return image == nullptr ? nullptr : &image->signed_manifest;
}

const std::string* image_service::chunk(const crypto::digest& image_id, std::uint32_t index) const {
  const stored_image* image = find(image_id);
  if (image == nullptr || index >= image->chunks.size()) return nullptr;
  return &image->chunks[index];
}

rotate_result image_service::rotate_signing_key(sim_time now, key_rotation how) {
  if (keys_.size() >= limits_.signing_keys_max) return rotate_result::too_many_keys;
  if (how == key_rotation::revoke_previous) {
    for (auto& k : keys_) k.revoked = true;
  }
  add_key(now);
  ++counters_.rotations;
  if (how == key_rotation::revoke_previous) {
    for (auto& [id, image] : images_) sign_again(image);
  }
  return rotate_result::rotated;
}

void image_service::sign_again(stored_image& image) {
  image.manifest.set_signing_key_id(keys_.back().id);
  image.signed_manifest = wire::sign_manifest(image.manifest, keys_.back().pair.secret_key_bytes);
  image.manifest_digest = crypto::sha256(image.signed_manifest.manifest());
}

std::vector<trusted_image_key> image_service::trusted_keys() const {
  std::vector<trusted_image_key> out;
  out.reserve(keys_.size());
  for (const auto& k : keys_) {
    if (!k.revoked) out.push_back({k.id, k.pair.public_key_bytes, k.created_at});
  }
  return out;
}

std::vector<std::uint32_t> image_service::revoked_key_ids() const {
  std::vector<std::uint32_t> out;
  for (const auto& k : keys_) {
    if (k.revoked) out.push_back(k.id);
  }
  return out;
}

const crypto::signing_key_pair* image_service::leaked_key(std::uint32_t id) const {
  for (const auto& k : keys_) {
    if (k.id == id) return &k.pair;
  }
  return nullptr;
}

std::vector<const stored_image*> image_service::all() const {
  std::vector<const stored_image*> out;
  out.reserve(images_.size());
  for (const auto& [id, image] : images_) out.push_back(&image);
  return out;
}

const char* name_of(upload_refusal r) {
  switch (r) {
    case upload_refusal::none: return "none";
    case upload_refusal::empty_image: return "empty_image";
    case upload_refusal::image_too_large: return "image_too_large";
    case upload_refusal::bad_chunk_size: return "bad_chunk_size";
    case upload_refusal::too_many_chunks: return "too_many_chunks";
    case upload_refusal::bad_version: return "bad_version";
    case upload_refusal::bad_name: return "bad_name";
    case upload_refusal::bad_component: return "bad_component";
    case upload_refusal::bad_hardware_revisions: return "bad_hardware_revisions";
    case upload_refusal::bad_expiry: return "bad_expiry";
    case upload_refusal::conflict: return "conflict";
    case upload_refusal::store_full: return "store_full";
    case upload_refusal::count_: break;
  }
  return "?";
}

}  // namespace fleet::cloud
