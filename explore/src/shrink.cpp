#include "shrink.hpp"

#include <algorithm>
#include <iterator>

#include "fleet/scenario/units.hpp"

namespace fleet::explore {
namespace {

/// Runs candidates until the budget is spent; a run past it counts as passing (not kept).
class tester {
 public:
  tester(const shrink_context& ctx, std::uint64_t seed, const std::string& expectation, std::uint32_t budget,
         std::string trace_hash)
      : ctx_(ctx), seed_(seed), expectation_(expectation), budget_(budget), last_failing_(std::move(trace_hash)) {}

  /// Whether the file's own events with `drawn` still fail the expectation.
  bool fails(const std::vector<event>& drawn, std::optional<std::uint64_t> devices) {
    if (runs_ >= budget_) return false;
    ++runs_;
    std::vector<event> events = ctx_.own;
    events.insert(events.end(), drawn.begin(), drawn.end());
    const trial t = run_text(scenario_text(ctx_.base, events, seed_, devices, ""), ctx_.path + " (shrinking)",
                             ctx_.judge);
    if (!t.failed(expectation_)) return false;
    last_failing_ = t.trace_hash;
    return true;
  }
  /// The trace of the last candidate that failed: what the shrunk schedule replays to.
  const std::string& last_failing() const { return last_failing_; }
  std::uint32_t runs() const { return runs_; }
  bool spent() const { return runs_ >= budget_; }

 private:
  const shrink_context& ctx_;
  std::uint64_t seed_;
  const std::string& expectation_;
  std::uint32_t budget_;
  std::uint32_t runs_ = 0;
  std::string last_failing_;
};

/// `events` cut into `n` nearly equal consecutive parts.
std::vector<std::vector<event>> split(const std::vector<event>& events, std::size_t n) {
  std::vector<std::vector<event>> parts;
  std::size_t start = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t end = start + (events.size() - start) / (n - k);
    parts.emplace_back(events.begin() + static_cast<std::ptrdiff_t>(start),
                       events.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
  }
  return parts;
}

std::vector<event> without(const std::vector<std::vector<event>>& parts, std::size_t skip) {
  std::vector<event> out;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k != skip) out.insert(out.end(), parts[k].begin(), parts[k].end());
  }
  return out;
}

/// Zeller's ddmin: a subset that still fails, from which no single part of
/// the last granularity can go (1-minimal when it ends at single events).
std::vector<event> ddmin(std::vector<event> events, tester& t, std::optional<std::uint64_t> devices) {
  if (events.empty() || t.fails({}, devices)) return {};
  std::size_t n = 2;
  while (events.size() >= 2 && !t.spent()) {
    n = std::min(n, events.size());
    const std::vector<std::vector<event>> parts = split(events, n);
    bool reduced = false;
    for (std::size_t k = 0; k < parts.size() && !reduced; ++k) {
      if (t.fails(parts[k], devices)) {
        events = parts[k];
        n = 2;
        reduced = true;
      }
    }
    for (std::size_t k = 0; k < parts.size() && !reduced && n > 2; ++k) {
      std::vector<event> rest = without(parts, k);
      if (t.fails(rest, devices)) {
        events = std::move(rest);
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
      }
    }
    if (reduced) continue;
    if (n >= events.size()) break;
    n = std::min(events.size(), 2 * n);
  }
  return events;
}

/// Halves what the event's `duration` says, to no less than a second; false when it cannot.
bool shorter(event& e) {
  std::string& text = *(e.is_attack ? e.attack.mutable_duration() : e.fault.mutable_duration());
  if (text.empty()) return false;
  const auto d = scenario::parse_duration(text);
  if (!d.ok() || d.value <= std::chrono::seconds(1)) return false;
  const auto half = std::chrono::duration_cast<std::chrono::seconds>(d.value / 2);
  text = scenario::format_duration(std::max<std::chrono::microseconds>(half, std::chrono::seconds(1)));
  return true;
}

/// Halves the share of the devices it hits, or its identities; false when it cannot.
bool smaller(event& e) {
  if (!e.is_attack && e.fault.has_fraction() && e.fault.fraction() > 0.001) {
    e.fault.set_fraction(std::max(0.001, e.fault.fraction() / 2));
    return true;
  }
  if (e.is_attack && e.attack.has_fraction() && e.attack.fraction() > 0.001) {
    e.attack.set_fraction(std::max(0.001, e.attack.fraction() / 2));
    return true;
  }
  if (e.is_attack && e.attack.has_count() && e.attack.count() > 1) {
    e.attack.set_count(e.attack.count() / 2);
    return true;
  }
  return false;
}

/// Each event in turn made smaller by `step` while the failure holds, a few halvings each.
template <typename Step>
void narrow(std::vector<event>& events, tester& t, std::optional<std::uint64_t> devices, Step step) {
  constexpr int halvings_max = 4;
  for (std::size_t i = 0; i < events.size(); ++i) {
    for (int h = 0; h < halvings_max && !t.spent(); ++h) {
      std::vector<event> candidate = events;
      if (!step(candidate[i])) break;
      if (!t.fails(candidate, devices)) break;
      events = std::move(candidate);
    }
  }
}

}  // namespace

shrink_outcome shrink(const shrink_context& ctx, const std::vector<event>& events, std::uint64_t seed,
                      const std::string& expectation, std::uint32_t budget, const std::string& trace_hash) {
  tester t(ctx, seed, expectation, budget, trace_hash);
  shrink_outcome out;
  out.devices = ctx.devices;
  // Only the drawn events: the file's own stay as they are. Without them a
  // check can fail for want of its subject (every_attack_stopped with no
  // attack left), which is not the failure found.
  std::vector<event> drawn;
  std::copy_if(events.begin(), events.end(), std::back_inserter(drawn), [](const event& e) { return e.drawn; });
  drawn = ddmin(drawn, t, out.devices);
  narrow(drawn, t, out.devices, shorter);
  narrow(drawn, t, out.devices, smaller);
  // Fewer devices, halving, never below the file's floor or a device a group.
  const std::uint64_t floor = std::max({ctx.min_devices, ctx.groups, std::uint64_t{1}});
  std::uint64_t size = ctx.file_devices;
  while (!t.spent()) {
    const std::uint64_t next = std::max(floor, size / 2);
    if (next >= size || !t.fails(drawn, next)) break;
    size = next;
    out.devices = size;
  }
  out.events = ctx.own;
  out.events.insert(out.events.end(), drawn.begin(), drawn.end());
  out.runs = t.runs();
  out.trace_hash = t.last_failing();
  return out;
}

reproducer write_reproducer(const shrink_context& ctx, const std::vector<event>& events, std::uint64_t seed,
                            std::optional<std::uint64_t> devices, std::uint64_t device_count,
                            const std::string& expectation, const std::string& trace_hash, const std::string& file,
                            const std::string& headline) {
  reproducer r;
  r.file = file;
  r.events = events.size();
  r.devices = device_count;
  for (const event& e : events) r.kept.push_back(describe(e));
  std::string comment = headline + "\nfails: " + expectation + "\nreplay: fleetsim run " + file + "\n";
  // Without its events the text still carries the seed and the size: the run is this file alone.
  r.text = scenario_text(ctx.base, events, seed, devices, comment);
  const trial again = run_text(r.text, file, ctx.judge);
  r.trace_hash = trace_hash;
  r.replayed = again.trace_hash == trace_hash && again.failed(expectation);
  return r;
}

}  // namespace fleet::explore
