// Deployments: which images go to which group, when, under which rollout.
#include <algorithm>
#include <array>
#include <optional>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "rollout_section.hpp"
#include "sections.hpp"

namespace fleet::scenario {
namespace {

/// The images, one product and at most one per component; the product's
/// index, when every image named resolves.
std::optional<std::size_t> read_images_of(const Deployment& in, checker& c, const names& known, const scenario& s,
                                          deployment& out) {
  if (!c.one_to("image", in.image_size(), deployment_images_max, "a deployment deploys at least one image")) {
    return std::nullopt;
  }
  std::optional<std::size_t> product;
  std::array<std::optional<std::size_t>, fw::component_count> by_component;
  bool complete = true;
  for (int i = 0; i < in.image_size(); ++i) {
    const auto found = resolve_image(c, "image", i, in.image(i), known.images);
    if (!found) {
      complete = false;
      continue;
    }
    const image& img = s.images[*found];
    if (product && *product != img.product) {
      c.fail("image",
             quote(img.ref()) + " is for product " + quote(s.fleet.products[img.product].name) + ", " +
                 quote(s.images[out.images.front()].ref()) + " for " + quote(s.fleet.products[*product].name) +
                 ": a deployment targets one product",
             i);
      complete = false;
      continue;
    }
    auto& slot = by_component[fw::index_of(img.component)];
    if (slot) {
      c.fail("image",
             "a second " + std::string(schema_name(img.component)) + " image after " + quote(s.images[*slot].ref()), i);
      complete = false;
      continue;
    }
    slot = *found;
    product = img.product;
    out.images.push_back(*found);
  }
  return complete ? product : std::nullopt;
}

void read_group(const Deployment& in, checker& c, std::optional<std::size_t> product, const names& known,
                const scenario& s, deployment& out) {
  if (in.group().empty()) {
    c.fail("group", "missing");
    return;
  }
  if (!product) return;  // the images are wrong: which product's group is meant is unknown
  const std::string& product_name = s.fleet.products[*product].name;
  const auto it = known.groups.find(group_key(product_name, in.group()));
  if (it == known.groups.end()) {
    c.fail("group", "product " + quote(product_name) + " has no group " + quote(in.group()) + " in the fleet");
    return;
  }
  out.group = it->second.index;
}

void read_start(const Deployment& in, checker& c, const scenario& s, deployment& out) {
  const auto start = c.duration("start", in.start(), duration{0});
  if (!start) return;
  out.rollout.start_at = *start;
  c.before_end("start", *start, s.length);
}

cloud::rollback_image_facts facts_of(const scenario& s, const image& img) {
  cloud::rollback_image_facts f;
  f.ref = img.ref();
  f.product = s.fleet.products[img.product].name;
  f.version = img.version;
  f.security_version = img.security_version;
  f.hardware_revisions = img.hardware_revisions;
  if (f.hardware_revisions.empty()) {
    // None named: every revision of the product, named so a message can say which one is missing.
    for (const auto& rev : s.fleet.products[img.product].revisions) f.hardware_revisions.push_back(rev.name);
  }
  return f;
}

/// rollout.rollback.image: what the cloud offers the devices that committed
/// the deployment's image of that component once the rollback fires. The
/// devices' own checks must take it (cloud::rollback_target_problem), so a
/// file cannot hold a rollback the anti-rollback counter would refuse.
void read_rollback_image(const Deployment& in, checker& rollout, const names& known, const scenario& s,
                         deployment& out) {
  const std::string& text = in.rollout().rollback().image();
  if (text.empty()) return;
  out.rollback_image_named = true;
  checker c = rollout.nested("rollback");
  const auto found = resolve_image(c, "image", -1, text, known.images);
  if (!found) return;
  const image& target = s.images[*found];
  if (!out.rollout.rollback.failed_share && !out.rollout.rollback.failed_devices) {
    c.fail("image", "the rollback has no trigger (failed_share or failed_devices): " + quote(target.ref()) +
                        " would never be offered");
    return;
  }
  const auto failed = std::find_if(out.images.begin(), out.images.end(),
                                   [&](std::size_t i) { return s.images[i].component == target.component; });
  if (failed == out.images.end()) {
    c.fail("image", quote(target.ref()) + " is of component " + schema_name(target.component) +
                        ", and the deployment deploys no image of it: there is nothing of it to roll back");
    return;
  }
  const std::string problem = cloud::rollback_target_problem(facts_of(s, s.images[*failed]), facts_of(s, target));
  if (!problem.empty()) {
    c.fail("image", problem);
    return;
  }
  out.rollback_image = *found;
}

}  // namespace

void read_deployments(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out) {
  checker top(ctx, at, "scenario");
  if (!top.at_most("deployment", in.deployment_size(), deployments_max)) return;
  name_table seen;
  for (int i = 0; i < in.deployment_size(); ++i) {
    const Deployment& d = in.deployment(i);
    checker c(ctx, at.nested("deployment", i), label("deployment", d.name(), i));
    deployment item;
    item.name = d.name();
    if (c.name("name", d.name()))
      c.define(seen, d.name(), out.deployments.size(), "name", "deployment " + quote(d.name()));
    const auto product = read_images_of(d, c, known, out, item);
    read_group(d, c, product, known, out, item);
    read_start(d, c, out, item);
    item.repair = d.repair();
    for (const std::size_t image : item.images) {
      for (const auto& r : out.cloud.revocations) {
        // Deployed before the revocation it is fine; a repair of it must not be it.
        if (r.image == image && d.repair()) {
          c.fail("repair", "deploys " + quote(out.images[image].ref()) + ", which cloud.revoke revokes");
        }
      }
    }
    checker rollout = c.nested("rollout");
    read_rollout(d.rollout(), rollout, item.rollout);
    check_policy(item.rollout, d.rollout(), c, rollout);
    if (product) read_rollback_image(d, rollout, known, out, item);
    out.deployments.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
