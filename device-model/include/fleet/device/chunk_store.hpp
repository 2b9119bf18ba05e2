#pragma once
// Process-wide, content-addressed store of image chunks and slot headers.
// A million simulated devices with two slots each hold references into it,
// never copies of image bytes (architecture.md, "Scale notes").
//
// Thread safety: content, once interned, never moves and never changes, so a
// std::string_view or `const stored_image*` handed out stays valid for the
// store's lifetime and may be read from any thread without a lock. Interning
// and registration take an exclusive lock; lookups (by content, by header,
// by id) take a shared lock, so they are safe while other threads intern.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fleet/wire/image.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::device {

using chunk_id = std::uint32_t;
inline constexpr chunk_id no_chunk = ~chunk_id{0};

/// Fast non-cryptographic 64-bit hash for content addressing. Not SHA-256 on
/// purpose: SHA-256 is firmware crypto and is counted; equality is always
/// confirmed by a full byte comparison.
std::uint64_t content_hash(std::string_view bytes);

/// An image as the store knows it: immutable once registered.
struct stored_image {
  std::string_view header;               ///< serialized SignedManifest (interned)
  std::vector<std::string_view> chunks;  ///< interned chunk bytes, in order
  std::vector<chunk_id> chunk_ids;       ///< same order as `chunks`
  std::string image_name;
  wire::version version{};
  wire::Component component = wire::COMPONENT_UNSPECIFIED;
  std::uint64_t size_bytes = 0;
};

class chunk_store {
 public:
  struct stats_t {
    std::size_t chunks = 0;         ///< distinct chunk contents
    std::uint64_t chunk_bytes = 0;  ///< bytes of distinct chunk contents
    std::size_t headers = 0;        ///< distinct headers
    std::uint64_t header_bytes = 0;
    std::size_t images = 0;
  };

  chunk_store() = default;
  chunk_store(const chunk_store&) = delete;
  chunk_store& operator=(const chunk_store&) = delete;

  /// Interns the image's chunks and its header (the serialized SignedManifest)
  /// and indexes it by header bytes. Registering the same image again returns
  /// the first registration.
  const stored_image& register_image(const wire::built_image& image);

  /// Interns chunk content; equal bytes always give the same id.
  chunk_id intern_chunk(std::string_view bytes);
  /// Bytes of an interned chunk; the view lives as long as the store.
  std::string_view chunk(chunk_id id) const;
  /// The interned copy of `bytes`, or no_chunk when no chunk has this content.
  chunk_id find_chunk(std::string_view bytes) const;

  /// The registered image whose header is exactly `header`, or nullptr.
  const stored_image* find_image(std::string_view header) const;

  stats_t stats() const;

 private:
  struct hash_view {
    std::size_t operator()(std::string_view v) const { return content_hash(v); }
  };

  std::string_view intern_header_locked(std::string_view bytes);

  mutable std::shared_mutex mutex_;
  // deque: push_back never moves existing elements, so views into them (and
  // into their heap buffers) stay valid.
  std::deque<std::string> chunks_;
  std::unordered_map<std::string_view, chunk_id, hash_view> chunk_index_;
  std::deque<std::string> headers_;
  std::uint64_t chunk_bytes_ = 0;
  std::uint64_t header_bytes_ = 0;
  std::deque<stored_image> images_;
  std::unordered_map<std::string_view, const stored_image*, hash_view> image_index_;
};

}  // namespace fleet::device
