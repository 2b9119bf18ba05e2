#pragma once
// Rate limiting of device requests, in three budgets, each spent at its
// point of the request's way in:
// - the global budget, split in two pools so that attestation (challenge
//   and evidence) keeps its own share: a flood of other requests can exhaust
//   the "other" pool, never the attestation pool. Every request spends it.
// - a bucket per network source, for what comes before authentication:
//   challenge requests, evidence before its signature is verified,
//   certificates before their proof is. Anyone can name any device there,
//   so that traffic is charged to where it came from.
// - a bucket per device, spent only by requests that proved to come from
//   the device (a session MAC, a proof of possession of its key). Nobody
//   who cannot authenticate as a device can spend its budget, so naming a
//   victim's ID locks nobody out.
//
// Pure: time comes in as `now`; tokens are kept in micro-tokens (integers),
// so the same calls always give the same answers.
//
// Memory: 16 bytes per device index seen (flat vector), at most sources_max
// source buckets (about 64 bytes each in a hash map; a source whose bucket is
// full again is forgotten when room is needed, which changes no answer), two
// global buckets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "fleet/cloud/device_directory.hpp"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::state {
class TokenBucketState;
}

namespace fleet::cloud {

/// A bucket refilled at `per_second` up to `burst` tokens.
struct bucket_settings {
  double per_second = 1;
  double burst = 10;
};

struct rate_limits {
  bucket_settings per_device{2, 20};
  /// The global budget; `attestation_share` of it is reserved for attestation.
  bucket_settings global{50'000, 100'000};
  double attestation_share = 0.3;  ///< in (0, 1)
  std::uint32_t devices_max = 4'000'000;
  /// Unauthenticated requests of one network source.
  bucket_settings per_source{4, 40};
  std::uint32_t sources_max = 65'536;  ///< source buckets kept at once
};

/// A token bucket in integer micro-tokens.
class token_bucket {
 public:
  token_bucket() = default;
  explicit token_bucket(const bucket_settings& s);
  /// Takes one token at `now`, or says how long until one is there.
  std::optional<duration> take(sim_time now);
  /// Whether the bucket would be full at `now`: it then remembers nothing.
  bool full_at(sim_time now) const;

  /// Its level and time, for a snapshot (rate_limiter_state.cpp); the rate
  /// and burst come from the settings.
  void save(state::TokenBucketState& out) const;
  restore_status restore(const state::TokenBucketState& in);

 private:
  std::uint64_t rate_ = 0;       ///< micro-tokens per second
  std::uint64_t burst_ = 0;      ///< micro-tokens
  std::uint64_t tokens_ = 0;
  sim_time last_{0};
};

enum class traffic : std::uint8_t { attestation, other };

enum class rate_refusal : std::uint8_t {
  none,
  device,       ///< the authenticated device's own bucket
  global,       ///< the pool of the request's kind
  source,       ///< the bucket of the network source, before authentication
  sources_max,  ///< no room for another source's bucket (all busy)
  count_,
};
inline constexpr std::size_t rate_refusal_count = static_cast<std::size_t>(rate_refusal::count_);

struct rate_decision {
  rate_refusal refusal = rate_refusal::none;
  duration retry_after{0};  ///< when refused: time until a token is back
  bool ok() const { return refusal == rate_refusal::none; }
};

struct rate_counters {
  std::array<std::uint64_t, 2> admitted{};  ///< by traffic: past the global pool
  std::array<std::array<std::uint64_t, rate_refusal_count>, 2> refused{};  ///< by traffic, reason
  std::uint64_t refused_total() const;
};

class rate_limiter {
 public:
  explicit rate_limiter(const rate_limits& limits = {});

  /// Every request, first: the global pool of its kind.
  rate_decision admit_global(sim_time now, traffic kind);
  /// A request before it is authenticated: the bucket of where it came from.
  rate_decision admit_source(sim_time now, source_id source, traffic kind);
  /// A request authenticated as `device`: the device's own bucket.
  rate_decision admit_device(sim_time now, device_index device, traffic kind);

  std::size_t sources_tracked() const { return sources_.size(); }

  const rate_counters& counters() const { return counters_; }
  const rate_limits& limits() const { return limits_; }

  /// Its whole state, for a snapshot (rate_limiter_state.cpp).
  void save(state::RateLimiterState& out) const;
  /// Takes a saved state into a limiter fresh from construction (same limits).
  restore_status restore(const state::RateLimiterState& in);

 private:
  struct device_bucket {
    std::uint32_t tokens = 0;  ///< milli-tokens (burst <= 4M tokens)
    std::uint32_t pad = 0;
    sim_time last{-1};
  };
  static_assert(sizeof(device_bucket) == 16, "the memory figure counts 16 bytes a device");

  std::optional<duration> take_device(sim_time now, device_index device);
  rate_decision refuse(traffic kind, rate_refusal why, duration after);
  /// Forgets the sources whose buckets are full at `now`.
  void sweep_sources(sim_time now);

  rate_limits limits_;
  std::vector<device_bucket> devices_;
  std::unordered_map<source_id, token_bucket> sources_;
  token_bucket attestation_pool_;
  token_bucket other_pool_;
  std::uint64_t device_rate_milli_ = 0;   ///< milli-tokens per second
  std::uint64_t device_burst_milli_ = 0;
  rate_counters counters_;
};

const char* name_of(rate_refusal r);

}  // namespace fleet::cloud
