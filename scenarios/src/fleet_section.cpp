// The fleet: products with their hardware revisions, groups, network.
#include <algorithm>
#include <cmath>

#include "checks.hpp"
#include "fleet/cloud/certificate_authority.hpp"
#include "fleet/cloud/registry.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"

namespace fleet::scenario {
namespace {

/// Shares are decimals in a file: 0.7 + 0.2 + 0.1 is not exactly 1 in binary.
constexpr double share_sum_tolerance = 1e-9;

/// Groups a product may add to the cloud's five defaults.
constexpr std::size_t custom_groups_max = cloud::groups_per_product_max - cloud::default_group_count;

bool is_default_group(const std::string& name) {
  for (std::size_t g = 0; g < cloud::default_group_count; ++g)
    if (name == cloud::name_of(static_cast<cloud::default_group>(g))) return true;
  return false;
}

void read_revisions(const Product& in, checker& c, product& out) {
  if (!c.one_to("hardware_rev", in.hardware_rev_size(), hardware_revisions_max,
                "a product has at least one hardware revision")) {
    return;
  }
  name_table seen;
  double sum = 0;
  bool shares_ok = true;
  for (int i = 0; i < in.hardware_rev_size(); ++i) {
    const HardwareRevision& rev = in.hardware_rev(i);
    checker r = c.nested("hardware_rev", i);
    if (r.name("name", rev.name())) {
      r.define(seen, rev.name(), static_cast<std::size_t>(i), "name", "hardware revision " + quote(rev.name()));
    }
    shares_ok = r.in_range("share", rev.share(), 0, 1, /*min_open=*/true) && shares_ok;
    sum += rev.share();
    out.revisions.push_back({rev.name(), rev.share()});
  }
  if (shares_ok && std::fabs(sum - 1) > share_sum_tolerance) {
    c.fail("hardware_rev", "shares sum to " + number(sum) + ", not 1");
  }
}

void read_guardian(const Guardian& in, checker c, guardian& out) {
  const auto interval = c.duration("reading_interval", in.reading_interval(), out.reading_interval);
  if (interval && c.duration_in("reading_interval", *interval, reading_interval_min, reading_interval_max)) {
    out.reading_interval = *interval;
  }
}

// A renewal is due before the certificate it renews runs out.
static_assert(renewal_latest == cloud::ca_settings{}.certificate_lifetime,
              "renewal_latest is the lifetime of the certificates the cloud issues");

void read_timing(const DeviceTiming& in, checker c, device_timing& out) {
  const auto spread = c.duration("power_on_spread", in.power_on_spread(), out.power_on_spread);
  if (spread && c.duration_in("power_on_spread", *spread, duration{0}, power_on_spread_max)) {
    out.power_on_spread = *spread;
  }
  const auto interval = c.duration("update_check_interval", in.update_check_interval(), out.update_check_interval);
  if (interval &&
      c.duration_in("update_check_interval", *interval, update_check_interval_min, update_check_interval_max)) {
    out.update_check_interval = *interval;
  }
  const auto low = c.duration("renewal_min", in.renewal_min(), out.renewal_min);
  const bool low_ok = low && c.duration_in("renewal_min", *low, renewal_earliest, renewal_latest);
  const auto high = c.duration("renewal_max", in.renewal_max(), out.renewal_max);
  const bool high_ok = high && c.duration_in("renewal_max", *high, renewal_earliest, renewal_latest);
  if (!low_ok || !high_ok) return;
  // Reported at renewal_max: the default renewal_min (20h) is above any
  // renewal_max under it, and the file may not say renewal_min at all.
  if (*high < *low) {
    c.fail("renewal_max",
           "must be at least renewal_min (" + format_duration(*low) + "), is " + format_duration(*high));
    return;
  }
  out.renewal_min = *low;
  out.renewal_max = *high;
}

void read_products(const Fleet& in, const source_map& at, context& ctx, names& known, fleet_spec& out) {
  checker fleet(ctx, at, "fleet");
  if (!fleet.one_to("product", in.product_size(), products_max, "the fleet needs at least one product")) return;
  for (int i = 0; i < in.product_size(); ++i) {
    const Product& p = in.product(i);
    checker c(ctx, at.nested("product", i), label("product", p.name(), i));
    product item;
    item.name = p.name();
    if (c.name("name", p.name()))
      c.define(known.products, p.name(), out.products.size(), "name", "product " + quote(p.name()));
    read_revisions(p, c, item);
    if (p.has_guardian()) read_guardian(p.guardian(), c.nested("guardian"), item.guards.emplace());
    if (p.has_timing()) read_timing(p.timing(), c.nested("timing"), item.timing);
    out.products.push_back(std::move(item));
  }
}

void read_groups(const Fleet& in, const source_map& at, context& ctx, names& known, fleet_spec& out) {
  checker fleet(ctx, at, "fleet");
  if (!fleet.one_to("group", in.group_size(), groups_max, "the fleet needs at least one group of devices")) return;
  std::vector<std::size_t> custom_groups(out.products.size(), 0);
  std::uint64_t total = 0;
  for (int i = 0; i < in.group_size(); ++i) {
    const Group& g = in.group(i);
    checker c(ctx, at.nested("group", i), label("group", g.name(), i));
    const bool named_ok = c.name("name", g.name());
    const auto product = known.products.find(g.product());
    if (g.product().empty()) {
      c.fail("product", "missing");
    } else if (product == known.products.end()) {
      c.fail("product", "unknown product " + quote(g.product()));
    } else if (named_ok) {
      c.define(known.groups, group_key(g.product(), g.name()), out.groups.size(), "name",
               "group " + quote(g.name()) + " of product " + quote(g.product()));
      if (!is_default_group(g.name()) && ++custom_groups[product->second.index] == custom_groups_max + 1) {
        c.fail("name", "product " + quote(g.product()) + " has more than " + std::to_string(custom_groups_max) +
                           " groups besides the cloud's " + std::to_string(cloud::default_group_count) + " defaults");
      }
    }
    if (c.count_in("devices", g.devices(), 1, group_devices_max)) {
      if (total <= fleet_devices_max && total + g.devices() > fleet_devices_max) {
        c.fail("devices", "the fleet reaches " + format_count(total + g.devices()) + " devices here, more than " +
                              format_count(fleet_devices_max));
      }
      total += g.devices();
    }
    out.groups.push_back({g.name(), product == known.products.end() ? 0 : product->second.index, g.devices()});
  }
}

void read_network(const Fleet& in, const source_map& at, context& ctx, network& out) {
  if (!in.has_network()) return;
  const Network& n = in.network();
  checker c = checker(ctx, at, "fleet").nested("network");
  const auto median = c.duration("latency_median", n.latency_median(), out.latency_median);
  if (median && c.duration_in("latency_median", *median, latency_min, latency_max)) out.latency_median = *median;
  const auto p99 = c.duration("latency_p99", n.latency_p99(), std::max(out.latency_p99, out.latency_median));
  if (p99 && c.duration_in("latency_p99", *p99, latency_min, latency_max)) {
    if (*p99 < out.latency_median) {
      c.fail("latency_p99", "must be at least latency_median (" + format_duration(out.latency_median) + "), is " +
                                format_duration(*p99));
    }
    out.latency_p99 = *p99;
  }
  if (c.in_range("loss", n.loss(), 0, loss_max)) out.loss = n.loss();
  if (!n.download_bytes_per_second().empty()) {
    const auto rate = c.size("download_bytes_per_second", n.download_bytes_per_second());
    if (rate && c.size_in("download_bytes_per_second", *rate, bandwidth_min, bandwidth_max)) {
      out.download_bytes_per_second = *rate;
    }
  }
}

}  // namespace

void read_fleet(const Fleet& in, const source_map& at, context& ctx, names& known, fleet_spec& out) {
  read_products(in, at, ctx, known, out);
  read_groups(in, at, ctx, known, out);
  read_network(in, at, ctx, out.net);
}

}  // namespace fleet::scenario
