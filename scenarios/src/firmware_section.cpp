// The images each product's devices start with: a whole boot chain, and for
// a guardian product the firmware of its legacy devices.
#include <algorithm>
#include <array>
#include <optional>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "sections.hpp"

namespace fleet::scenario {

void read_firmware(const Fleet& in, const source_map& at, context& ctx, const names& known, scenario& out) {
  checker c(ctx, at, "fleet");
  const std::size_t products = out.fleet.products.size();
  if (!c.at_most("firmware", in.firmware_size(), products_max * fw::component_count)) return;
  // Per product, the image of each component (the boot chain, then legacy firmware).
  std::vector<std::array<std::optional<std::size_t>, fw::component_count>> chain(products);
  bool resolved = true;
  for (int i = 0; i < in.firmware_size(); ++i) {
    const auto found = resolve_image(c, "firmware", i, in.firmware(i), known.images);
    if (!found) {
      resolved = false;
      continue;
    }
    const image& img = out.images[*found];
    const product& p = out.fleet.products[img.product];
    auto& slot = chain[img.product][fw::index_of(img.component)];
    if (slot) {
      c.fail("firmware",
             "product " + quote(p.name) + " already starts with " + quote(out.images[*slot].ref()) + " for " +
                 schema_name(img.component),
             i);
      continue;
    }
    for (const hardware_revision& rev : p.revisions) {
      const auto& runs_on = img.hardware_revisions;
      if (!runs_on.empty() && std::find(runs_on.begin(), runs_on.end(), rev.name) == runs_on.end()) {
        c.fail("firmware",
               quote(img.ref()) + " does not run on hardware revision " + quote(rev.name) + " of product " +
                   quote(p.name) + ", whose devices would have no " + schema_name(img.component),
               i);
      }
    }
    slot = *found;
    out.fleet.firmware.push_back(*found);
  }
  // An entry that named no image may have been the missing one: say nothing more.
  if (!resolved) return;
  for (std::size_t p = 0; p < products; ++p) {
    // A product defined twice has its images under the first definition.
    const auto defined = known.products.find(out.fleet.products[p].name);
    if (defined == known.products.end() || defined->second.index != p) continue;
    // A guardian's legacy device needs firmware too (other products cannot
    // have a LEGACY_FIRMWARE image: read_image refused it).
    const std::size_t needed = out.fleet.products[p].guards ? fw::component_count : fw::boot_chain_length;
    for (std::size_t k = 0; k < needed; ++k) {
      if (chain[p][k]) continue;
      c.fail("firmware", "product " + quote(out.fleet.products[p].name) + " has no initial " +
                             schema_name(static_cast<fw::component>(k)) + " image");
    }
  }
}

}  // namespace fleet::scenario
