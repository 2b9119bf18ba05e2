// Drawing a run's schedule and writing a run as a scenario file.
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/explore/explore.hpp"
#include "fleet/scenario/attack_kinds.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::explore {
namespace {

using scenario::Attack;
using scenario::Fault;
using std::chrono::microseconds;

/// Whole seconds: what a reproducer reads best, and plenty of resolution for when a fault comes.
microseconds whole_seconds(microseconds d) { return std::chrono::duration_cast<std::chrono::seconds>(d); }

/// Uniform in [low, high], in whole seconds (low when the range is empty).
microseconds uniform(crypto::random_stream& rng, microseconds low, microseconds high) {
  if (high <= low) return whole_seconds(low);
  const auto span = static_cast<std::uint64_t>((high - low).count());
  return whole_seconds(low + microseconds{static_cast<std::int64_t>(rng.below(span + 1))});
}

/// Uniform in [low, high], to four decimals: reproducers say 0.0731, not 0.07312283...
double uniform(crypto::random_stream& rng, double low, double high) {
  const double x = low + (high - low) * rng.unit();
  return std::clamp(std::round(x * 1e4) / 1e4, low, high);
}

std::uint32_t uniform(crypto::random_stream& rng, std::uint32_t low, std::uint32_t high) {
  if (high <= low) return low;
  return low + static_cast<std::uint32_t>(rng.below(std::uint64_t{high} - low + 1));
}

/// The file's entries of `kind`, in file order.
template <typename Entry>
std::vector<const Entry*> entries_of(const google::protobuf::RepeatedPtrField<Entry>& entries, const std::string& kind) {
  const google::protobuf::FieldDescriptor* field = Entry::descriptor()->FindFieldByName(kind);
  std::vector<const Entry*> out;
  for (const Entry& e : entries) {
    if (static_cast<int>(e.kind_case()) == field->number()) out.push_back(&e);
  }
  return out;
}

/// The file's first entry of `kind`, or an empty entry of that kind.
template <typename Entry>
Entry template_of(const google::protobuf::RepeatedPtrField<Entry>& entries, const std::string& kind) {
  const std::vector<const Entry*> of_kind = entries_of(entries, kind);
  if (!of_kind.empty()) return *of_kind.front();
  Entry out;
  // Sets the oneof to the kind, every field at its default.
  out.GetReflection()->MutableMessage(&out, Entry::descriptor()->FindFieldByName(kind));
  return out;
}

bool lasting_fault(const Fault& f) {
  return !f.has_power_loss() && !f.has_clock_jump() && !f.has_bit_rot();
}

bool on_a_share(const Attack& a) { return a.has_man_in_the_middle() || scenario::mirror_kind(a.kind_case()); }

bool lasting_attack(const Attack& a) {
  return on_a_share(a) || a.has_request_flood() || a.has_victim_lockout();
}

std::uint64_t file_devices(const scenario::Scenario& file) {
  std::uint64_t n = 0;
  for (const scenario::Group& g : file.fleet().group()) n += g.devices();
  return n;
}

Fault draw_fault(const scenario::Scenario& file, const scenario::explore_plan& plan, const std::string& kind,
                 crypto::random_stream& rng) {
  Fault f = template_of(file.fault(), kind);
  f.clear_name();
  f.clear_rate_per_day();  // a drawn fault happens once, at its time
  f.clear_spell();
  f.clear_duration();
  f.clear_fraction();
  f.set_at(scenario::format_duration(uniform(rng, plan.from, plan.to - microseconds{1})));
  if (lasting_fault(f)) f.set_duration(scenario::format_duration(uniform(rng, plan.duration_min, plan.duration_max)));
  if (!f.has_cloud_outage()) f.set_fraction(uniform(rng, plan.fraction_min, plan.fraction_max));
  switch (f.kind_case()) {
    case Fault::kCloudOutage:
      f.mutable_cloud_outage()->set_part(static_cast<scenario::CloudPart>(rng.below(3)));
      break;
    case Fault::kDegradedNetwork: {
      scenario::DegradedNetwork* d = f.mutable_degraded_network();
      d->set_loss(uniform(rng, 0.05, 0.5));
      d->set_extra_latency(scenario::format_duration(uniform(rng, microseconds{0}, std::chrono::seconds(2))));
      d->set_jitter(scenario::format_duration(uniform(rng, microseconds{0}, std::chrono::milliseconds(500))));
      break;
    }
    case Fault::kSlowLink:
      // 1 KiB/s (the floor) to 64 KiB/s: slow enough that a download outlasts the fault.
      f.mutable_slow_link()->set_bytes_per_second(scenario::format_size(1024ull * uniform(rng, 1u, 64u)));
      break;
    case Fault::kPowerLoss: {
      scenario::PowerLoss* p = f.mutable_power_loss();
      p->clear_write();
      if (rng.chance(0.5)) {
        p->set_during(scenario::FLASH_WRITE);
        p->set_write(uniform(rng, 1u, plan.write_max));
      } else {
        p->set_during(scenario::ANY_TIME);
      }
      break;
    }
    case Fault::kClockJump: {
      scenario::ClockJump* j = f.mutable_clock_jump();
      const std::string by = scenario::format_duration(uniform(rng, std::chrono::minutes(1), std::chrono::hours(48)));
      j->clear_ahead();
      j->clear_behind();
      if (rng.chance(0.5)) j->set_ahead(by); else j->set_behind(by);
      // Devices set their clocks by a time sync, which reaches them within
      // hours: a clock left off for good can never check a certificate, and
      // a run drawn that way fails every attestation expectation for want
      // of a sync the device has, not for a defect (ca-rotation found it).
      j->set_corrected_after(scenario::format_duration(uniform(rng, std::chrono::minutes(1), std::chrono::hours(24))));
      break;
    }
    default: break;  // partition, offline, bit_rot: nothing more to draw
  }
  return f;
}

/// The file's entry of `kind` an attack starts from: one drawn when the
/// file has several (rogue-image-and-mirror's two mix-and-match images,
/// another revision's and another product's, each reach their own check),
/// else as template_of. Only several entries take a draw, so a file with
/// one per kind draws the same schedules as before.
Attack attack_template(const scenario::Scenario& file, const std::string& kind, crypto::random_stream& rng) {
  const std::vector<const Attack*> of_kind = entries_of(file.attack(), kind);
  if (of_kind.size() < 2) return template_of(file.attack(), kind);
  return *of_kind[rng.below(of_kind.size())];
}

Attack draw_attack(const scenario::Scenario& file, const scenario::explore_plan& plan, const std::string& kind,
                   crypto::random_stream& rng) {
  Attack a = attack_template(file, kind, rng);
  const std::string template_at = a.at();
  a.clear_name();
  a.clear_duration();
  a.clear_count();
  a.clear_fraction();
  microseconds at = uniform(rng, plan.from, plan.to - microseconds{1});
  // A freeze replays a manifest stale by then: never before the file's own freeze.
  if (a.has_freeze() && !template_at.empty()) {
    const auto parsed = scenario::parse_duration(template_at);
    if (parsed.ok()) at = std::max(at, parsed.value);
  }
  a.set_at(scenario::format_duration(at));
  if (lasting_attack(a)) a.set_duration(scenario::format_duration(uniform(rng, plan.duration_min, plan.duration_max)));
  if (on_a_share(a)) {
    a.set_fraction(uniform(rng, plan.fraction_min, plan.fraction_max));
  } else {
    const auto most = static_cast<std::uint32_t>(std::min<std::uint64_t>(plan.count_max, file_devices(file)));
    a.set_count(uniform(rng, 1u, std::max(1u, most)));
  }
  if (a.has_request_flood() && a.request_flood().requests_per_second() <= 0) {
    a.mutable_request_flood()->set_requests_per_second(5);
  }
  if (a.has_victim_lockout() && a.victim_lockout().requests_per_second() <= 0) {
    a.mutable_victim_lockout()->set_requests_per_second(2);
  }
  if (a.has_tampered_image()) a.mutable_tampered_image()->set_chunk(uniform(rng, 0u, plan.chunk_max));
  return a;
}

}  // namespace

std::string kind_of(const event& e) {
  if (e.is_attack) {
    const auto* f = Attack::descriptor()->FindFieldByNumber(static_cast<int>(e.attack.kind_case()));
    return f == nullptr ? "attack" : f->name();
  }
  const auto* f = Fault::descriptor()->FindFieldByNumber(static_cast<int>(e.fault.kind_case()));
  return f == nullptr ? "fault" : f->name();
}

std::string describe(const event& e) {
  std::ostringstream out;
  out << (e.drawn ? "" : "(the file's) ") << kind_of(e) << " at " << (e.is_attack ? e.attack.at() : e.fault.at());
  const std::string& length = e.is_attack ? e.attack.duration() : e.fault.duration();
  if (!length.empty()) out << " for " << length;
  if (!e.is_attack && e.fault.has_fraction()) out << ", fraction " << e.fault.fraction();
  if (e.is_attack && e.attack.has_fraction()) out << ", fraction " << e.attack.fraction();
  if (e.is_attack && e.attack.has_count()) out << ", count " << e.attack.count();
  if (!e.is_attack && e.fault.has_power_loss() && e.fault.power_loss().has_write()) {
    out << ", write " << e.fault.power_loss().write();
  }
  if (e.is_attack && e.attack.has_tampered_image() && e.attack.tampered_image().has_chunk()) {
    out << ", chunk " << e.attack.tampered_image().chunk();
  }
  return out.str();
}

std::uint64_t run_seed(std::uint64_t seed, std::uint64_t index) {
  // splitmix64: the golden-gamma step, then the finaliser.
  return crypto::mix64(seed + (index + 1) * 0x9e3779b97f4a7c15ull);
}

std::vector<event> draw_schedule(const scenario::Scenario& file, const scenario::explore_plan& plan,
                                 std::uint64_t seed) {
  std::vector<std::string> kinds = plan.fault_kinds;
  kinds.insert(kinds.end(), plan.attack_kinds.begin(), plan.attack_kinds.end());
  std::vector<event> out;
  if (kinds.empty() || plan.to <= plan.from) return out;
  crypto::random_stream rng(seed, 0, "explore-schedule");
  const std::uint32_t n = uniform(rng, plan.events_min, plan.events_max);
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t pick = static_cast<std::size_t>(rng.below(kinds.size()));
    event e;
    e.is_attack = pick >= plan.fault_kinds.size();
    if (e.is_attack) {
      e.attack = draw_attack(file, plan, kinds[pick], rng);
      e.attack.set_name(drawn_prefix + std::to_string(i) + "-" + kinds[pick]);
    } else {
      e.fault = draw_fault(file, plan, kinds[pick], rng);
      e.fault.set_name(drawn_prefix + std::to_string(i) + "-" + kinds[pick]);
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string scenario_text(const scenario::Scenario& base, const std::vector<event>& events, std::uint64_t seed,
                          std::optional<std::uint64_t> devices, const std::string& comment) {
  scenario::Scenario s = base;
  s.clear_fault();
  s.clear_attack();
  s.clear_explore();
  for (const event& e : events) {
    if (e.is_attack) {
      *s.add_attack() = e.attack;
    } else {
      *s.add_fault() = e.fault;
    }
  }
  s.set_seed(seed);
  if (devices) s.set_devices(*devices);
  std::string body;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(s, &body);
  std::string out = "# proto-file: proto/scenario.proto\n# proto-message: fleet.scenario.Scenario\n";
  std::istringstream lines(comment);
  for (std::string line; std::getline(lines, line);) out += line.empty() ? "#\n" : "# " + line + "\n";
  return out + "\n" + body;
}

}  // namespace fleet::explore
