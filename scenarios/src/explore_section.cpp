// The `explore` section: what `fleetsim explore` draws a run. Checked here,
// with the rest of the file, so that `fleetsim validate` refuses a section
// explore could not draw from.
#include <algorithm>

#include "checks.hpp"
#include "fleet/cloud/certificate_authority.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"

namespace fleet::scenario {
namespace {

/// The names of `type`'s `kind` oneof: what a fault or an attack can be.
std::vector<std::string> kinds_of(const google::protobuf::Descriptor* type) {
  std::vector<std::string> out;
  const google::protobuf::OneofDescriptor* kind = type->FindOneofByName("kind");
  for (int i = 0; i < kind->field_count(); ++i) out.push_back(kind->field(i)->name());
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

/// Attack kinds that name an image: explore copies it from the file's own attack of the kind.
bool needs_image(const std::string& kind) {
  return kind == "rollback_image" || kind == "mix_and_match" || kind == "freeze";
}

/// The kinds `field` names, each known and once; empty with an error otherwise.
std::vector<std::string> read_kinds(checker& c, const char* field, const google::protobuf::RepeatedPtrField<std::string>& in,
                                    const google::protobuf::Descriptor* type) {
  const std::vector<std::string> known = kinds_of(type);
  std::vector<std::string> out;
  for (int i = 0; i < in.size(); ++i) {
    const std::string& k = in.Get(i);
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      c.fail(field, "unknown kind " + quote(k) + ": one of " + joined(known), i);
    } else if (std::find(out.begin(), out.end(), k) != out.end()) {
      c.fail(field, quote(k) + " named twice", i);
    } else {
      out.push_back(k);
    }
  }
  return out;
}

/// The kinds of the file's own entries, each once, in file order.
template <typename Entry>
std::vector<std::string> kinds_named(const google::protobuf::RepeatedPtrField<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) {
    const google::protobuf::Descriptor* type = Entry::descriptor();
    const google::protobuf::FieldDescriptor* f = type->FindFieldByNumber(static_cast<int>(e.kind_case()));
    if (f == nullptr || std::find(out.begin(), out.end(), f->name()) != out.end()) continue;
    out.push_back(f->name());
  }
  return out;
}

}  // namespace

void read_explore(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  explore_plan& plan = out.explore;
  plan.to = out.length;
  const Explore& e = in.explore();
  checker c(ctx, at.nested("explore"), "explore");
  const bool named = e.fault_size() > 0 || e.attack_size() > 0;
  if (named) {
    if (!c.at_most("fault", e.fault_size(), kinds_of(Fault::descriptor()).size()) ||
        !c.at_most("attack", e.attack_size(), kinds_of(Attack::descriptor()).size())) {
      return;
    }
    plan.fault_kinds = read_kinds(c, "fault", e.fault(), Fault::descriptor());
    plan.attack_kinds = read_kinds(c, "attack", e.attack(), Attack::descriptor());
    const std::vector<std::string> own = kinds_named(in.attack());
    for (int i = 0; i < e.attack_size(); ++i) {
      const std::string& k = e.attack(i);
      if (needs_image(k) && std::find(own.begin(), own.end(), k) == own.end()) {
        c.fail("attack", quote(k) + " names an image: explore copies it from the file's own " + k +
                             " attack, and the file has none",
               i);
      }
      // As the attack section says of the kind: a certificate issued in the run must expire in it.
      const duration lifetime = cloud::ca_settings{}.certificate_lifetime;
      if (k == "expired_certificate" && out.length.count() > 0 && out.length <= lifetime) {
        c.fail("attack", "\"expired_certificate\": the run lasts " + format_duration(out.length) +
                             ": no certificate issued in it expires before it ends",
               i);
      }
    }
  } else {
    plan.fault_kinds = kinds_named(in.fault());
    plan.attack_kinds = kinds_named(in.attack());
  }
  if (e.has_min() && c.count_in("min", e.min(), 0, explore_events_max)) plan.events_min = e.min();
  if (e.has_max() && c.count_in("max", e.max(), 1, explore_events_max)) plan.events_max = e.max();
  if (plan.events_min > plan.events_max) {
    c.fail(e.has_max() ? "max" : "min", "must be at least min (" + std::to_string(plan.events_min) + "), is " +
                                            std::to_string(plan.events_max));
  }
  if (const auto from = c.duration("from", e.from(), duration{0})) {
    if (c.before_end("from", *from, out.length)) plan.from = *from;
  }
  if (const auto to = c.duration("to", e.to(), out.length)) {
    if (out.length.count() > 0 && c.duration_in("to", *to, duration{0}, out.length, /*min_open=*/true)) plan.to = *to;
  }
  if (plan.from >= plan.to && out.length.count() > 0) {
    c.fail(e.to().empty() ? "from" : "to", "the span [from, to) is empty: events need room to start in");
  }
  if (e.has_fraction()) {
    checker f = c.nested("fraction");
    const bool low = f.in_range("min", e.fraction().min(), 0, 1, /*min_open=*/true);
    const bool high = f.in_range("max", e.fraction().max(), 0, 1, /*min_open=*/true);
    if (low && high && e.fraction().min() > e.fraction().max()) {
      f.fail("max", "must be at least min (" + number(e.fraction().min()) + "), is " + number(e.fraction().max()));
    } else if (low && high) {
      plan.fraction_min = e.fraction().min();
      plan.fraction_max = e.fraction().max();
    }
  }
  const auto shortest = c.duration("duration_min", e.duration_min(), plan.duration_min);
  // By default a lasting kind may last up to a quarter of the run, at most a
  // day: long enough for a mirror to meet devices that check for updates daily.
  plan.duration_max = std::clamp<duration>(out.length / 4, plan.duration_min, 24h);
  const auto longest = c.duration("duration_max", e.duration_max(), plan.duration_max);
  if (shortest && longest && c.duration_in("duration_min", *shortest, 1s, run_duration_max) &&
      c.duration_in("duration_max", *longest, 1s, run_duration_max)) {
    if (*shortest > *longest) {
      c.fail(e.duration_max().empty() ? "duration_min" : "duration_max",
             "the range [duration_min, duration_max] is empty: duration_min is longer");
    } else {
      plan.duration_min = *shortest;
      plan.duration_max = *longest;
    }
  }
  if (e.has_count_max() && c.count_in("count_max", e.count_max(), 1, attack_identities_max)) {
    plan.count_max = e.count_max();
  }
  if (e.has_write_max() && c.count_in("write_max", e.write_max(), 1, power_loss_write_max)) {
    plan.write_max = e.write_max();
  }
  if (e.has_chunk_max() && c.count_in("chunk_max", e.chunk_max(), 0, tampered_chunk_max)) {
    plan.chunk_max = e.chunk_max();
  }
}

}  // namespace fleet::scenario
