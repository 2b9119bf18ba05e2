#include "fleet/cloud/rollout_governor.hpp"

#include <algorithm>
#include <numeric>

#include "fleet/check.hpp"
#include "offer_rate.hpp"
#include "rollout_phase.hpp"

namespace fleet::cloud {
namespace {

template <typename Array>
void add_each(Array& sum, const Array& more) {
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += more[i];
}

/// The sum of the shares' reports, in share order.
rollout_share_report merge(const std::vector<rollout_share_report>& reports, std::size_t wave_count) {
  rollout_share_report sum;
  sum.tally.waves.resize(wave_count);
  for (const rollout_share_report& r : reports) {
    FLEET_CHECK(r.tally.waves.size() == wave_count, "a report of this deployment's waves");
    for (std::size_t w = 0; w < wave_count; ++w) add(sum.tally.waves[w], r.tally.waves[w]);
    add(sum.tally.attempts, r.tally.attempts);
    sum.tally.devices += r.tally.devices;
    sum.tally.done += r.tally.done;
    sum.tally.failed_now += r.tally.failed_now;
    sum.in_flight += r.in_flight;
    sum.eligible += r.eligible;
    add(sum.rolled_back, r.rolled_back);
    add_each(sum.refused, r.refused);
    add_each(sum.reports, r.reports);
    sum.ramp_counted += r.ramp_counted;
    sum.offers_unused += r.offers_unused;
    sum.halt_requested = sum.halt_requested || r.halt_requested;
  }
  return sum;
}

__extension__ typedef unsigned __int128 u128;

/// `total` split in proportion to `weights` (evenly when they are all 0):
/// the floors, then one more to each of the largest remainders, ties to the
/// lower index. Integers only: every partition computes the same split.
std::vector<std::uint64_t> apportion(std::uint64_t total, std::vector<std::uint64_t> weights) {
  std::uint64_t sum = std::accumulate(weights.begin(), weights.end(), std::uint64_t{0});
  if (sum == 0) {
    std::fill(weights.begin(), weights.end(), 1);
    sum = weights.size();
  }
  std::vector<std::uint64_t> parts(weights.size());
  std::vector<std::uint64_t> remainder(weights.size());
  std::uint64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const u128 exact = static_cast<u128>(total) * weights[i];
    parts[i] = static_cast<std::uint64_t>(exact / sum);
    remainder[i] = static_cast<std::uint64_t>(exact % sum);
    given += parts[i];
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; given < total; ++k, ++given) ++parts[order[k]];
  return parts;
}

bool offers_possible(rollout_state s) { return s == rollout_state::running || s == rollout_state::completed; }

}  // namespace

rollout_governor::rollout_governor(const rollout_policy& policy, std::uint32_t shares, sim_time now)
    : policy_(policy),
      shares_(shares),
      phase_(std::make_unique<rollout_phase>(policy, static_cast<std::uint32_t>(policy.waves.wave_count()))),
      rate_(std::make_unique<offer_rate>(policy.ramp)),
      last_now_(now) {
  FLEET_CHECK(validate(policy).empty(), "the caller validates the policy");
  FLEET_CHECK(shares >= 1 && shares <= shares_max, "the caller bounds the shares");
  merged_.tally.waves.resize(phase_->wave_count());
  advance(now);
}

rollout_governor::~rollout_governor() = default;
rollout_governor::rollout_governor(rollout_governor&&) noexcept = default;
rollout_governor& rollout_governor::operator=(rollout_governor&&) noexcept = default;

void rollout_governor::advance(sim_time now) {
  FLEET_CHECK(now >= last_now_, "simulated time never goes back");
  last_now_ = now;
  if (phase_->due_to_start(now)) {
    phase_->start(now);
    rate_->start(now);
  }
  // Before the first reports the governor knows no device: an empty tally would pass every gate.
  if (reported_) phase_->evaluate(now, merged_.tally);
}

std::vector<rollout_orders> rollout_governor::tick(sim_time now, const std::vector<rollout_share_report>& reports) {
  FLEET_CHECK(reports.size() == shares_, "one report a share");
  const std::uint32_t devices_before = merged_.tally.devices;
  merged_ = merge(reports, phase_->wave_count());
  reported_ = true;
  // A share halted locally (its partition's service took the deployment over): halted everywhere.
  if (merged_.halt_requested) phase_->halt(now);
  if (merged_.tally.devices > devices_before) phase_->reopen(now);  // late joiners
  advance(now);

  // The ramp: the bucket learns what the shares counted, and takes back what they did not spend.
  rate_->on_counted(now, merged_.ramp_counted - std::min(counted_, merged_.ramp_counted));
  counted_ = std::max(counted_, merged_.ramp_counted);
  rate_->give_back(merged_.offers_unused);

  std::vector<std::uint64_t> demand(shares_);
  for (std::uint32_t i = 0; i < shares_; ++i) demand[i] = reports[i].eligible;
  const std::uint64_t cap = policy_.in_flight_limit;
  const std::vector<std::uint64_t> slots = apportion(cap - std::min<std::uint64_t>(cap, merged_.in_flight), demand);
  std::vector<std::uint64_t> offers(shares_, 0);
  if (offers_possible(phase_->state())) offers = apportion(rate_->take_whole(now, merged_.eligible), demand);

  rollout_orders common = phase_->orders(sent_);
  sent_ = phase_->transitions();
  std::vector<rollout_orders> out(shares_, common);
  for (std::uint32_t i = 0; i < shares_; ++i) {
    out[i].in_flight_limit = static_cast<std::uint32_t>(reports[i].in_flight + slots[i]);
    if (policy_.ramp) out[i].offers = static_cast<std::uint32_t>(offers[i]);
  }
  return out;
}

sim_time rollout_governor::next_deadline() const { return phase_->next_deadline(last_now_); }

bool rollout_governor::needs_ticks() const {
  if (phase_->state() == rollout_state::scheduled) return false;
  if (phase_->active()) return true;
  return merged_.in_flight > 0 || merged_.rolled_back.in_flight > 0;
}

rollout_status rollout_governor::status() const {
  rollout_status s;
  s.waves = merged_.tally.waves;
  phase_->describe(s);
  s.devices = merged_.tally.devices;
  s.in_flight = merged_.in_flight;
  s.attempts = merged_.tally.attempts;
  s.offers_per_minute = rate_->per_minute();
  s.rolled_back = merged_.rolled_back;
  s.refused = merged_.refused;
  s.reports = merged_.reports;
  return s;
}

const std::deque<transition>& rollout_governor::history() const { return phase_->history(); }
rollout_state rollout_governor::state() const { return phase_->state(); }

command_result rollout_governor::pause(sim_time now) {
  advance(now);
  return phase_->pause(now);
}

command_result rollout_governor::resume(sim_time now) {
  advance(now);
  const bool started = phase_->started();
  const command_result r = phase_->resume(now, merged_.tally);
  if (!started && phase_->started()) rate_->start(now);
  return r;
}

command_result rollout_governor::halt(sim_time now) {
  advance(now);
  return phase_->halt(now);
}

}  // namespace fleet::cloud
