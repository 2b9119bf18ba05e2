#pragma once
// Single-use attestation nonces: 32 random bytes bound to one device,
// expiring after a lifetime, bounded overall and per device.
//
// Nonces live in a hash map (the evidence names its nonce, so that is the
// lookup) and a FIFO in issue order: one lifetime for all means issue order is
// expiry order, so expiry is a pop from the front. Consumed and expired
// nonces stay until `retained_for` after expiry so that a replay or a late
// reply is named (reused, expired) instead of "unknown"; when room is short
// they are the first to go, so naming never costs capacity.
//
// Memory: about 120 bytes per tracked nonce (map node and FIFO entry), at
// most tracked_max of them, plus one byte per device for its outstanding count.

#include <array>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "fleet/cloud/types.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::cloud {

using nonce = std::array<std::uint8_t, wire::nonce_bytes>;

struct nonce_limits {
  duration lifetime = std::chrono::minutes(5);
  duration retained_for = std::chrono::minutes(5);  ///< after expiry, to name late uses
  std::uint32_t outstanding_max = 65'536;   ///< issued, unused, unexpired; all devices
  std::uint8_t per_device_max = 4;          ///< outstanding for one device (lost replies, retries)
  std::uint32_t tracked_max = 262'144;      ///< entries of any state: bounds memory
  std::uint32_t devices_max = 4'000'000;    ///< device indices below this
};

/// Why no nonce was issued: all answered like RATE_LIMITED, retry later.
enum class nonce_refusal : std::uint8_t {
  none,
  outstanding_max,   ///< too many outstanding overall
  per_device_max,    ///< too many outstanding for this device
  tracked_max,       ///< the table is full of outstanding nonces
};
inline constexpr std::size_t nonce_refusal_count = 4;

/// What a nonce presented in evidence turned out to be.
enum class nonce_status : std::uint8_t { valid, unknown, wrong_device, reused, expired };
inline constexpr std::size_t nonce_status_count = 5;

const char* name_of(nonce_refusal r);
const char* name_of(nonce_status s);

struct issued_nonce {
  nonce_refusal refusal = nonce_refusal::none;
  nonce value{};  ///< valid when refusal is none
  bool ok() const { return refusal == nonce_refusal::none; }
};

class nonce_table {
 public:
  explicit nonce_table(const nonce_limits& limits = {});

  /// Draws a fresh nonce for `device` from the caller's stream, or refuses.
  issued_nonce issue(sim_time now, device_index device, crypto::random_stream& random);
  /// Checks a nonce presented by `device` and consumes it: whatever the
  /// caller finds next, it cannot be used again. A nonce of another device
  /// is not consumed, so that whoever saw it on the wire cannot cancel it.
  nonce_status consume(sim_time now, device_index device, const nonce& value);

  /// Releases what expired by `now`. Every entry point does this first.
  void expire(sim_time now);
  /// When the next outstanding nonce expires; `never` when none is.
  sim_time next_deadline() const;

  std::uint32_t outstanding() const { return outstanding_; }
  std::uint32_t outstanding_for(device_index device) const;
  std::size_t tracked() const { return fifo_.size(); }
  const nonce_limits& limits() const { return limits_; }

 private:
  enum class state : std::uint8_t { outstanding, used, expired };
  struct entry {
    sim_time issued_at{0};
    device_index device = 0;
    state st = state::outstanding;
  };
  struct issued {
    sim_time issued_at{0};
    nonce value{};
  };
  struct nonce_hash {
    std::size_t operator()(const nonce& n) const;  // the bytes are random: any 8 will do
  };

  void release(entry& e, state to);
  /// Drops the oldest entry if nobody is waiting on it (used or expired).
  bool drop_front_if_done();

  nonce_limits limits_;
  std::unordered_map<nonce, entry, nonce_hash> entries_;
  std::deque<issued> fifo_;          ///< every entry of entries_, in issue order
  std::size_t released_ = 0;         ///< fifo_ prefix already past its lifetime
  std::vector<std::uint8_t> per_device_;  ///< outstanding count, by device index
  std::uint32_t outstanding_ = 0;
};

}  // namespace fleet::cloud
