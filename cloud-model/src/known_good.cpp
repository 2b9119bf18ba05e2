#include "fleet/cloud/known_good.hpp"

#include "fleet/wire/limits.hpp"

namespace fleet::cloud {

const char* name_of(known_good_change c) {
  switch (c) {
    case known_good_change::done: return "done";
    case known_good_change::unchanged: return "unchanged";
    case known_good_change::products_max: return "products_max";
    case known_good_change::images_max: return "images_max";
    case known_good_change::invalid: return "invalid";
  }
  return "?";
}

known_good_change known_good_set::add(std::string_view product, const crypto::digest& manifest_digest,
                                      wire::Component component, std::string_view version,
                                      const crypto::digest& image) {
  if (product.empty() || product.size() > wire::name_bytes_max || version.empty() ||
      version.size() > wire::name_bytes_max || component == wire::COMPONENT_UNSPECIFIED) {
    return known_good_change::invalid;
  }
  auto p = products_.find(std::string(product));
  if (p == products_.end()) {
    if (products_.size() >= limits_.products_max) return known_good_change::products_max;
    p = products_.emplace(std::string(product), images{}).first;
  }
  if (p->second.count(manifest_digest) != 0) return known_good_change::unchanged;
  if (p->second.size() >= limits_.images_per_product_max) return known_good_change::images_max;
  p->second.emplace(manifest_digest, known_image{component, std::string(version), image, false});
  return known_good_change::done;
}

known_good_change known_good_set::remove(std::string_view product, const crypto::digest& manifest_digest) {
  auto p = products_.find(std::string(product));
  if (p == products_.end() || p->second.erase(manifest_digest) == 0) return known_good_change::unchanged;
  if (p->second.empty()) products_.erase(p);
  return known_good_change::done;
}

known_good_change known_good_set::revoke(std::string_view product, const crypto::digest& image) {
  auto p = products_.find(std::string(product));
  if (p == products_.end()) return known_good_change::invalid;
  bool known = false;
  bool changed = false;
  // A scan of the product's images: revocations are rare operator calls.
  for (auto& entry : p->second) {
    if (entry.second.image != image) continue;
    known = true;
    changed = changed || !entry.second.revoked;
    entry.second.revoked = true;
  }
  if (!known) return known_good_change::invalid;
  return changed ? known_good_change::done : known_good_change::unchanged;
}

const known_good_set::images* known_good_set::of(std::string_view product) const {
  auto p = products_.find(std::string(product));
  return p == products_.end() ? nullptr : &p->second;
}

}  // namespace fleet::cloud
