#pragma once
// `fleetsim run --devices N`: the same scenario with a fleet of N devices.

#include <cstdint>
#include <string>

#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {

struct rescale_result {
  scenario value;     ///< valid when error is empty
  std::string error;  ///< why N does not fit
  bool ok() const { return error.empty(); }
};

/// Groups keep their proportions: each gets the floor of its exact share of
/// `total_devices` and the devices left over go to the largest remainders
/// (ties: the group listed first). A group that would get none takes one from
/// the largest group (ties: the first). Deterministic; rescaling to the
/// current total changes nothing. Refused below one device per group and
/// above fleet_devices_max.
rescale_result rescale(const scenario& s, std::uint64_t total_devices);

}  // namespace fleet::scenario
