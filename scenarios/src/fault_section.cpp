// Faults: when each happens, for how long, to which share of the fleet.
#include "checks.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"
#include "sections.hpp"

namespace fleet::scenario {
namespace {

/// Whether the kind lasts (needs `duration`) or happens at an instant.
bool lasts(const fault_kind& k) {
  return !std::holds_alternative<power_loss>(k) && !std::holds_alternative<clock_jump>(k);
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
      if (k.loss == 0 && k.extra_latency.count() == 0) {
        n.fail("loss", "neither loss nor extra_latency: the fault would change nothing");
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
      return clock_jump{ahead ? *by : -*by};
    }
    case Fault::KIND_NOT_SET: break;
  }
  c.fail("kind",
         "missing: one of cloud_outage, partition, degraded_network, power_loss, offline, clock_jump");
  return std::nullopt;
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
    if (f.at().empty()) {
      c.fail("at", "missing: when the fault happens, e.g. \"2d\"");
    } else if (const auto when = c.duration("at", f.at(), duration{0})) {
      if (c.before_end("at", *when, out.length)) item.at = *when;
    }
    if (f.has_fraction() && c.in_range("fraction", f.fraction(), 0, 1, /*min_open=*/true)) item.fraction = f.fraction();
    if (!kind) continue;
    item.kind = *kind;
    if (item.name.empty()) item.name = std::string(kind_name(item.kind)) + "[" + std::to_string(i) + "]";
    if (lasts(item.kind)) {
      if (f.duration().empty()) {
        c.fail("duration", std::string("missing: how long the ") + kind_name(item.kind) + " lasts");
      } else if (const auto d = c.duration("duration", f.duration(), duration{0})) {
        if (c.duration_in("duration", *d, duration{0}, run_duration_max, /*min_open=*/true)) item.length = *d;
      }
    } else if (!f.duration().empty()) {
      c.fail("duration", std::string("a ") + kind_name(item.kind) + " happens at an instant: no duration");
    }
    out.faults.push_back(std::move(item));
  }
}

}  // namespace fleet::scenario
