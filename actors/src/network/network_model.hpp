#pragma once
// The simulated network between devices and the cloud: per message a one-way
// latency from a log-normal fitted to the scenario's median and 99th
// percentile, never below the engine's lookahead; loss; and for replies that
// carry image data, the transfer time at the download bandwidth. Every draw
// comes from the stream of the link it crosses, so a link's delays depend on
// its own traffic only.

#include <chrono>
#include <cstdint>
#include <optional>

#include "fleet/crypto/random_stream.hpp"
#include "fleet/actors/run_input.hpp"

namespace fleet::actors {

using duration = std::chrono::microseconds;

class network_model {
 public:
  explicit network_model(const input::network& net);

  /// The delay of one message of `bytes`, or none when it is lost.
  /// `transfer`: the bytes count against the download bandwidth (image data).
  /// `link_bytes_per_second` (a slow link; 0: none): every message's bytes
  /// count against it, a transfer's at the slower of it and the download rate.
  std::optional<duration> delay(crypto::random_stream& link, std::size_t bytes, bool transfer,
                                std::uint64_t link_bytes_per_second = 0) const;

  /// No message arrives sooner than this after it was sent: the engine's window.
  duration lookahead() const { return lookahead_; }

 private:
  double mu_ = 0;     ///< of ln(latency in microseconds)
  double sigma_ = 0;
  double loss_ = 0;
  double bytes_per_us_ = 1;
  duration lookahead_{1000};
};

}  // namespace fleet::actors
