#pragma once
// The fleet counted by partition: each partition counts its own devices
// (a timeline point, a census) in its actor, and sends the counts in its
// report; the control adds them up. Counts are sums, so the order they are
// added in does not change them.

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "fleet/actors/run.hpp"
#include "fleet/actors/run_input.hpp"
#include "fleet/fw/types.hpp"
#include "fleet/wire/version.hpp"

namespace fleet::device {
class simulated_device;
}

namespace fleet::actors {

/// Index of the device's state at `at` in device_state_names. Attested: it
/// holds a certificate that is valid on its own clock (one its clock sees
/// expired is no use to it: it attests again).
std::size_t state_index(const device::simulated_device& d, sim_time at);
inline constexpr std::size_t attested_state = 2;

/// What a census needs of the run's input: a partition keeps its own copy.
struct census_plan {
  std::size_t groups = 0;
  /// Per deployment, its rollback image (component and version), if it has one.
  struct rollback_image {
    fw::component component = fw::component::app;
    wire::version version;
  };
  std::vector<std::optional<rollback_image>> rollbacks;
  /// Whether a census counts what attested devices run (only `healed`,
  /// after a revocation, reads it).
  bool attested_running = false;
};

census_plan census_plan_of(const input::run_input& s);

/// Devices by app version, in the order the versions were first met: a
/// fleet runs a few, so a list is searched faster than a map is.
using version_counts = std::vector<std::pair<wire::version, std::uint64_t>>;
void count_version(version_counts& counts, const wire::version& v);

/// Adds `from` to `into` element by element, `into` grown to `from`'s size
/// first: partitions' series (by minute, by hour, by group) can differ in length.
template <class T>
void add_each(std::vector<T>& into, const std::vector<T>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) into[i] += from[i];
}

/// The same for counts by index and kind (by fault, then state or step).
template <class T, std::size_t N>
void add_each(std::vector<std::array<T, N>>& into, const std::vector<std::array<T, N>>& from) {
  if (into.size() < from.size()) into.resize(from.size());
  for (std::size_t i = 0; i < from.size(); ++i) {
    for (std::size_t k = 0; k < N; ++k) into[i][k] += from[i][k];
  }
}

/// Adds a partition's counts to the fleet's.
void add_counts(timeline_point& fleet, const timeline_point& share);
void add_counts(census& fleet, const census& share);

}  // namespace fleet::actors
