// Faults: when each happens, for how long, to which share of the fleet.
#include <sstream>

#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"
#include "timing.hpp"

namespace fleet::scenario {
namespace {

/// Whether the kind written lasts (needs `duration`) or happens at an instant;
/// read from the file's choice, so a kind with a broken field still knows.
bool lasts(Fault::KindCase k) {
  return k != Fault::kPowerLoss && k != Fault::kClockJump && k != Fault::kBitRot;
}

const char* written_kind(Fault::KindCase k) {
  switch (k) {
    case Fault::kCloudOutage: return "cloud_outage";
    case Fault::kPartition: return "partition";
    case Fault::kDegradedNetwork: return "degraded_network";
    case Fault::kPowerLoss: return "power_loss";
    case Fault::kOffline: return "offline";
    case Fault::kClockJump: return "clock_jump";
    case Fault::kBitRot: return "bit_rot";
    case Fault::kSlowLink: return "slow_link";
    case Fault::KIND_NOT_SET: break;
  }
  return "fault";
}

std::optional<fault_kind> read_kind(const Fault& in, checker& c) {
  switch (in.kind_case()) {
    case Fault::kCloudOutage: {
      cloud_outage k;
      k.part = static_cast<cloud_part>(in.cloud_outage().part());
      if (in.has_fraction()) c.fail("fraction", "a cloud outage hits the cloud, not a share of the devices");
      return k;
    }
    case Fault::kPartition: return partition{};
    case Fault::kDegradedNetwork: {
      checker n = c.nested("degraded_network");
      degraded_network k;
      if (!n.in_range("loss", in.degraded_network().loss(), 0, loss_max)) return std::nullopt;
      k.loss = in.degraded_network().loss();
      const auto extra = n.duration("extra_latency", in.degraded_network().extra_latency(), duration{0});
      if (!extra || !n.duration_in("extra_latency", *extra, duration{0}, latency_max)) return std::nullopt;
      k.extra_latency = *extra;
      const auto jitter = n.duration("jitter", in.degraded_network().jitter(), duration{0});
      if (!jitter || !n.duration_in("jitter", *jitter, duration{0}, latency_max)) return std::nullopt;
      k.jitter = *jitter;
      if (k.loss == 0 && k.extra_latency.count() == 0 && k.jitter.count() == 0) {
        n.fail("loss", "none of loss, extra_latency and jitter: the fault would change nothing");
        return std::nullopt;
      }
      return k;
    }
    case Fault::kPowerLoss: {
      checker p = c.nested("power_loss");
      power_loss k;
      k.during = static_cast<power_loss_moment>(in.power_loss().during());
      const auto restore = p.duration("restore_after", in.power_loss().restore_after(), k.restore_after);
      if (!restore || !p.duration_in("restore_after", *restore, 1s, run_duration_max)) return std::nullopt;
      k.restore_after = *restore;
      if (in.power_loss().has_write()) {
        if (k.during != power_loss_moment::flash_write) {
          p.fail("write", "only a power loss during FLASH_WRITE tears a write: which one is counted from then");
          return std::nullopt;
        }
        if (!p.count_in("write", in.power_loss().write(), 1, power_loss_write_max)) return std::nullopt;
        k.write = in.power_loss().write();
      }
      return k;
    }
    case Fault::kOffline: return offline{};
    case Fault::kClockJump: {
      checker j = c.nested("clock_jump");
      const ClockJump& cj = in.clock_jump();
      if (cj.ahead().empty() == cj.behind().empty()) {
        j.fail("ahead", "exactly one of ahead and behind");
        return std::nullopt;
      }
      const bool ahead = !cj.ahead().empty();
      const char* field = ahead ? "ahead" : "behind";
      const auto by = j.duration(field, ahead ? cj.ahead() : cj.behind(), duration{0});
      if (!by || !j.duration_in(field, *by, duration{0}, clock_jump_max, /*min_open=*/true)) return std::nullopt;
      clock_jump jump{ahead ? *by : -*by, std::nullopt};
      if (!cj.corrected_after().empty()) {
        const auto after = j.duration("corrected_after", cj.corrected_after(), duration{0});
        if (!after || !j.duration_in("corrected_after", *after, duration{0}, run_duration_max, /*min_open=*/true)) {
          return std::nullopt;
        }
        jump.corrected_after = *after;
      }
      return jump;
    }
    case Fault::kBitRot: return bit_rot{};
    case Fault::kSlowLink: {
      checker n = c.nested("slow_link");
      const std::string& text = in.slow_link().bytes_per_second();
      if (text.empty()) {
        n.fail("bytes_per_second", "missing: what the links carry a second, e.g. \"4KiB\"");
        return std::nullopt;
      }
      const auto rate = n.size("bytes_per_second", text);
      if (!rate || !n.size_in("bytes_per_second", *rate, bandwidth_min, bandwidth_max)) return std::nullopt;
      return slow_link{*rate};
    }
    case Fault::KIND_NOT_SET: break;
  }
  c.fail("kind",
         "missing: one of cloud_outage, partition, degraded_network, power_loss, offline, clock_jump, bit_rot, "
         "slow_link");
  return std::nullopt;
}

/// A lasting kind at random: how long each spell lasts, and a rate that
/// leaves room for it (spells take at most half the window: fault_spells.hpp).
void read_spell(const Fault& f, checker& c, fault& out) {
  if (f.spell().empty()) {
    c.fail("spell", std::string("missing: how long each spell of the ") + written_kind(f.kind_case()) +
                        " lasts, e.g. \"30m\" (a lasting kind at random comes in spells)");
    return;
  }
  const auto spell = c.duration("spell", f.spell(), duration{0});
  if (!spell || !c.duration_in("spell", *spell, fault_spell_min, run_duration_max)) return;
  out.spell = *spell;
  if (!out.rate_per_day) return;
  const double most = 86'400e6 / (2.0 * static_cast<double>(spell->count()));
  if (*out.rate_per_day > most) {
    std::ostringstream text;
    text << "with spells of " << f.spell() << ", at most " << most
         << " a day (spells take at most half the time), is " << *out.rate_per_day;
    c.fail("rate_per_day", text.str());
  }
}

}  // namespace

void read_faults(const Scenario& in, const source_map& at, context& ctx, scenario& out) {
  checker top(ctx, at, "scenario");
  if (!top.at_most("fault", in.fault_size(), faults_max)) return;
  name_table seen;
  for (int i = 0; i < in.fault_size(); ++i) {
    const Fault& f = in.fault(i);
    checker c(ctx, at.nested("fault", i), label("fault", f.name(), i));
    const auto kind = read_kind(f, c);
    fault item;
    if (!f.name().empty()) {
      if (c.name("name", f.name())) c.define(seen, f.name(), out.faults.size(), "name", "fault " + quote(f.name()));
      item.name = f.name();
    }
    // At a rate, a fault takes a window (`duration`, absent: to the end)
    // instead of an instant or a span, and a lasting kind comes in spells.
    const bool window = f.has_rate_per_day();
    const timing when = read_timing(c, f.at(), window ? "" : f.duration(), lasts(f.kind_case()) && !window, "fault",
                                    written_kind(f.kind_case()), out.length);
    if (window && c.in_range("rate_per_day", f.rate_per_day(), 0, fault_rate_per_day_max, /*min_open=*/true)) {
      item.rate_per_day = f.rate_per_day();
    }
    if (window && lasts(f.kind_case()) && f.kind_case() != Fault::KIND_NOT_SET) {
      read_spell(f, c, item);
    } else if (!f.spell().empty()) {
      c.fail("spell", window ? std::string("a ") + written_kind(f.kind_case()) + " happens at an instant: no spell"
                             : std::string("only a lasting fault at random (with rate_per_day) comes in spells"));
    }
    if (window) {
      // The window: `duration`, or to the end (nothing to check when the run's length is wrong).
      const auto span = c.duration("duration", f.duration(), out.length - when.at);
      if (span && (out.length > when.at || !f.duration().empty()) &&
          c.duration_in("duration", *span, duration{0}, run_duration_max, /*min_open=*/true)) {
        item.length = *span;
      }
    }
    if (f.has_fraction() && c.in_range("fraction", f.fraction(), 0, 1, /*min_open=*/true)) item.fraction = f.fraction();
    if (!kind) continue;
    item.kind = *kind;
    item.at = when.at;
    if (!window) item.length = when.length;
    if (item.name.empty()) item.name = std::string(kind_name(item.kind)) + "[" + std::to_string(i) + "]";
    out.faults.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
