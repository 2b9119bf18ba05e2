// Warnings: parts of a valid scenario that cannot do what they say. Each
// check reads the typed scenario only; the places come from the loader.
#include "fleet/scenario/warnings.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "checks.hpp"
#include "day_spans.hpp"
#include "fleet/cloud/update_eligibility.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::scenario {
namespace {

/// The window model draws its jitter from a stream of its own, under a
/// fixed seed: a file's warnings never depend on the run's seed.
constexpr std::uint64_t window_model_seed = 0;

// The cap on a model device's checks is no cut-off in practice: even at the
// shortest interval, the firmware's mean jitter makes that many checks last
// longer than the longest run.
static_assert(window_model_checks_max * (update_check_interval_min + fw::timing{}.update_check_jitter / 2) >
                  run_duration_max,
              "window_model_checks_max covers a whole run");

// The model takes a time since the start for a time since midnight.
static_assert(run_epoch.count() % cloud::day.count() == 0, "time zero is a UTC midnight");

class collector {
 public:
  explicit collector(const std::string& file) : file_(file) {}
  void warn(location where, std::string message) {
    out_.push_back({file_, where, std::move(message), severity::warning});
  }
  std::vector<diagnostic> take() {
    // Checked deployment by deployment, read through the file.
    std::stable_sort(out_.begin(), out_.end(), [](const diagnostic& a, const diagnostic& b) {
      return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    return std::move(out_);
  }

 private:
  const std::string& file_;
  std::vector<diagnostic> out_;
};

location place(const std::vector<location>& places, std::size_t i, location fallback) {
  return i < places.size() ? places[i] : fallback;
}

/// A deployment to a group whose update policy refuses one of its images:
/// the cloud never offers it there (cloud::eligible), and the rollout runs
/// on with none of its devices updated.
void check_group_policy(const scenario& s, const deployment& d, const deployment_places& at, collector& out) {
  const group& g = s.fleet.groups[d.group];
  const cloud::group_update_policy policy = update_policy_of(g);
  for (const std::size_t i : d.images) {
    const image& img = s.images[i];
    if (cloud::policy_allows(policy, cloud::kind_of(fw::to_wire(img.component)))) continue;
    out.warn(at.group, "deployment " + quote(d.name) + ": group: group " + quote(g.name) + " of product " +
                           quote(s.fleet.products[g.product].name) + " has update policy " + cloud::name_of(policy) +
                           ", which takes no " + schema_name(img.component) + " image: " + quote(img.ref()) +
                           " is never offered, and the rollout runs with none of its devices updated");
  }
}

/// Count waves that reach past the group: the waves after them get no
/// device (cloud wave_membership). A last listed wave that takes exactly the
/// group is fine: the rest is empty, as written.
void check_count_waves(const scenario& s, const deployment& d, const deployment_places& at, collector& out) {
  const cloud::wave_plan& plan = d.rollout.waves;
  if (plan.by != cloud::wave_plan::kind::count) return;
  const group& g = s.fleet.groups[d.group];
  const std::uint64_t devices = g.devices;
  std::uint64_t before = 0;
  for (std::size_t i = 0; i < plan.sizes.size(); ++i) {
    const std::uint64_t through = before + plan.sizes[i];
    const bool last_listed = i + 1 == plan.sizes.size();
    if (through > devices || (through == devices && !last_listed)) {
      const std::string field = "rollout.wave[" + std::to_string(i) + "].count: ";
      const std::string counted = i == 0 ? "this wave counts " : "the waves up to this one count ";
      std::string problem;
      if (through > devices) {
        problem = counted + format_count(through) + " devices, and group " + quote(g.name) + " has " +
                  format_count(devices) + ": this wave gets " + format_count(devices - before) +
                  " and no wave after it gets any";
      } else {
        problem = counted + "all " + format_count(devices) + " devices of group " + quote(g.name) +
                  ": no wave after it gets any";
      }
      out.warn(place(at.waves, i, at.group), "deployment " + quote(d.name) + ": " + field + problem);
      return;
    }
    before = through;
  }
}

/// window_reach() of each (product, windows, start) once: deployments that
/// share them (a file's waves of one rollout, split by group or by time) are
/// modelled once.
class reach_memo {
 public:
  double reach(std::size_t product, const std::vector<cloud::maintenance_window>& windows,
               const device_timing& timing, duration from, duration to) {
    for (const entry& e : seen_) {
      if (e.product == product && e.from == from && same(e.windows, windows)) return e.reach;
    }
    seen_.push_back({product, windows, from, window_reach(windows, timing, from, to)});
    return seen_.back().reach;
  }

 private:
  struct entry {
    std::size_t product;
    std::vector<cloud::maintenance_window> windows;
    duration from;
    double reach;
  };
  static bool same(const std::vector<cloud::maintenance_window>& a, const std::vector<cloud::maintenance_window>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
      return x.start_of_day == y.start_of_day && x.length == y.length;
    });
  }
  std::vector<entry> seen_;
};

/// Windows the deployment's devices rarely check in: offers are made only
/// inside a window, and only at a device's update check.
void check_windows(const scenario& s, const deployment& d, const deployment_places& at, reach_memo& memo,
                   collector& out) {
  const std::vector<cloud::maintenance_window>& windows = d.rollout.windows;
  if (windows.empty()) return;
  const group& g = s.fleet.groups[d.group];
  const product& p = s.fleet.products[g.product];
  const double reach = memo.reach(g.product, windows, p.timing, d.rollout.start_at, s.length);
  if (reach >= window_reach_min) return;
  const auto percent = static_cast<long>(std::lround(reach * 100));
  const std::string share =
      percent == 0 ? (reach == 0 ? "none" : "under 1 %") : "about " + std::to_string(percent) + " %";
  out.warn(place(at.windows, 0, at.group),
           "deployment " + quote(d.name) + ": rollout.window[0]: offers are made only inside the windows, open " +
               format_duration(day_spans(windows).open_per_day()) +
               " a day, at a device's update check, and devices of product " + quote(p.name) + " check every " +
               format_duration(p.timing.update_check_interval) + " (plus up to " +
               format_duration(fw::timing{}.update_check_jitter) + "): " + share + " of group " + quote(g.name) +
               " would check inside one between the deployment's start and the end of the run " +
               "(docs/scenarios.md, \"Warnings\")");
}

}  // namespace

double window_reach(const std::vector<cloud::maintenance_window>& windows, const device_timing& timing, duration from,
                    duration to) {
  if (windows.empty()) return 1;
  const day_spans open(windows);
  const duration jitter_max = fw::timing{}.update_check_jitter;
  const auto devices = static_cast<std::int64_t>(window_model_devices);
  std::size_t reached = 0;
  for (std::int64_t m = 0; m < devices; ++m) {
    crypto::random_stream draw(window_model_seed, static_cast<std::uint64_t>(m), "window-model");
    // The middle of the m-th of equal slices of the spread: a fleet powered on evenly over it.
    duration t{timing.power_on_spread.count() / devices * m + timing.power_on_spread.count() / devices / 2};
    for (std::size_t k = 0; k < window_model_checks_max && t < to; ++k) {
      // Time zero is a UTC midnight (asserted above): t is the time since one.
      if (t >= from && open.contains(t)) {
        ++reached;
        break;
      }
      // As the firmware arms its next check: the interval and a jitter in [0, jitter_max].
      t += timing.update_check_interval +
           duration{static_cast<std::int64_t>(draw.below(static_cast<std::uint64_t>(jitter_max.count()) + 1))};
    }
  }
  return static_cast<double>(reached) / static_cast<double>(devices);
}

std::vector<diagnostic> warnings(const scenario& s, const scenario_places& at) {
  collector out(at.file);
  reach_memo memo;
  const deployment_places none;
  for (std::size_t i = 0; i < s.deployments.size(); ++i) {
    const deployment& d = s.deployments[i];
    const deployment_places& places = i < at.deployments.size() ? at.deployments[i] : none;
    check_group_policy(s, d, places, out);
    check_count_waves(s, d, places, out);
    check_windows(s, d, places, memo, out);
  }
  return out.take();
}

}  // namespace fleet::scenario
