// The image service in a snapshot: its key stream, every signing key, the
// counters, and each stored image as its signed manifest, chunks and upload
// time. The image's ID, parsed manifest and digests are derived again from
// those bytes, so a stored image cannot disagree with its own content.
#include "fleet/cloud/image_service.hpp"
#include "fleet/wire/limits.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void image_service::save(state::ImageServiceState& out) const {
  codec::put_stream(out.mutable_key_seeds(), key_seeds_);
  for (const signing_key& k : keys_) {
    state::SigningKeyState* key = out.add_keys();
    key->set_secret_key(codec::bytes(k.pair.secret_key_bytes));
    key->set_created_at(codec::us(k.created_at));
    key->set_revoked(k.revoked);
  }
  out.set_uploads(counters_.uploads);
  out.set_duplicates(counters_.duplicates);
  codec::put_counts(out.mutable_refused(), counters_.refused);
  out.set_rotations(counters_.rotations);
}

void image_service::save_image(const stored_image& image, state::StoredImage& out) {
  *out.mutable_signed_manifest() = image.signed_manifest;
  for (const std::string& chunk : image.chunks) out.add_chunks(chunk);
  out.set_uploaded_at(codec::us(image.uploaded_at));
}

restore_status image_service::restore(const state::ImageServiceState& in) {
  if (!codec::take_stream(in.key_seeds(), key_seeds_)) return refused("the key stream is not 4 words, or all zero");
  if (in.keys_size() < 1 || static_cast<std::size_t>(in.keys_size()) > limits_.signing_keys_max) {
    return refused("signing keys: none, or more than signing_keys_max");
  }
  keys_.clear();
  for (const auto& k : in.keys()) {
    signing_key key;
    key.id = static_cast<std::uint32_t>(keys_.size() + 1);
    if (!codec::take(k.secret_key(), key.pair.secret_key_bytes)) return refused("a signing key is not 64 bytes");
    std::copy(key.pair.secret_key_bytes.begin() + 32, key.pair.secret_key_bytes.end(),
              key.pair.public_key_bytes.begin());
    key.created_at = codec::time(k.created_at());
    key.revoked = k.revoked();
    keys_.push_back(key);
  }
  if (keys_.back().revoked) return refused("the current signing key is revoked");
  counters_.uploads = in.uploads();
  counters_.duplicates = in.duplicates();
  if (!codec::take_counts(in.refused(), counters_.refused)) return refused("refusal counters of another size");
  counters_.rotations = in.rotations();
  return restored();
}

restore_status image_service::restore_image(const state::StoredImage& in) {
  if (images_.size() >= limits_.images_max) return refused("more images than images_max");
  stored_image image;
  image.signed_manifest = in.signed_manifest();
  if (!image.manifest.ParseFromString(image.signed_manifest.manifest())) return refused("a manifest does not parse");
  crypto::digest id{};
  if (!codec::take(image.manifest.image_digest(), id)) return refused("an image digest is not 32 bytes");
  if (images_.count(id) != 0) return refused("an image stored twice");
  if (in.chunks_size() < 1 || static_cast<std::size_t>(in.chunks_size()) > wire::image_chunks_max) {
    return refused("an image with no chunks, or more than image_chunks_max");
  }
  std::uint64_t size = 0;
  for (const std::string& chunk : in.chunks()) {
    if (chunk.size() > wire::chunk_bytes_max) return refused("a chunk past chunk_bytes_max");
    size += chunk.size();
  }
  if (size != image.manifest.size_bytes() || size > wire::image_bytes_max) {
    return refused("an image whose chunks are not its manifest's size");
  }
  if (stored_bytes_ + size > limits_.stored_bytes_max) return refused("images past stored_bytes_max");
  image.chunks.assign(in.chunks().begin(), in.chunks().end());
  image.manifest_digest = crypto::sha256(image.signed_manifest.manifest());
  image.uploaded_at = codec::time(in.uploaded_at());
  stored_bytes_ += size;
  images_.emplace(id, std::move(image));
  return restored();
}

}  // namespace fleet::cloud
