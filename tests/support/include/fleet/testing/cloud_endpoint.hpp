#pragma once
// What a device_world talks to: the real security service through a
// service_endpoint, a fault_endpoint in front of one, or another cloud (the
// gRPC server). Serialized request in, serialized replies out.

#include <string>
#include <string_view>
#include <vector>

#include "fleet/fw/types.hpp"

namespace fleet::testing {

class cloud_endpoint {
 public:
  virtual ~cloud_endpoint() = default;
  /// One serialized request Envelope; the serialized replies (none when it is dropped).
  virtual std::vector<std::string> handle(fw::sim_time now, std::string_view request) = 0;
};

}  // namespace fleet::testing
