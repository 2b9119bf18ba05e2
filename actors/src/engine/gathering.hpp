#pragma once
// What the run did, gathered after it from the partitions' final accounts
// (partition_account.hpp) and the last live snapshot: the trace hash, the
// telemetry, the attacks' victims, the revocations, the images started,
// the breakdowns and the faults. The control reads no partition for it:
// each account came in a report, and they are summed in partition order.

#include <cstdint>
#include <vector>

#include "engine/partition.hpp"
#include "fleet/actors/live_snapshot.hpp"
#include "fleet/actors/run.hpp"
#include "network/nemesis.hpp"

namespace fleet::actors {

/// Fills `r`'s counters, trace_hash, attacks, deployments, image_starts,
/// breakdowns, requests_per_minute, revocations and faults from `last`
/// (the snapshot at the end, at last.reached) and `reports`, one a
/// partition in partition order, each with the final account its orders
/// asked for at last.reached. `fault_hits`: snapshot_taker::fault_hits.
/// r.devices is set.
void gather(run_result& r, const input::run_input& s, const nemesis& links, const std::vector<std::uint64_t>& fault_hits,
            const live_snapshot& last, const std::vector<partition_report>& reports);

}  // namespace fleet::actors
