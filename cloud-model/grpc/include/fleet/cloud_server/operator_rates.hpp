#pragma once
// Rates of the operator operations that change what devices trust or run:
// image-signing key rotations, image uploads and deployments. The service's
// totals (signing_keys_max, images_max, deployments_max) say how many there
// may ever be; these say how fast, so that a stolen operator token or a
// runaway script cannot spend a total in seconds.
//
// Pure: time is handed in. One bucket per operation (a generic cell rate
// algorithm: `burst` at once, then one per `interval`), charged only for
// operations the service accepted, which are exactly the journaled ones, so
// replaying the journal rebuilds the buckets.

#include <array>
#include <cstdint>
#include <optional>

#include "fleet/cloud/types.hpp"
#include "journal.pb.h"

namespace fleet::cloud_server {

enum class operator_operation : std::uint8_t { rotation, upload, deployment };
inline constexpr std::size_t operator_operation_count = 3;
/// "image-signing key rotations", "image uploads", "deployments".
const char* name_of(operator_operation op);

struct operation_rate {
  std::uint32_t burst = 1;              ///< at once, from a full bucket
  cloud::duration interval{1'000'000};  ///< one more per interval after that
};

struct operator_rate_limits {
  /// A rotation answers a leaked key: a few at once, then one an hour
  /// (signing_keys_max = 16 then lasts at least 13 hours).
  operation_rate rotations{3, std::chrono::hours(1)};
  operation_rate uploads{30, std::chrono::minutes(1)};
  operation_rate deployments{30, std::chrono::minutes(1)};
};

/// The rate-limited operation a command is, if any.
std::optional<operator_operation> operation_of(const state::Command& command);

class operator_rates {
 public:
  explicit operator_rates(operator_rate_limits limits = {});

  /// How long until `op` may run at `now`; zero when it may now.
  cloud::duration wait(operator_operation op, cloud::sim_time now) const;
  /// Counts one `op` run at `now`. Never refuses: a replay charges what ran.
  void charge(operator_operation op, cloud::sim_time now);

  const operation_rate& rate(operator_operation op) const { return rates_[index(op)]; }

  /// When each bucket is full again, for a snapshot (by operation).
  const std::array<cloud::sim_time, operator_operation_count>& full_at() const { return full_at_; }
  void restore(const std::array<cloud::sim_time, operator_operation_count>& full_at) { full_at_ = full_at; }

 private:
  static std::size_t index(operator_operation op) { return static_cast<std::size_t>(op); }

  std::array<operation_rate, operator_operation_count> rates_;
  /// Per operation: when the bucket would be full again (the theoretical arrival time).
  std::array<cloud::sim_time, operator_operation_count> full_at_{};
};

}  // namespace fleet::cloud_server
