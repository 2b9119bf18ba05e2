// Images: what each is, and how its software behaves on the devices.
#include <algorithm>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "sections.hpp"

namespace fleet::scenario {
namespace {

bool has_revision(const product& p, const std::string& name) {
  return std::any_of(p.revisions.begin(), p.revisions.end(),
                     [&](const hardware_revision& r) { return r.name == name; });
}

/// A revision an image names must be one of its product's (when the product is known).
bool known_revision(checker& c, std::string_view field, int index, const std::string& name, const product* p) {
  if (!c.name(field, name, "", index)) return false;
  if (p != nullptr && !has_revision(*p, name)) {
    c.fail(field, "product " + quote(p->name) + " has no hardware revision " + quote(name), index);
    return false;
  }
  return true;
}

void read_revision_overrides(const Behaviour& in, checker& c, const product* p,
                             const std::vector<std::string>& image_revisions, device::version_behaviour& out) {
  if (!c.at_most("hardware_rev", in.hardware_rev_size(), hardware_revisions_max)) return;
  name_table seen;
  for (int i = 0; i < in.hardware_rev_size(); ++i) {
    const RevisionBehaviour& rev = in.hardware_rev(i);
    checker r = c.nested("hardware_rev", i);
    if (!known_revision(r, "name", -1, rev.name(), p)) continue;
    if (!image_revisions.empty() &&
        std::find(image_revisions.begin(), image_revisions.end(), rev.name()) == image_revisions.end()) {
      r.fail("name", "the image does not run on hardware revision " + quote(rev.name()) + " (see hardware_revisions)");
      continue;
    }
    if (!r.define(seen, rev.name(), static_cast<std::size_t>(i), "name", "hardware revision " + quote(rev.name()))) {
      continue;
    }
    if (r.in_range("boot_failure_probability", rev.boot_failure_probability(), 0, 1)) {
      out.boot_failure_by_revision.emplace_back(rev.name(), rev.boot_failure_probability());
    }
  }
}

void read_behaviour(const Behaviour& in, checker& c, const product* p, const std::vector<std::string>& image_revisions,
                    device::version_behaviour& out) {
  if (c.in_range("crash_rate_per_hour", in.crash_rate_per_hour(), 0, crash_rate_per_hour_max)) {
    out.crash_rate_per_hour = in.crash_rate_per_hour();
  }
  if (c.in_range("boot_failure_probability", in.boot_failure_probability(), 0, 1)) {
    out.boot_failure_probability = in.boot_failure_probability();
  }
  read_revision_overrides(in, c, p, image_revisions, out);
  if (c.in_range("health_check_failure_probability", in.health_check_failure_probability(), 0, 1)) {
    out.health_check_failure_probability = in.health_check_failure_probability();
  }
  const auto boot = c.duration("boot_duration", in.boot_duration(), out.boot_duration);
  if (boot && c.duration_in("boot_duration", *boot, duration{0}, boot_duration_max)) out.boot_duration = *boot;
  if (!in.leak_crash_after().empty()) {
    const auto leak = c.duration("leak_crash_after", in.leak_crash_after(), {});
    if (leak && c.duration_in("leak_crash_after", *leak, duration{0}, run_duration_max, /*min_open=*/true)) {
      out.leak_crash_after = *leak;
    }
  }
  const auto deferral = c.duration("os_update_deferral", in.os_update_deferral(), out.os_update_deferral);
  if (deferral && c.duration_in("os_update_deferral", *deferral, duration{0}, os_update_deferral_max)) {
    out.os_update_deferral = *deferral;
  }
  if (c.in_range("crash_exit_status", in.crash_exit_status(), 0, crash_exit_status_max)) {
    out.crash_exit_status = in.crash_exit_status();
  }
  if (in.has_crash_signal() && c.in_range("crash_signal", in.crash_signal(), 0, crash_signal_max)) {
    out.crash_signal = in.crash_signal();
  }
}


/// Whether the image's product and component are right: references to one
/// that is not stay silent, its own error is the only one.
bool usable(const Image& in, const names& known, const fleet_spec& fleet) {
  const auto product = known.products.find(in.product());
  const auto component = fw::from_wire(in.component());
  if (product == known.products.end() || !component) return false;
  return *component != fw::component::legacy_firmware || fleet.products[product->second.index].guards.has_value();
}

void read_image(const Image& in, checker& c, const names& known, const fleet_spec& fleet, image& out) {
  if (c.name("name", in.name(), "@")) out.name = in.name();
  if (in.version().empty()) {
    c.fail("version", "missing");
  } else if (const auto v = wire::parse_version(in.version())) {
    out.version = *v;
  } else {
    c.fail("version", quote(in.version()) + " is not \"major.minor.patch\"");
  }
  const auto component = fw::from_wire(in.component());
  if (component) {
    out.component = *component;
  } else if (in.component() == wire::COMPONENT_UNSPECIFIED) {
    c.fail("component", "missing: BOOTLOADER, SECURITY_MONITOR, OS, APP or LEGACY_FIRMWARE");
  } else {
    c.fail("component", std::string(wire::Component_Name(in.component())) +
                            " is not a component: BOOTLOADER, SECURITY_MONITOR, OS, APP or LEGACY_FIRMWARE");
  }
  const product* p = nullptr;
  if (in.product().empty()) {
    c.fail("product", "missing");
  } else if (const auto it = known.products.find(in.product()); it == known.products.end()) {
    c.fail("product", "unknown product " + quote(in.product()));
  } else {
    out.product = it->second.index;
    p = &fleet.products[out.product];
    // Only a guardian has a legacy device to flash: anywhere else the image
    // would be refused by every device it reached.
    if (component == fw::component::legacy_firmware && !p->guards) {
      c.fail("component", "LEGACY_FIRMWARE is for guardian products; product " + quote(p->name) +
                              " has no guardian section");
    }
  }
  if (in.has_security_version()) out.security_version = in.security_version();
  if (const auto size = c.size("size", in.size()); size && c.size_in("size", *size, 1, wire::image_bytes_max)) {
    out.size_bytes = *size;
  }
  if (c.at_most("hardware_revisions", in.hardware_revisions_size(), hardware_revisions_max)) {
    name_table seen;
    for (int i = 0; i < in.hardware_revisions_size(); ++i) {
      const std::string& rev = in.hardware_revisions(i);
      if (!known_revision(c, "hardware_revisions", i, rev, p)) continue;
      if (!seen.emplace(rev, named{}).second) {
        c.fail("hardware_revisions", "lists " + quote(rev) + " twice", i);
        continue;
      }
      out.hardware_revisions.push_back(rev);
    }
  }
  if (!in.expires().empty()) {
    const auto expires = c.duration("expires", in.expires(), {});
    if (expires && c.duration_in("expires", *expires, duration{0}, image_expiry_max, /*min_open=*/true)) {
      out.expires = *expires;
    }
  }
  if (in.has_behaviour()) {
    checker b = c.nested("behaviour");
    read_behaviour(in.behaviour(), b, p, out.hardware_revisions, out.behaviour);
  }
}

}  // namespace

void read_images(const Scenario& in, const source_map& at, context& ctx, names& known, scenario& out) {
  checker top(ctx, at, "scenario");
  if (!top.at_most("image", in.image_size(), images_max)) return;
  for (int i = 0; i < in.image_size(); ++i) {
    const Image& img = in.image(i);
    const std::string ref = img.name().empty() || img.version().empty() ? "" : img.name() + "@" + img.version();
    checker c(ctx, at.nested("image", i), label("image", ref, i));
    image item;
    read_image(img, c, known, out.fleet, item);
    // Files refer to images by "name@version": the pair is the image's name.
    if (!ref.empty() && wire::parse_version(img.version()) &&
        c.define(known.images, item.ref(), out.images.size(), "name", "image " + quote(ref))) {
      known.images[item.ref()].usable = usable(img, known, out.fleet);
    }
    out.images.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
