// Attacks: who attacks what, when, and how many identities, links or devices.
#include <algorithm>

#include "checks.hpp"
#include "fleet/cloud/certificate_authority.hpp"
#include "fleet/scenario/attack_kinds.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"
#include "timing.hpp"

namespace fleet::scenario {
namespace {

/// The image a mirror kind serves, `kind.image` in the file.
std::optional<std::size_t> served_image(checker& c, const char* kind, const std::string& text, const names& known) {
  checker k = c.nested(kind);
  if (text.empty()) {
    k.fail("image", "missing: the genuine image the mirror serves, \"name@version\"");
    return std::nullopt;
  }
  return resolve_image(k, "image", -1, text, known.images);
}

/// `kind.requests_per_second`: in (0, flood_rate_max].
std::optional<double> rate_of(checker& c, const char* kind, double rate) {
  checker k = c.nested(kind);
  if (!k.in_range("requests_per_second", rate, 0, flood_rate_max, /*min_open=*/true)) return std::nullopt;
  return rate;
}

std::optional<attack_kind> read_kind(const Attack& in, checker& c, const names& known) {
  switch (in.kind_case()) {
    case Attack::kSpoofedIdentity: return spoofed_identity{};
    case Attack::kClonedIdentity: return cloned_identity{};
    case Attack::kReplayedEvidence: return replayed_evidence{};
    case Attack::kForgedCertificate: return forged_certificate{};
    case Attack::kExpiredCertificate: return expired_certificate{};
    case Attack::kStolenCertificate: return stolen_certificate{};
    case Attack::kNonceBurning: return nonce_burning{};
    case Attack::kVictimLockout: {
      const auto rate = rate_of(c, "victim_lockout", in.victim_lockout().requests_per_second());
      if (!rate) return std::nullopt;
      return victim_lockout{*rate};
    }
    case Attack::kManInTheMiddle: return man_in_the_middle{};
    case Attack::kRequestFlood: {
      const auto rate = rate_of(c, "request_flood", in.request_flood().requests_per_second());
      if (!rate) return std::nullopt;
      return request_flood{*rate};
    }
    case Attack::kRogueImage: return rogue_image{};
    case Attack::kTamperedImage: {
      tampered_image k;
      if (in.tampered_image().has_chunk()) {
        if (!c.nested("tampered_image").count_in("chunk", in.tampered_image().chunk(), 0, tampered_chunk_max)) {
          return std::nullopt;
        }
        k.chunk = in.tampered_image().chunk();
      }
      return k;
    }
    case Attack::kEndlessData: return endless_data{};
    case Attack::kLeakedSigningKey: return leaked_signing_key{};
    case Attack::kRollbackImage: {
      const auto image = served_image(c, "rollback_image", in.rollback_image().image(), known);
      if (!image) return std::nullopt;
      return rollback_image{*image};
    }
    case Attack::kMixAndMatch: {
      const auto image = served_image(c, "mix_and_match", in.mix_and_match().image(), known);
      if (!image) return std::nullopt;
      return mix_and_match{*image};
    }
    case Attack::kFreeze: {
      const auto image = served_image(c, "freeze", in.freeze().image(), known);
      if (!image) return std::nullopt;
      return freeze{*image};
    }
    case Attack::KIND_NOT_SET: break;
  }
  c.fail("kind",
         "missing: one of spoofed_identity, cloned_identity, replayed_evidence, man_in_the_middle, request_flood, "
         "rogue_image, tampered_image, rollback_image, mix_and_match, freeze, endless_data, forged_certificate, "
         "expired_certificate, leaked_signing_key, stolen_certificate, victim_lockout, nonce_burning");
  return std::nullopt;
}

// An image served as an attack must be one that the defence named for the
// kind refuses; otherwise the mirror would be serving a genuine update.

/// A rollback needs a newer security version of the same component to roll back from.
void check_rollback(checker& c, const scenario& s, std::size_t index) {
  const image& old = s.images[index];
  const bool newer_exists = std::any_of(s.images.begin(), s.images.end(), [&](const image& i) {
    return i.product == old.product && i.component == old.component && i.security_version > old.security_version;
  });
  if (!newer_exists) {
    c.nested("rollback_image")
        .fail("image", quote(old.ref()) + " has the highest security version of its component (" +
                           std::to_string(old.security_version) + "): there is nothing to roll back from");
  }
}

/// Mix-and-match needs devices the image was not made for.
void check_mix(checker& c, const scenario& s, std::size_t index) {
  const image& other = s.images[index];
  const product& p = s.fleet.products[other.product];
  const bool every_revision = other.hardware_revisions.empty() || other.hardware_revisions.size() == p.revisions.size();
  const bool one_product = std::all_of(s.fleet.groups.begin(), s.fleet.groups.end(),
                                       [&](const group& g) { return g.product == other.product; });
  if (every_revision && one_product) {
    c.nested("mix_and_match")
        .fail("image", quote(other.ref()) + " fits every device of the fleet: there is none it was not made for");
  }
}

/// A freeze replays a stale manifest: expired when the attack begins.
void check_freeze(checker& c, const scenario& s, std::size_t index, duration attack_at) {
  const image& stale = s.images[index];
  if (stale.expires > attack_at) {
    c.nested("freeze").fail("image", quote(stale.ref()) + " expires at " + format_duration(stale.expires) +
                                         ", after the attack begins (" + format_duration(attack_at) +
                                         "): a manifest still valid is not stale");
  }
}

/// An expired certificate is one the cloud issued in the run, so the run
/// must outlast a certificate's lifetime (the cloud's, 24 h) for one to expire.
void check_expiry_in_run(checker& c, duration run_length) {
  const duration lifetime = cloud::ca_settings{}.certificate_lifetime;
  if (run_length > lifetime) return;
  c.fail("expired_certificate", "the run lasts " + format_duration(run_length) +
                                    ": no certificate issued in it expires before it ends (a certificate lives " +
                                    format_duration(lifetime) + ")");
}

}  // namespace

void read_attacks(const Scenario& in, const source_map& at, context& ctx, const names& known, scenario& out) {
  checker top(ctx, at, "scenario");
  if (!top.at_most("attack", in.attack_size(), attacks_max)) return;
  name_table seen;
  for (int i = 0; i < in.attack_size(); ++i) {
    const Attack& a = in.attack(i);
    checker c(ctx, at.nested("attack", i), label("attack", a.name(), i));
    const auto kind = read_kind(a, c, known);
    attack item;
    if (!a.name().empty()) {
      if (c.name("name", a.name())) c.define(seen, a.name(), out.attacks.size(), "name", "attack " + quote(a.name()));
      item.name = a.name();
    }
    const bool on_links = a.kind_case() == Attack::kManInTheMiddle;
    // From the kind asked for, even when it did not read (an unknown image).
    const bool mirror = mirror_kind(a.kind_case());
    const bool on_a_share = on_links || mirror;
    const bool lasts = on_a_share || a.kind_case() == Attack::kRequestFlood || a.kind_case() == Attack::kVictimLockout;
    const timing when =
        read_timing(c, a.at(), a.duration(), lasts, "attack", kind ? kind_name(*kind) : "attack", out.length);
    if (a.has_count()) {
      if (on_links) {
        c.fail("count", "a man in the middle sits on a share of the links: fraction, not count");
      } else if (mirror) {
        c.fail("count", "a compromised mirror serves a share of the devices: fraction, not count");
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
      if (!on_a_share) {
        c.fail("fraction",
               "only a man in the middle or a compromised mirror hits a share of the devices; identities are counted");
      } else if (c.in_range("fraction", a.fraction(), 0, 1, /*min_open=*/true)) {
        item.fraction = a.fraction();
      }
    }
    if (!kind) continue;
    if (const auto* r = std::get_if<rollback_image>(&*kind)) check_rollback(c, out, r->image);
    if (const auto* m = std::get_if<mix_and_match>(&*kind)) check_mix(c, out, m->image);
    if (const auto* f = std::get_if<freeze>(&*kind)) check_freeze(c, out, f->image, when.at);
    if (std::holds_alternative<expired_certificate>(*kind)) check_expiry_in_run(c, out.length);
    item.kind = *kind;
    item.at = when.at;
    item.length = when.length;
    if (item.name.empty()) item.name = std::string(kind_name(item.kind)) + "[" + std::to_string(i) + "]";
    out.attacks.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
