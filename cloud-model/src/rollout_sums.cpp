#include <algorithm>

#include "fleet/check.hpp"
#include "fleet/cloud/rollout_status.hpp"

namespace fleet::cloud {
namespace {

template <typename Array>
void add_each(Array& sum, const Array& more) {
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += more[i];
}

}  // namespace

void add(attempt_counts& sum, const attempt_counts& more) {
  sum.offers += more.offers;
  sum.notified += more.notified;
  sum.succeeded += more.succeeded;
  sum.failed += more.failed;
  sum.rejected += more.rejected;
  sum.timed_out += more.timed_out;
}

void add(rollback_progress& sum, const rollback_progress& more) {
  sum.took += more.took;
  sum.offered += more.offered;
  sum.in_flight += more.in_flight;
  sum.committed += more.committed;
  sum.failed += more.failed;
  sum.rejected += more.rejected;
  sum.offers += more.offers;
  if (more.last_committed_at != never) {
    sum.last_committed_at =
        sum.last_committed_at == never ? more.last_committed_at : std::max(sum.last_committed_at, more.last_committed_at);
  }
  add_each(sum.refused, more.refused);
}

void add(wave_status& sum, const wave_status& more) {
  sum.devices += more.devices;
  sum.done += more.done;
  add_each(sum.outcomes.by_outcome, more.outcomes.by_outcome);
}

void add_counts(rollout_status& sum, const rollout_status& more) {
  FLEET_CHECK(sum.waves.size() == more.waves.size(), "shares of one rollout have its waves");
  for (std::size_t w = 0; w < sum.waves.size(); ++w) add(sum.waves[w], more.waves[w]);
  sum.devices += more.devices;
  sum.in_flight += more.in_flight;
  add(sum.attempts, more.attempts);
  add(sum.rolled_back, more.rolled_back);
  add_each(sum.refused, more.refused);
  add_each(sum.reports, more.reports);
}

}  // namespace fleet::cloud
