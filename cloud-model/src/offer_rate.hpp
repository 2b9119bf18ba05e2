#pragma once
// The exponential ramp: a token bucket whose rate is multiplied by the
// increment factor every `step_devices` devices notified (or succeeded).

#include <cstdint>
#include <optional>

#include "fleet/cloud/rollout_policy.hpp"
#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"

namespace fleet::cloud {

class offer_rate {
 public:
  /// No ramp: every offer is allowed.
  explicit offer_rate(const std::optional<ramp_policy>& ramp);

  /// Fills the bucket: the rollout starts with one minute of the base rate
  /// (at least one offer), so the first devices are not made to wait.
  void start(sim_time now);
  /// Spends one offer if the bucket holds one at `now`.
  bool try_take(sim_time now);
  /// A device was notified for the first time, or succeeded: counts towards
  /// the next step if that is the policy's basis.
  void on_notified(sim_time now);
  void on_succeeded(sim_time now);

  /// The governor's side (rollout_governor): `n` more devices counted
  /// toward the steps at `now`, whatever the basis (the shares counted by it).
  void on_counted(sim_time now, std::uint64_t n);
  /// Takes the whole offers the bucket holds at `now`, at most `most`. With no ramp: none (no limit to hand out).
  std::uint64_t take_whole(sim_time now, std::uint64_t most);
  /// Offers taken but not spent come back (the bucket still holds at most its capacity).
  void give_back(std::uint64_t offers);

  /// Current rate; none without a ramp.
  std::optional<double> per_minute() const;

  /// Its state, for a snapshot (rollout_controller_state.cpp); the ramp comes from the policy.
  void save(state::OfferRateState& out) const;
  restore_status restore(const state::OfferRateState& in);

 private:
  void refill(sim_time now);
  void count_towards_step(sim_time now);
  double capacity() const;

  std::optional<ramp_policy> ramp_;
  double rate_ = 0;    ///< offers per minute
  double tokens_ = 0;  ///< offers that may be made now
  sim_time refilled_at_{0};
  std::uint64_t counted_ = 0;  ///< devices towards the ramp since the start
};

}  // namespace fleet::cloud
