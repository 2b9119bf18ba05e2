#include "measured_boot.hpp"

#include <algorithm>
#include <array>
#include <iterator>

namespace fleet::cloud {

crypto::digest measurement_chain(const crypto::digest* digests, std::size_t count) {
  crypto::digest reg{};
  std::array<std::uint8_t, 64> input{};
  for (std::size_t i = 0; i < count; ++i) {
    std::copy(reg.begin(), reg.end(), input.begin());
    std::copy(digests[i].begin(), digests[i].end(), input.begin() + 32);
    reg = crypto::sha256(crypto::as_view(input));
  }
  return reg;
}

bool boot_chain_well_formed(const google::protobuf::RepeatedPtrField<wire::MeasuredComponent>& boot) {
  constexpr wire::Component order[] = {wire::BOOTLOADER, wire::SECURITY_MONITOR, wire::OS, wire::APP};
  constexpr int required = 3;
  if (boot.size() < required || boot.size() > static_cast<int>(std::size(order))) return false;
  for (int i = 0; i < boot.size(); ++i) {
    if (boot.Get(i).component() != order[i]) return false;
  }
  return true;
}

}  // namespace fleet::cloud
