#include "fleet/scenario/rescale.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>
#include <variant>
#include <vector>

#include "fleet/scenario/limits.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::scenario {
namespace {

/// `value` * `to` / `from`, rounded half up. Exact: callers pass a value
/// below 2^32 and `to` at most fleet_devices_max, so the product fits.
std::uint64_t scaled(std::uint64_t value, std::uint64_t to, std::uint64_t from) {
  return (value * to + from / 2) / from;
}

std::uint32_t clamped(std::uint64_t value, std::uint64_t low, std::uint64_t high) {
  return static_cast<std::uint32_t>(std::clamp(value, low, high));
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

/// The groups' sizes at a fleet of `total` devices (at least one a group).
std::vector<std::uint32_t> group_sizes(const scenario& s, std::uint64_t total) {
  const std::vector<group>& groups = s.fleet.groups;
  const std::uint64_t current = s.device_count();
  std::vector<std::uint32_t> sizes(groups.size());
  // Exact shares: total * devices fits in 64 bits (both at most 4e6).
  std::vector<std::uint64_t> remainder(groups.size());
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::uint64_t exact = total * groups[i].devices;
    sizes[i] = static_cast<std::uint32_t>(exact / current);
    remainder[i] = exact % current;
    given += sizes[i];
  }
  std::vector<std::size_t> order(groups.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < total; ++k, ++given) ++sizes[order[k]];
  // Every group keeps a device, taken from the largest (the first of equals).
  for (std::uint32_t& size : sizes) {
    if (size > 0) continue;
    --*std::max_element(sizes.begin(), sizes.end());
    size = 1;
  }
  return sizes;
}

/// A count wave stands for a share of its group (10 devices of 9,500 are
/// 2 of 1,900): it follows the group, at least 1 device, and at most the
/// group, which a larger count covers all the same.
cloud::wave_plan scaled_plan(const cloud::wave_plan& plan, std::uint32_t to, std::uint32_t from) {
  if (plan.by != cloud::wave_plan::kind::count || to == from) return plan;
  cloud::wave_plan out = plan;
  for (std::uint32_t& size : out.sizes) size = clamped(scaled(size, to, from), 1, std::max<std::uint32_t>(to, 1));
  return out;
}

/// The devices reached by the end of every wave, the last included.
std::vector<std::uint64_t> every_end(const cloud::wave_plan& plan, std::uint32_t devices) {
  std::vector<std::uint64_t> ends = cloud::wave_ends(plan, devices);
  ends.push_back(devices);
  return ends;
}

/// The first wave (from 0) whose end reaches `count` devices, if any.
std::optional<std::size_t> wave_reaching(const std::vector<std::uint64_t>& ends, std::uint64_t count) {
  const auto it = std::find_if(ends.begin(), ends.end(), [&](std::uint64_t end) { return end >= count; });
  if (it == ends.end()) return std::nullopt;
  return static_cast<std::size_t>(it - ends.begin());
}

using rule_member = std::optional<cloud::abort_rule> cloud::abort_policy::*;
constexpr std::pair<const char*, rule_member> abort_rules[] = {
    {"failed", &cloud::abort_policy::failed},
    {"rejected", &cloud::abort_policy::rejected},
    {"timed_out", &cloud::abort_policy::timed_out},
    {"any", &cloud::abort_policy::any},
};

/// A min_sample is a sample size: how much evidence the rule wants before
/// it judges a share, which does not grow or shrink with the fleet. So it
/// stays the file's, except where the wave in which the file reaches it (at
/// the group's own size `from`) would hold fewer devices: then it drops to
/// that whole wave, so that a rule that acts in the first wave still does
/// (abort_rule_floor refuses a wave under rescaled_evidence_min). Scaling it
/// with the group instead made the guardian library scenario abort on noise
/// at 150, 300 and 600 devices: 3 failures in 9 reports is above its 25 %.
/// A min_sample out of reach at the own size stays out of reach.
std::uint32_t rescaled_min_sample(std::uint32_t min_sample, const cloud::wave_plan& plan, std::uint32_t to,
                                  std::uint32_t from) {
  constexpr std::uint64_t most = std::numeric_limits<std::uint32_t>::max();
  const auto wave = wave_reaching(every_end(plan, from), min_sample);
  if (!wave) return clamped(std::max<std::uint64_t>(min_sample, scaled(min_sample, to, from)), 1, most);
  const std::uint64_t held = every_end(scaled_plan(plan, to, from), to)[*wave];
  const std::uint64_t least = std::min(min_sample, rescaled_evidence_min);
  return clamped(std::min<std::uint64_t>(min_sample, held), least, most);
}

/// The smallest fleet in (`refused`, ...) at which `holds`: found by
/// halving, from a size that holds (the scenario's own, or past it).
template <class Holds>
std::uint64_t smallest_above(std::uint64_t refused, std::uint64_t own, const Holds& holds) {
  std::uint64_t low = refused + 1;
  std::uint64_t high = std::max(own, low);
  while (!holds(high) && high < fleet_devices_max) high = std::min(fleet_devices_max, high * 2);
  while (low < high) {
    const std::uint64_t middle = low + (high - low) / 2;
    if (holds(middle)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}

std::string devices_text(std::uint64_t n) { return format_count(n) + (n == 1 ? " device" : " devices"); }

/// The floors of the deployments: an abort rule that reaches its
/// min_sample in wave k at the scenario's own size must find at least
/// rescaled_evidence_min devices (or its own min_sample, when fewer) in
/// wave k; a rollback fired by a count of failed devices must find that
/// many in its group. Of several, the one with the largest smallest size.
std::optional<size_refusal> deployment_floor(const scenario& s, std::uint64_t devices) {
  const std::uint64_t own = s.device_count();
  std::optional<size_refusal> worst;
  const auto consider = [&](const auto& holds, std::string path, std::string entity, std::string field,
                            const auto& problem) {
    if (holds(devices)) return;
    const std::uint64_t smallest = smallest_above(devices, own, holds);
    if (worst && worst->smallest >= smallest) return;
    worst = size_refusal{std::move(path), std::move(entity), std::move(field), problem(), smallest};
  };
  for (std::size_t d = 0; d < s.deployments.size(); ++d) {
    const deployment& dep = s.deployments[d];
    const cloud::rollout_policy& policy = dep.rollout;
    const std::uint32_t from = s.fleet.groups[dep.group].devices;
    const std::string where = "deployment[" + std::to_string(d) + "].";
    const std::string entity = "deployment " + quoted(dep.name);
    // Fewer devices than groups: no fleet at all (a file's min_devices may say so).
    const auto group_at = [&](std::uint64_t n) -> std::uint32_t {
      return n < s.fleet.groups.size() ? 0 : group_sizes(s, n)[dep.group];
    };
    const std::vector<std::uint64_t> ends = every_end(policy.waves, from);
    for (const auto& [name, member] : abort_rules) {
      const std::optional<cloud::abort_rule>& rule = policy.abort.*member;
      if (!rule) continue;
      const auto wave = wave_reaching(ends, rule->min_sample);
      if (!wave) continue;  // never reached at the own size: nothing to keep
      const std::uint64_t least = std::min(rule->min_sample, rescaled_evidence_min);
      const auto wave_at = [&](std::uint64_t n) {
        const std::uint32_t to = group_at(n);
        return every_end(scaled_plan(policy.waves, to, from), to)[*wave];
      };
      const std::string field = std::string("rollout.abort.") + name + ".min_sample";
      const std::string wave_name = "wave " + std::to_string(*wave + 1);
      consider([&](std::uint64_t n) { return wave_at(n) >= least; }, where + field, entity, field, [&] {
        return wave_name + " would have " + devices_text(wave_at(devices)) + ", fewer than the " +
               std::to_string(least) + " finished attempts the rule needs at least before it acts (min_sample " +
               std::to_string(rule->min_sample) + ", reached in " + wave_name + " at the file's " + devices_text(own) +
               ", where that wave has " + devices_text(ends[*wave]) +
               "; rescaled, it drops to the wave's size but not below " + std::to_string(least) + ")";
      });
    }
    // A count of failed devices is evidence too, and is not scaled (scale_rollout).
    const std::optional<std::uint32_t>& failed = policy.rollback.failed_devices;
    if (failed && *failed <= from) {
      const std::string field = "rollout.rollback.failed_devices";
      consider([&](std::uint64_t n) { return group_at(n) >= *failed; }, where + field, entity, field, [&] {
        return "its group would have " + devices_text(group_at(devices)) + ", fewer than the " +
               std::to_string(*failed) + " failed devices that fire the rollback";
      });
    }
  }
  return worst;
}

std::string error_of(const size_refusal& r, std::uint64_t devices) {
  std::string out = r.entity + ": " + r.field + ": --devices " + format_count(devices);
  if (r.smallest > 0) out += " means nothing below " + devices_text(r.smallest);
  return out + ": " + r.problem;
}

rescale_result refused(const scenario& s, std::uint64_t devices, size_refusal why) {
  rescale_result r{s, error_of(why, devices), std::move(why)};
  return r;
}

/// A deployment's count-based settings, from a group of `from` devices to one of `to`.
void scale_rollout(cloud::rollout_policy& p, std::uint32_t to, std::uint32_t from) {
  // Percent waves, thresholds, durations and retries per device are shares
  // or per device already: they keep their meaning as they are.
  const cloud::wave_plan waves = p.waves;  // min_sample is placed by the plan the file wrote
  p.waves = scaled_plan(waves, to, from);
  for (const auto& [name, member] : abort_rules) {
    std::optional<cloud::abort_rule>& rule = p.abort.*member;
    if (rule) rule->min_sample = rescaled_min_sample(rule->min_sample, waves, to, from);
  }
  // A cap on devices in flight is a share of the group at work at once: at
  // a tenth of the fleet, a tenth of the cap keeps the rollout's pace. Past
  // in_flight_limit_max (above any group) it caps nothing either way.
  p.in_flight_limit = clamped(scaled(p.in_flight_limit, to, from), 1, cloud::in_flight_limit_max);
  // The ramp's rates are offers per minute to the group, its step a count
  // of the group's devices: all follow the group, so the group is covered
  // at the same pace.
  if (p.ramp) {
    const double ratio = static_cast<double>(to) / static_cast<double>(from);
    p.ramp->base_per_minute = std::min(p.ramp->base_per_minute * ratio, cloud::offers_per_minute_max);
    p.ramp->max_per_minute = std::min(p.ramp->max_per_minute * ratio, cloud::offers_per_minute_max);
    p.ramp->step_devices = clamped(scaled(p.ramp->step_devices, to, from), 1, std::numeric_limits<std::uint32_t>::max());
  }
  // A count of failed devices that fires the rollback is evidence, as
  // min_sample is: it stays (deployment_floor refuses a group smaller than
  // it). The rollback's failed_share is a share already.
}

}  // namespace

std::optional<size_refusal> below_automatic_floor(const scenario& s, std::uint64_t devices) {
  if (devices > fleet_devices_max || s.device_count() == 0) return std::nullopt;
  return deployment_floor(s, devices);
}

rescale_result rescale(const scenario& s, std::uint64_t total_devices) {
  rescale_result r{s, {}, std::nullopt};
  const std::uint64_t current = s.device_count();
  if (total_devices < s.fleet.groups.size()) {
    const std::size_t groups = s.fleet.groups.size();
    r.error = "--devices " + format_count(total_devices) + " is fewer than the scenario's " + std::to_string(groups) +
              (groups == 1 ? " group" : " groups") + " (each keeps at least one device)";
    return r;
  }
  if (total_devices > fleet_devices_max) {
    r.error = "--devices " + format_count(total_devices) + " is more than " + format_count(fleet_devices_max);
    return r;
  }
  if (current == 0) return r;  // a loaded scenario never has an empty fleet
  if (s.min_devices && total_devices < *s.min_devices) {
    return refused(s, total_devices,
                   {"min_devices", "scenario", "min_devices",
                    "the smallest fleet the file says it keeps its meaning at (its expectations hold for what they "
                    "say)",
                    *s.min_devices});
  }
  if (auto floor = below_automatic_floor(s, total_devices)) return refused(s, total_devices, std::move(*floor));
  if (total_devices == current) return r;

  const std::vector<std::uint32_t> sizes = group_sizes(s, total_devices);
  for (std::size_t i = 0; i < sizes.size(); ++i) r.value.fleet.groups[i].devices = sizes[i];
  for (deployment& d : r.value.deployments) {
    scale_rollout(d.rollout, sizes[d.group], s.fleet.groups[d.group].devices);
  }
  // Attackers go after devices of the whole fleet: 20 clones of 10,000 are
  // 1 of 500, so the share of the fleet they block or spoof stays. Each is
  // also a trial of the defence, and an attack judged on fewer than
  // rescaled_evidence_min trials (or the file's own count, when fewer) is
  // an anecdote: with 1 nonce burner at 600 devices, credential-abuse's
  // never tried and every_attack_stopped failed.
  for (std::size_t i = 0; i < r.value.attacks.size(); ++i) {
    attack& a = r.value.attacks[i];
    // A man in the middle and a mirror hit a share of the links or devices: no count.
    if (std::holds_alternative<man_in_the_middle>(a.kind) || in_the_mirror(a.kind)) continue;
    const std::uint64_t least = std::min(a.count, rescaled_evidence_min);
    // Never more than the fleet, as the loader holds a file to (one identity a device).
    const std::uint64_t count = std::min(std::max(least, scaled(a.count, total_devices, current)), total_devices);
    if (count > attack_identities_max) {
      return refused(s, total_devices,
                     {"attack[" + std::to_string(i) + "].count", "attack " + quoted(a.name), "count",
                      "would be " + format_count(count) + " identities (" + format_count(a.count) + " of " +
                          devices_text(current) + ", scaled), more than " + format_count(attack_identities_max),
                      0});
    }
    a.count = static_cast<std::uint32_t>(count);
  }
  return r;
}

}  // namespace fleet::scenario
