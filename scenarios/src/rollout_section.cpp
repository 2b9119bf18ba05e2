#include "rollout_section.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include "fleet/scenario/scenario.hpp"
#include "fleet/scenario/units.hpp"

namespace fleet::scenario {
namespace {

/// Waves that are not all of one kind keep the default plan, so that the
/// cloud's check does not report a plan the file did not write.
void read_waves(const Rollout& in, checker& c, cloud::rollout_policy& out) {
  if (in.wave().empty()) return;  // the cloud's default: one wave of 100 %
  std::vector<double> percents;
  std::vector<std::uint32_t> counts;
  const Wave::SizeCase kind = in.wave(0).size_case();
  bool ok = true;
  for (int i = 0; i < in.wave_size(); ++i) {
    const Wave& w = in.wave(i);
    if (w.size_case() == Wave::SIZE_NOT_SET) {
      c.fail("wave", "missing: percent or count", i);
      ok = false;
    } else if (w.size_case() != kind && kind != Wave::SIZE_NOT_SET) {
      c.fail("wave",
             std::string("waves are all by percent or all by count; wave[0] is by ") +
                 (kind == Wave::kPercent ? "percent" : "count"),
             i);
      ok = false;
    } else if (w.size_case() == Wave::kPercent) {
      percents.push_back(w.percent());
    } else {
      counts.push_back(w.count());
    }
  }
  if (!ok) return;
  out.waves = kind == Wave::kCount ? cloud::wave_plan::by_count(std::move(counts))
                                   : cloud::wave_plan::by_percent(std::move(percents));
}

cloud::abort_rule read_abort_rule(const AbortRule& in) {
  cloud::abort_rule rule;
  if (in.has_threshold()) rule.threshold = in.threshold();
  if (in.has_min_sample()) rule.min_sample = in.min_sample();
  return rule;
}

void read_abort(const Abort& in, cloud::abort_policy& out) {
  if (in.has_failed()) out.failed = read_abort_rule(in.failed());
  if (in.has_rejected()) out.rejected = read_abort_rule(in.rejected());
  if (in.has_timed_out()) out.timed_out = read_abort_rule(in.timed_out());
  if (in.has_any()) out.any = read_abort_rule(in.any());
}

void read_ramp(const Ramp& in, cloud::ramp_policy& out) {
  if (in.has_base_per_minute()) out.base_per_minute = in.base_per_minute();
  if (in.has_increment_factor()) out.increment_factor = in.increment_factor();
  out.basis = in.basis() == SUCCEEDED ? cloud::ramp_basis::succeeded : cloud::ramp_basis::notified;
  if (in.has_step_devices()) out.step_devices = in.step_devices();
  if (in.has_max_per_minute()) out.max_per_minute = in.max_per_minute();
}

void read_windows(const Rollout& in, checker& c, cloud::rollout_policy& out) {
  for (int i = 0; i < in.window_size(); ++i) {
    const MaintenanceWindow& w = in.window(i);
    checker wc = c.nested("window", i);
    // A length in error is reported here: the placeholder keeps the cloud
    // from reporting it a second time.
    cloud::maintenance_window window{duration{0}, cloud::day};
    if (const auto start = wc.duration("start_of_day", w.start_of_day(), duration{0})) window.start_of_day = *start;
    if (w.length().empty()) {
      wc.fail("length", "missing");
    } else if (const auto length = wc.duration("length", w.length(), {})) {
      window.length = *length;
    }
    out.windows.push_back(window);
  }
}

/// One step of a cloud field path: "windows[2]" is {"windows", 2}.
struct step {
  std::string name;
  int index = -1;
};

std::vector<step> steps_of(const std::string& path) {
  std::vector<step> out;
  std::size_t from = 0;
  while (from <= path.size()) {
    const std::size_t dot = std::min(path.find('.', from), path.size());
    step s{path.substr(from, dot - from)};
    if (const std::size_t open = s.name.find('['); open != std::string::npos) {
      s.index = std::atoi(s.name.c_str() + open + 1);
      s.name.resize(open);
    }
    out.push_back(std::move(s));
    from = dot + 1;
  }
  return out;
}

/// Where a field of the cloud's policy stands in the file, and its name there.
struct place {
  location where;
  std::string field;  ///< relative to `rollout`
};

std::string indexed(const std::string& name, int index) { return name + "[" + std::to_string(index) + "]"; }

/// Waves and windows are lists of values in the cloud's policy and one
/// message each in the file: "waves.cumulative_percent[2]" is the file's
/// "wave[2].percent". An error about the whole list points at its last entry.
place locate_in_list(const source_map& at, const std::string& name, int size, int index, const std::string& inner) {
  if (index < 0) index = size - 1;
  if (index < 0) return {at.self(), name};
  const std::string entry = indexed(name, index);
  if (inner.empty()) return {at.at(name, index), entry};
  return {at.nested(name, index).at(inner), entry + "." + inner};
}

place locate(const std::string& cloud_field, const Rollout& in, const source_map& at) {
  const std::vector<step> path = steps_of(cloud_field);
  if (path.front().name == "waves") {
    if (path.size() == 1) return locate_in_list(at, "wave", in.wave_size(), -1, "");
    return locate_in_list(at, "wave", in.wave_size(), path[1].index, path[1].name == "sizes" ? "count" : "percent");
  }
  if (path.front().name == "windows") {
    return locate_in_list(at, "window", in.window_size(), path.front().index, path.size() > 1 ? path[1].name : "");
  }
  // Everything else has the same path in the file as in the policy.
  source_map m = at;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) m = m.nested(path[i].name, path[i].index);
  return {m.at(path.back().name, path.back().index), cloud_field};
}

/// The cloud writes durations as microseconds ("2592000000000 us"); the
/// file wrote them with units, so the message does too ("30d").
std::string with_units(const std::string& problem) {
  const auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(problem[i])) != 0; };
  std::string out;
  std::size_t done = 0;
  for (std::size_t at = problem.find(" us"); at != std::string::npos; at = problem.find(" us", at + 1)) {
    std::size_t from = at;
    while (from > done && digit(from - 1)) --from;
    const bool word_ends = at + 3 == problem.size() || std::isalpha(static_cast<unsigned char>(problem[at + 3])) == 0;
    if (from == at || at - from > 18 || !word_ends) continue;
    out.append(problem, done, from - done);
    out += format_duration(std::chrono::microseconds(std::stoll(problem.substr(from, at - from))));
    done = at + 3;
  }
  out.append(problem, done, std::string::npos);
  return out;
}

}  // namespace

void read_rollout(const Rollout& in, checker& c, cloud::rollout_policy& out) {
  read_waves(in, c, out);
  if (in.has_ramp()) {
    out.ramp.emplace();
    read_ramp(in.ramp(), *out.ramp);
  }
  if (in.has_in_flight_limit()) out.in_flight_limit = in.in_flight_limit();
  if (in.has_gate()) {
    const Gate& g = in.gate();
    checker gc = c.nested("gate");
    if (g.has_success_threshold()) out.gate.success_threshold = g.success_threshold();
    if (const auto d = gc.duration("min_wave_duration", g.min_wave_duration(), out.gate.min_wave_duration)) {
      out.gate.min_wave_duration = *d;
    }
    out.gate.on_pass = g.on_pass() == PAUSE ? cloud::gate_action::pause : cloud::gate_action::next_wave;
  }
  if (in.has_abort()) read_abort(in.abort(), out.abort);
  if (const auto d = c.duration("device_timeout", in.device_timeout(), out.device_timeout)) out.device_timeout = *d;
  if (in.has_retries()) {
    const Retries& r = in.retries();
    if (r.has_failed()) out.retries.failed = r.failed();
    if (r.has_rejected()) out.retries.rejected = r.rejected();
    if (r.has_timed_out()) out.retries.timed_out = r.timed_out();
  }
  read_windows(in, c, out);
  if (in.has_rollback()) {
    if (in.rollback().has_failed_share()) out.rollback.failed_share = in.rollback().failed_share();
    if (in.rollback().has_failed_devices()) out.rollback.failed_devices = in.rollback().failed_devices();
  }
}

void check_policy(const cloud::rollout_policy& policy, const Rollout& in, checker& deployment, checker& rollout) {
  for (const cloud::policy_error& e : cloud::validate(policy)) {
    if (e.field == "start_at") {
      deployment.fail("start", with_units(e.problem));
      continue;
    }
    const place p = locate(e.field, in, rollout.fields());
    rollout.fail(p.where, p.field, with_units(e.problem));
  }
}

}  // namespace fleet::scenario
