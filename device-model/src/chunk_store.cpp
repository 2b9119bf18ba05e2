#include "fleet/device/chunk_store.hpp"

#include <cstring>
#include <mutex>

#include "fleet/check.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/envelope.hpp"

namespace fleet::device {
namespace {

using crypto::mix64;

}  // namespace

std::uint64_t content_hash(std::string_view bytes) {
  // Four independent lanes of 8-byte words keep the multiplier pipeline busy
  // (several GB/s); the tail and the length are folded in at the end.
  constexpr std::uint64_t k = 0x9e3779b97f4a7c15ull;
  std::uint64_t lane[4] = {k, k * 3, k * 5, k * 7};
  const char* p = bytes.data();
  std::size_t n = bytes.size();
  while (n >= 32) {
    for (std::uint64_t& l : lane) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      l = (l ^ w) * 0xff51afd7ed558ccdull;
      l ^= l >> 29;
      p += 8;
    }
    n -= 32;
  }
  std::uint64_t h = mix64(lane[0]) ^ mix64(lane[1] + 1) ^ mix64(lane[2] + 2) ^ mix64(lane[3] + 3);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix64(h ^ w);
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  return mix64(h ^ tail ^ (static_cast<std::uint64_t>(bytes.size()) << 3));
}

chunk_id chunk_store::intern_chunk(std::string_view bytes) {
  {
    std::shared_lock lock(mutex_);
    auto it = chunk_index_.find(bytes);
    if (it != chunk_index_.end()) return it->second;
  }
  std::unique_lock lock(mutex_);
  auto it = chunk_index_.find(bytes);  // another thread may have won the race
  if (it != chunk_index_.end()) return it->second;
  FLEET_CHECK(chunks_.size() < no_chunk, "chunk store full");
  const auto id = static_cast<chunk_id>(chunks_.size());
  const std::string& stored = chunks_.emplace_back(bytes);
  chunk_bytes_ += stored.size();
  chunk_index_.emplace(std::string_view(stored), id);
  return id;
}

std::string_view chunk_store::chunk(chunk_id id) const {
  std::shared_lock lock(mutex_);
  FLEET_CHECK(id < chunks_.size(), "unknown chunk id");
  return chunks_[id];
}

chunk_id chunk_store::find_chunk(std::string_view bytes) const {
  std::shared_lock lock(mutex_);
  auto it = chunk_index_.find(bytes);
  return it == chunk_index_.end() ? no_chunk : it->second;
}

const stored_image* chunk_store::find_image(std::string_view header) const {
  if (header.empty()) return nullptr;
  std::shared_lock lock(mutex_);
  auto it = image_index_.find(header);
  return it == image_index_.end() ? nullptr : it->second;
}

std::string_view chunk_store::intern_header_locked(std::string_view bytes) {
  const std::string& stored = headers_.emplace_back(bytes);
  header_bytes_ += stored.size();
  return stored;
}

const stored_image& chunk_store::register_image(const wire::built_image& image) {
  // The same deterministic serialization the firmware stores in a slot header.
  const std::string header = wire::serialize(image.signed_manifest);
  FLEET_CHECK(!header.empty(), "image without a signed manifest");
  if (const stored_image* known = find_image(header)) return *known;

  // Chunks are interned before the exclusive lock on the image index: each
  // intern_chunk takes the lock itself, and other readers make progress.
  stored_image entry;
  entry.chunk_ids.reserve(image.chunks.size());
  for (const std::string& c : image.chunks) entry.chunk_ids.push_back(intern_chunk(c));
  entry.image_name = image.manifest.image_name();
  entry.version = wire::parse_version(image.manifest.version()).value_or(wire::version{});
  entry.component = image.manifest.component();
  entry.size_bytes = image.manifest.size_bytes();

  std::unique_lock lock(mutex_);
  auto it = image_index_.find(header);
  if (it != image_index_.end()) return *it->second;
  entry.chunks.reserve(entry.chunk_ids.size());
  for (chunk_id id : entry.chunk_ids) entry.chunks.emplace_back(chunks_[id]);
  entry.header = intern_header_locked(header);
  stored_image& stored = images_.emplace_back(std::move(entry));
  image_index_.emplace(stored.header, &stored);
  return stored;
}

chunk_store::stats_t chunk_store::stats() const {
  std::shared_lock lock(mutex_);
  stats_t s;
  s.chunks = chunks_.size();
  s.chunk_bytes = chunk_bytes_;
  s.headers = headers_.size();
  s.header_bytes = header_bytes_;
  s.images = images_.size();
  return s;
}

}  // namespace fleet::device
