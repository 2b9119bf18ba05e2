#pragma once
// Known-good boot measurements per product: the manifest digests of the
// images a device of that product may run, with the component and version
// each one is. The image service adds an image here when it is published and
// removes it when it is withdrawn. The operator may revoke trust in one (a
// vulnerability was found): it stays listed, marked revoked, so attestation
// can tell software no longer trusted (repairable by an update) from
// software never known.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include "device.pb.h"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/crypto/crypto.hpp"

namespace fleet::cloud {

struct known_good_limits {
  std::uint32_t products_max = 4'096;
  std::uint32_t images_per_product_max = 4'096;
};

struct known_image {
  wire::Component component = wire::COMPONENT_UNSPECIFIED;
  std::string version;
  crypto::digest image{};  ///< the image digest (one image has a manifest per signing key)
  bool revoked = false;    ///< no longer trusted: a device running it gets only a restricted session
};

enum class known_good_change : std::uint8_t {
  done,
  unchanged,       ///< already there, or not there to remove
  products_max,    ///< refused: too many products
  images_max,      ///< refused: too many images for the product
  invalid,         ///< refused: empty or over-long product or version, no component
};

const char* name_of(known_good_change c);

class known_good_set {
 public:
  struct digest_hash {
    std::size_t operator()(const crypto::digest& d) const {
      std::size_t h = 0;
      std::memcpy(&h, d.data(), sizeof h);  // SHA-256 output: any 8 bytes are uniform
      return h;
    }
  };
  using images = std::unordered_map<crypto::digest, known_image, digest_hash>;

  explicit known_good_set(const known_good_limits& limits = {}) : limits_(limits) {}

  known_good_change add(std::string_view product, const crypto::digest& manifest_digest,
                        wire::Component component, std::string_view version, const crypto::digest& image = {});
  known_good_change remove(std::string_view product, const crypto::digest& manifest_digest);
  /// Marks every manifest of image `image` (each signing key's) as no longer
  /// trusted; `unchanged` when all were revoked already, `invalid` when the
  /// product knows no manifest of it.
  known_good_change revoke(std::string_view product, const crypto::digest& image);

  /// The product's known-good images; nullptr when it has none.
  const images* of(std::string_view product) const;
  std::size_t products() const { return products_.size(); }

  /// Its whole state, for a snapshot (sorted: the same set saves to the same
  /// bytes); restore adds to an empty set (attestation_verifier_state.cpp).
  void save(google::protobuf::RepeatedPtrField<state::KnownGoodProduct>& out) const;
  restore_status restore(const google::protobuf::RepeatedPtrField<state::KnownGoodProduct>& in);

 private:
  known_good_limits limits_;
  std::unordered_map<std::string, images> products_;
};

}  // namespace fleet::cloud
