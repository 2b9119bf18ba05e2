#include "engine/entity_trace.hpp"

#include "fleet/crypto/crypto.hpp"
#include "fleet/crypto/random_stream.hpp"

namespace fleet::actors {

void entity_trace::fold(std::uint64_t value) { state_ = crypto::mix64(state_ ^ crypto::mix64(value)); }

std::string combine_traces(const std::vector<std::uint64_t>& digests) {
  std::string bytes;
  bytes.reserve(digests.size() * 8);
  for (std::uint64_t d : digests) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((d >> (8 * i)) & 0xff));
  }
  return crypto::to_hex(crypto::as_view(crypto::blake2b(bytes)));
}

}  // namespace fleet::actors
