#include "fleet/scenario/scenario.hpp"

namespace fleet::scenario {

std::uint64_t scenario::device_count() const {
  std::uint64_t n = 0;
  for (const group& g : fleet.groups) n += g.devices;
  return n;
}

}  // namespace fleet::scenario
