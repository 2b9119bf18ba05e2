#include "fleet/cloud/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "fleet/check.hpp"

namespace fleet::cloud {
namespace {

constexpr std::uint64_t micro = 1'000'000;
constexpr std::uint64_t milli = 1'000;

/// Time until `missing` units come back at `rate` units a second (rounded up, at least 1 us).
duration wait_for(std::uint64_t missing, std::uint64_t rate) {
  if (rate == 0) return duration::max();
  return duration{std::max<std::uint64_t>(1, (missing * micro + rate - 1) / rate)};
}

/// Units refilled over `elapsed` at `rate` a second, saturating at `cap`.
std::uint64_t refill(std::uint64_t have, duration elapsed, std::uint64_t rate, std::uint64_t cap) {
  if (elapsed.count() <= 0) return have;
  const auto us = static_cast<std::uint64_t>(elapsed.count());
  // Past the time to fill from empty, the bucket is full: no overflow below.
  if (rate == 0) return have;
  if (us >= cap / rate * micro + micro) return cap;
  return std::min(cap, have + us * rate / micro);
}

}  // namespace

token_bucket::token_bucket(const bucket_settings& s)
    : rate_(static_cast<std::uint64_t>(std::llround(s.per_second * micro))),
      burst_(static_cast<std::uint64_t>(std::llround(s.burst * micro))),
      tokens_(burst_) {
  FLEET_CHECK(s.per_second > 0 && s.burst >= 1 && s.burst < 1e12, "bad bucket settings");
}

std::optional<duration> token_bucket::take(sim_time now) {
  if (now > last_) {
    tokens_ = refill(tokens_, now - last_, rate_, burst_);
    last_ = now;
  }
  if (tokens_ >= micro) {
    tokens_ -= micro;
    return std::nullopt;
  }
  return wait_for(micro - tokens_, rate_);
}

bool token_bucket::full_at(sim_time now) const {
  return refill(tokens_, now - last_, rate_, burst_) >= burst_;
}

std::uint64_t rate_counters::refused_total() const {
  std::uint64_t n = 0;
  for (const auto& by_reason : refused) {
    for (auto c : by_reason) n += c;
  }
  return n;
}

rate_limiter::rate_limiter(const rate_limits& limits)
    : limits_(limits),
      attestation_pool_(bucket_settings{limits.global.per_second * limits.attestation_share,
                                        std::max(1.0, limits.global.burst * limits.attestation_share)}),
      other_pool_(bucket_settings{limits.global.per_second * (1 - limits.attestation_share),
                                  std::max(1.0, limits.global.burst * (1 - limits.attestation_share))}),
      device_rate_milli_(static_cast<std::uint64_t>(std::llround(limits.per_device.per_second * milli))),
      device_burst_milli_(static_cast<std::uint64_t>(std::llround(limits.per_device.burst * milli))) {
  FLEET_CHECK(limits.attestation_share > 0 && limits.attestation_share < 1,
                    "attestation share must be in (0, 1)");
  FLEET_CHECK(limits.per_device.per_second > 0 && limits.per_device.burst >= 1 &&
                        limits.per_device.burst <= 4'000'000,
                    "bad per-device bucket");
  FLEET_CHECK(limits.sources_max > 0, "sources_max must be positive");
  FLEET_CHECK(limits.per_source.per_second > 0 && limits.per_source.burst >= 1, "bad per-source bucket");
}

std::optional<duration> rate_limiter::take_device(sim_time now, device_index device) {
  if (device >= limits_.devices_max) return std::nullopt;  // the registry bounds indices
  if (device >= devices_.size()) devices_.resize(static_cast<std::size_t>(device) + 1);
  device_bucket& b = devices_[device];
  if (b.last.count() < 0) {  // first request: a full bucket
    b.tokens = static_cast<std::uint32_t>(device_burst_milli_);
    b.last = now;
  } else if (now > b.last) {
    const std::uint64_t us = static_cast<std::uint64_t>((now - b.last).count());
    const std::uint64_t full_after = device_burst_milli_ / std::max<std::uint64_t>(1, device_rate_milli_) * micro + micro;
    const std::uint64_t have = us >= full_after ? device_burst_milli_
                                                : std::min(device_burst_milli_, b.tokens + us * device_rate_milli_ / micro);
    b.tokens = static_cast<std::uint32_t>(have);
    b.last = now;
  }
  if (b.tokens >= milli) {
    b.tokens -= static_cast<std::uint32_t>(milli);
    return std::nullopt;
  }
  return wait_for(milli - b.tokens, device_rate_milli_);
}

rate_decision rate_limiter::refuse(traffic kind, rate_refusal why, duration after) {
  ++counters_.refused[static_cast<std::size_t>(kind)][static_cast<std::size_t>(why)];
  return rate_decision{why, after};
}

rate_decision rate_limiter::admit_global(sim_time now, traffic kind) {
  token_bucket& pool = kind == traffic::attestation ? attestation_pool_ : other_pool_;
  if (auto wait = pool.take(now)) return refuse(kind, rate_refusal::global, *wait);
  ++counters_.admitted[static_cast<std::size_t>(kind)];
  return {};
}

rate_decision rate_limiter::admit_source(sim_time now, source_id source, traffic kind) {
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    if (sources_.size() >= limits_.sources_max) sweep_sources(now);
    if (sources_.size() >= limits_.sources_max) return refuse(kind, rate_refusal::sources_max, std::chrono::seconds(1));
    it = sources_.emplace(source, token_bucket(limits_.per_source)).first;
  }
  if (auto wait = it->second.take(now)) return refuse(kind, rate_refusal::source, *wait);
  return {};
}

void rate_limiter::sweep_sources(sim_time now) {
  // A full bucket is what a new one would be: forgetting it changes no
  // answer, so the order of this walk does not matter.
  for (auto it = sources_.begin(); it != sources_.end();) {
    it = it->second.full_at(now) ? sources_.erase(it) : std::next(it);
  }
}

rate_decision rate_limiter::admit_device(sim_time now, device_index device, traffic kind) {
  if (auto wait = take_device(now, device)) return refuse(kind, rate_refusal::device, *wait);
  return {};
}

const char* name_of(rate_refusal r) {
  switch (r) {
    case rate_refusal::none: return "none";
    case rate_refusal::device: return "device";
    case rate_refusal::global: return "global";
    case rate_refusal::source: return "source";
    case rate_refusal::sources_max: return "sources_max";
    case rate_refusal::count_: break;
  }
  return "?";
}

}  // namespace fleet::cloud
