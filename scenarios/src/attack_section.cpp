// Attacks: who attacks what, when, and how many identities or links.
#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "sections.hpp"
#include "timing.hpp"

namespace fleet::scenario {
namespace {

std::optional<attack_kind> read_kind(const Attack& in, checker& c) {
  switch (in.kind_case()) {
    case Attack::kSpoofedIdentity: return spoofed_identity{};
    case Attack::kClonedIdentity: return cloned_identity{};
    case Attack::kReplayedEvidence: return replayed_evidence{};
    case Attack::kManInTheMiddle: return man_in_the_middle{};
    case Attack::kRequestFlood: {
      checker f = c.nested("request_flood");
      if (!f.in_range("requests_per_second", in.request_flood().requests_per_second(), 0, flood_rate_max,
                      /*min_open=*/true)) {
        return std::nullopt;
      }
      return request_flood{in.request_flood().requests_per_second()};
    }
    case Attack::KIND_NOT_SET: break;
  }
  c.fail("kind",
         "missing: one of spoofed_identity, cloned_identity, replayed_evidence, man_in_the_middle, request_flood");
  return std::nullopt;
}

}  // namespace

void read_attacks(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  checker top(ctx, at, "scenario");
  if (!top.at_most("attack", in.attack_size(), attacks_max)) return;
  name_table seen;
  for (int i = 0; i < in.attack_size(); ++i) {
    const Attack& a = in.attack(i);
    checker c(ctx, at.nested("attack", i), label("attack", a.name(), i));
    const auto kind = read_kind(a, c);
    attack item;
    if (!a.name().empty()) {
      if (c.name("name", a.name())) c.define(seen, a.name(), out.attacks.size(), "name", "attack " + quote(a.name()));
      item.name = a.name();
    }
    const bool on_links = a.kind_case() == Attack::kManInTheMiddle;
    const bool lasts = on_links || a.kind_case() == Attack::kRequestFlood;
    const timing when =
        read_timing(c, a.at(), a.duration(), lasts, "attack", kind ? kind_name(*kind) : "attack", out.length);
    if (a.has_count()) {
      if (on_links) {
        c.fail("count", "a man in the middle sits on a share of the links: fraction, not count");
      } else if (c.count_in("count", a.count(), 1, attack_identities_max)) {
        const std::uint64_t devices = out.device_count();
        if (devices > 0 && a.count() > devices) {
          c.fail("count", "more identities (" + std::to_string(a.count()) + ") than devices in the fleet (" +
                              std::to_string(devices) + ")");
        } else {
          item.count = a.count();
        }
      }
    }
    if (a.has_fraction()) {
      if (!on_links) {
        c.fail("fraction", "only a man in the middle hits a share of the links; identities are counted");
      } else if (c.in_range("fraction", a.fraction(), 0, 1, /*min_open=*/true)) {
        item.fraction = a.fraction();
      }
    }
    if (!kind) continue;
    item.kind = *kind;
    item.at = when.at;
    item.length = when.length;
    if (item.name.empty()) item.name = std::string(kind_name(item.kind)) + "[" + std::to_string(i) + "]";
    out.attacks.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
