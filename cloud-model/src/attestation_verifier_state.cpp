// The verifier in a snapshot: its nonce table, known-good sets, quarantine
// and counters. The quarantined count is rebuilt from the quarantine bytes.
#include <algorithm>
#include <vector>

#include "fleet/cloud/attestation_verifier.hpp"
#include "fleet/wire/limits.hpp"
#include "state_codec.hpp"

namespace fleet::cloud {

void known_good_set::save(google::protobuf::RepeatedPtrField<state::KnownGoodProduct>& out) const {
  std::vector<const std::string*> names;
  for (const auto& p : products_) names.push_back(&p.first);
  std::sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* name : names) {
    state::KnownGoodProduct* product = out.Add();
    product->set_product(*name);
    const images& good = products_.at(*name);
    std::vector<const crypto::digest*> digests;
    for (const auto& i : good) digests.push_back(&i.first);
    std::sort(digests.begin(), digests.end(), [](const crypto::digest* a, const crypto::digest* b) { return *a < *b; });
    for (const crypto::digest* d : digests) {
      state::KnownImage* image = product->add_images();
      image->set_manifest_digest(codec::bytes(*d));
      image->set_component(static_cast<std::uint32_t>(good.at(*d).component));
      image->set_version(good.at(*d).version);
      image->set_image(codec::bytes(good.at(*d).image));
      image->set_revoked(good.at(*d).revoked);
    }
  }
}

restore_status known_good_set::restore(const google::protobuf::RepeatedPtrField<state::KnownGoodProduct>& in) {
  for (const auto& product : in) {
    if (product.images_size() == 0) return refused("a product with no known-good image");
    for (const auto& image : product.images()) {
      crypto::digest d{};
      crypto::digest image_id{};
      if (!codec::take(image.manifest_digest(), d)) return refused("a manifest digest is not 32 bytes");
      if (!image.image().empty() && !codec::take(image.image(), image_id)) return refused("an image digest is not 32 bytes");
      if (!wire::Component_IsValid(static_cast<int>(image.component()))) return refused("a component out of range");
      const known_good_change c =
          add(product.product(), d, static_cast<wire::Component>(image.component()), image.version(), image_id);
      if (c != known_good_change::done) return refused(std::string("a known-good image refused: ") + name_of(c));
      products_.at(product.product()).at(d).revoked = image.revoked();
    }
  }
  return restored();
}

void attestation_verifier::save(state::VerifierState& out) const {
  nonces_.save(*out.mutable_nonces());
  known_good_.save(*out.mutable_known_good());
  out.set_quarantined(std::string(quarantined_.begin(), quarantined_.end()));
  out.set_challenges_issued(counters_.challenges_issued);
  codec::put_counts(out.mutable_challenges_refused(), counters_.challenges_refused);
  codec::put_counts(out.mutable_outcomes(), counters_.outcomes);
}

restore_status attestation_verifier::restore(const state::VerifierState& in) {
  if (auto r = codec::within("nonces", nonces_.restore(in.nonces())); !r.ok()) return r;
  if (auto r = codec::within("known good", known_good_.restore(in.known_good())); !r.ok()) return r;
  if (in.quarantined().size() > limits_.devices_max) return refused("quarantine past devices_max");
  quarantined_.assign(in.quarantined().begin(), in.quarantined().end());
  counters_.quarantined_now = 0;
  for (const std::uint8_t q : quarantined_) {
    // Bit 0: quarantined; bits 1-5: the components found revoked (only with bit 0).
    if (q > 0x3f || (q != 0 && (q & 1) == 0)) return refused("a quarantine byte out of range");
    counters_.quarantined_now += q & 1;
  }
  counters_.challenges_issued = in.challenges_issued();
  if (!codec::take_counts(in.challenges_refused(), counters_.challenges_refused) ||
      !codec::take_counts(in.outcomes(), counters_.outcomes)) {
    return refused("counters of another size");
  }
  return restored();
}

}  // namespace fleet::cloud
