// The exploration: runs on worker threads, results by index, failures
// kept and shrunk.
#include "fleet/explore/explore.hpp"

#include <algorithm>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <variant>
#include <vector>

#include "fleet/checkers/expectations.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/units.hpp"
#include "shrink.hpp"

namespace fleet::explore {

bool trial::failed(const std::string& expectation) const {
  if (!load_error.empty()) return false;
  return std::any_of(verdicts.begin(), verdicts.end(), [&](const actors::expectation_result& v) {
    return v.name == expectation && !v.passed;
  });
}

std::string trial::first_failure() const {
  for (const actors::expectation_result& v : verdicts) {
    if (!v.passed) return v.name;
  }
  return {};
}

judge_fn expectations_judge() {
  return [](const scenario::scenario& s, const actors::run_result& r) {
    // A drawn attack that nothing judged (it reached no one: a mirror's
    // share that never checked for updates while it lasted) is no lost
    // defence: left out, it cannot fail every_attack_stopped for want of a
    // try. Attacks and their outcomes are in the same (scenario) order.
    std::vector<std::size_t> idle;
    for (std::size_t i = 0; i < r.attacks.size() && i < s.attacks.size(); ++i) {
      const actors::attack_outcome& a = r.attacks[i];
      if (s.attacks[i].name.rfind(drawn_prefix, 0) == 0 && a.stopped == 0 && a.got_through == 0) idle.push_back(i);
    }
    if (idle.empty()) return checkers::check_expectations(s, r);
    scenario::scenario judged = s;
    actors::run_result seen = r;
    for (auto i = idle.rbegin(); i != idle.rend(); ++i) {
      judged.attacks.erase(judged.attacks.begin() + static_cast<std::ptrdiff_t>(*i));
      seen.attacks.erase(seen.attacks.begin() + static_cast<std::ptrdiff_t>(*i));
    }
    // stopped_by rules hold indices into the attacks (a `kind` rule covers
    // drawn ones too): each moves to its attack's new place, a left-out
    // one goes, and a rule left with none judges nothing.
    for (scenario::expectation& e : judged.expectations) {
      auto* every = std::get_if<scenario::every_attack_stopped>(&e.what);
      if (every == nullptr) continue;
      for (scenario::stopped_by_rule& rule : every->stopped_by) {
        std::vector<std::size_t> kept;
        for (const std::size_t a : rule.attacks) {
          if (std::binary_search(idle.begin(), idle.end(), a)) continue;
          kept.push_back(a - static_cast<std::size_t>(std::lower_bound(idle.begin(), idle.end(), a) - idle.begin()));
        }
        rule.attacks = std::move(kept);
      }
      every->stopped_by.erase(std::remove_if(every->stopped_by.begin(), every->stopped_by.end(),
                                             [](const scenario::stopped_by_rule& rule) { return rule.attacks.empty(); }),
                              every->stopped_by.end());
    }
    return checkers::check_expectations(judged, seen);
  };
}

trial run_text(const std::string& text, const std::string& file_name, const judge_fn& judge) {
  trial out;
  scenario::load_result loaded = scenario::load_text(text, file_name);
  if (!loaded.value) {
    for (const scenario::diagnostic& d : loaded.errors) out.load_error += scenario::to_string(d) + "\n";
    return out;
  }
  actors::run_options options;
  options.threads = 1;  // runs go side by side, one engine thread each
  actors::run_result result;
  try {
    result = actors::run(*loaded.value, options);
  } catch (const std::exception& e) {
    out.load_error = std::string("the run failed: ") + e.what();
    return out;
  }
  out.trace_hash = result.trace_hash;
  out.verdicts = judge(*loaded.value, result);
  out.attacks = std::move(result.attacks);
  out.faults = std::move(result.faults);
  out.devices = result.devices;
  return out;
}

namespace {

/// Calls `work(i)` for i in [0, count) on `jobs` threads, each i once,
/// taken in order; stops taking new ones when `more()` says no. Returns
/// how many were taken: all of [0, taken) ran to their end.
template <typename Work>
std::size_t in_parallel(std::size_t count, std::uint32_t jobs, const std::function<bool()>& more, Work work) {
  std::mutex taking;
  std::size_t next = 0;
  const auto worker = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        const std::lock_guard<std::mutex> lock(taking);
        if (next >= count || (more && !more())) return;
        i = next++;
      }
      work(i);
    }
  };
  std::vector<std::thread> threads;
  const std::uint32_t n = std::max<std::uint32_t>(1, std::min<std::uint32_t>(jobs, static_cast<std::uint32_t>(count)));
  for (std::uint32_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return next;
}

std::vector<event> own_events(const scenario::Scenario& file) {
  std::vector<event> out;
  for (const scenario::Fault& f : file.fault()) {
    event e;
    e.fault = f;
    e.drawn = false;
    out.push_back(std::move(e));
  }
  for (const scenario::Attack& a : file.attack()) {
    event e;
    e.is_attack = true;
    e.attack = a;
    e.drawn = false;
    out.push_back(std::move(e));
  }
  return out;
}

std::string run_name(const std::string& path, std::uint64_t index) { return path + " (explore run " + std::to_string(index) + ")"; }

}  // namespace

explore_result explore(const std::string& path, const options& o) {
  explore_result out;
  const auto refuse = [&](const std::string& why) {
    out.errors.push_back(scenario::diagnostic{path, {}, why});
    return out;
  };
  if (o.runs > runs_max) return refuse("--runs: at most " + scenario::format_count(runs_max));
  if (o.jobs < 1 || o.jobs > jobs_max) return refuse("--jobs: in [1, " + std::to_string(jobs_max) + "]");
  if (o.shrink_runs > shrink_runs_max) return refuse("--shrink-runs: at most " + scenario::format_count(shrink_runs_max));
  scenario::load_result loaded = scenario::load_file(path, {}, o.devices);
  if (!loaded.value) {
    out.errors = std::move(loaded.errors);
    return out;
  }
  const scenario::scenario& file = *loaded.value;
  const scenario::Scenario& message = *loaded.message;
  const scenario::explore_plan& plan = file.explore;
  if (plan.fault_kinds.empty() && plan.attack_kinds.empty()) {
    return refuse("nothing to draw: the file has no faults or attacks and its explore section names no kinds");
  }
  const judge_fn judge = o.judge ? o.judge : expectations_judge();
  scenario::Scenario base = message;
  base.clear_fault();
  base.clear_attack();
  base.clear_explore();
  const std::vector<event> own = own_events(message);
  // The size every run has: the flag's, or the file's own `devices`, or its groups'.
  const std::optional<std::uint64_t> devices =
      o.devices ? o.devices : message.has_devices() ? std::optional<std::uint64_t>(message.devices()) : std::nullopt;

  exploration ex;
  ex.scenario = file.name;
  ex.seed = o.seed;
  ex.devices = file.device_count();
  // By index, whatever order they finish in; a map, since a time budget may end them anywhere.
  std::map<std::size_t, run_record> records;
  std::mutex reporting;
  std::uint64_t done = 0;
  std::uint64_t failed = 0;
  const std::size_t taken = in_parallel(o.runs, o.jobs, o.keep_going, [&](std::size_t i) {
    run_record r;
    r.index = i;
    r.seed = run_seed(o.seed, i);
    r.schedule = draw_schedule(message, plan, r.seed);
    std::vector<event> events = own;
    events.insert(events.end(), r.schedule.begin(), r.schedule.end());
    r.result = run_text(scenario_text(base, events, r.seed, devices, ""), run_name(path, i), judge);
    const std::lock_guard<std::mutex> lock(reporting);
    ++done;
    if (!r.result.first_failure().empty()) ++failed;
    records.emplace(i, std::move(r));
    if (o.on_progress) o.on_progress(progress{done, failed, o.runs, false});
  });
  // Every run taken ran to its end: [0, taken) with no gap.
  for (std::size_t i = 0; i < taken; ++i) ex.runs.push_back(std::move(records.at(i)));

  // The failures, each with its standalone scenario; the first run failing each expectation is shrunk.
  const shrink_context ctx{base, own, judge, path, file.min_devices.value_or(1),
                           static_cast<std::uint64_t>(file.fleet.groups.size()), devices, file.device_count()};
  std::set<std::string> to_shrink;
  std::vector<std::size_t> shrunk;  // indices into ex.failures
  for (const run_record& r : ex.runs) {
    if (!r.result.load_error.empty()) {
      ex.errors.push_back("run " + std::to_string(r.index) + " (seed " + std::to_string(r.seed) + "): " +
                          r.result.load_error);
      continue;
    }
    const std::string expectation = r.result.first_failure();
    if (expectation.empty()) continue;
    failure f;
    f.run = r.index;
    f.seed = r.seed;
    f.expectation = expectation;
    std::vector<event> events = own;
    events.insert(events.end(), r.schedule.begin(), r.schedule.end());
    f.full = write_reproducer(ctx, events, r.seed, devices, r.result.devices, expectation, r.result.trace_hash,
                              "run-" + std::to_string(r.index) + "-seed-" + std::to_string(r.seed) + ".textproto",
                              "fleetsim explore " + path + " --seed " + std::to_string(o.seed) + ": run " +
                                  std::to_string(r.index) + ", every fault and attack explicit");
    if (o.shrink && to_shrink.size() < shrinks_max && to_shrink.insert(expectation).second) {
      shrunk.push_back(ex.failures.size());
    }
    ex.failures.push_back(std::move(f));
  }
  if (!shrunk.empty() && o.on_progress) o.on_progress(progress{done, failed, o.runs, true});
  in_parallel(shrunk.size(), o.jobs, nullptr, [&](std::size_t k) {
    failure& f = ex.failures[shrunk[k]];
    const run_record& r = ex.runs[f.run];
    std::vector<event> events = own;
    events.insert(events.end(), r.schedule.begin(), r.schedule.end());
    shrink_outcome s = shrink(ctx, events, r.seed, f.expectation, o.shrink_runs, r.result.trace_hash);
    f.shrink_runs = s.runs;
    f.minimal = write_reproducer(ctx, s.events, r.seed, s.devices, s.devices.value_or(ctx.file_devices),
                                 f.expectation, s.trace_hash, "run-" + std::to_string(f.run) + "-min.textproto",
                                 "fleetsim explore " + path + " --seed " + std::to_string(o.seed) + ": run " +
                                     std::to_string(f.run) + " shrunk (" + std::to_string(s.runs) + " runs)");
  });

  std::vector<std::string> attack_kinds = plan.attack_kinds;
  std::vector<std::string> fault_kinds = plan.fault_kinds;
  for (const event& e : own) {
    std::vector<std::string>& kinds = e.is_attack ? attack_kinds : fault_kinds;
    if (std::find(kinds.begin(), kinds.end(), kind_of(e)) == kinds.end()) kinds.push_back(kind_of(e));
  }
  ex.cover = coverage_of(ex.runs, attack_kinds, fault_kinds);
  out.value = std::move(ex);
  return out;
}

}  // namespace fleet::explore
