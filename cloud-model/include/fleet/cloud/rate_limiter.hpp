#pragma once
// Rate limiting of device requests: a token bucket per device and a global
// budget split in two pools, so that attestation (challenge and evidence)
// keeps its own share: a flood of other requests from a few devices can
// exhaust their own buckets and the "other" pool, never the attestation pool.
//
// Pure: time comes in as `now`; tokens are kept in micro-tokens (integers),
// so the same calls always give the same answers.
//
// Memory: 16 bytes per device index seen (flat vector), two global buckets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "fleet/cloud/types.hpp"

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
};

/// A token bucket in integer micro-tokens.
class token_bucket {
 public:
  token_bucket() = default;
  explicit token_bucket(const bucket_settings& s);
  /// Takes one token at `now`, or says how long until one is there.
  std::optional<duration> take(sim_time now);

 private:
  std::uint64_t rate_ = 0;       ///< micro-tokens per second
  std::uint64_t burst_ = 0;      ///< micro-tokens
  std::uint64_t tokens_ = 0;
  sim_time last_{0};
};

enum class traffic : std::uint8_t { attestation, other };

enum class rate_refusal : std::uint8_t { none, device, global, count_ };
inline constexpr std::size_t rate_refusal_count = static_cast<std::size_t>(rate_refusal::count_);

struct rate_decision {
  rate_refusal refusal = rate_refusal::none;
  duration retry_after{0};  ///< when refused: time until a token is back
  bool ok() const { return refusal == rate_refusal::none; }
};

struct rate_counters {
  std::array<std::uint64_t, 2> admitted{};  ///< by traffic
  std::array<std::array<std::uint64_t, rate_refusal_count>, 2> refused{};  ///< by traffic, reason
  std::uint64_t refused_total() const;
};

class rate_limiter {
 public:
  explicit rate_limiter(const rate_limits& limits = {});

  /// Admits one request of `kind` from `device` (none: not a registered
  /// device, only the global budget applies).
  rate_decision admit(sim_time now, std::optional<device_index> device, traffic kind);

  const rate_counters& counters() const { return counters_; }
  const rate_limits& limits() const { return limits_; }

 private:
  struct device_bucket {
    std::uint32_t tokens = 0;  ///< milli-tokens (burst <= 4M tokens)
    std::uint32_t pad = 0;
    sim_time last{-1};
  };
  static_assert(sizeof(device_bucket) == 16, "the memory figure counts 16 bytes a device");

  std::optional<duration> take_device(sim_time now, device_index device);

  rate_limits limits_;
  std::vector<device_bucket> devices_;
  token_bucket attestation_pool_;
  token_bucket other_pool_;
  std::uint64_t device_rate_milli_ = 0;   ///< milli-tokens per second
  std::uint64_t device_burst_milli_ = 0;
  rate_counters counters_;
};

const char* name_of(rate_refusal r);

}  // namespace fleet::cloud
