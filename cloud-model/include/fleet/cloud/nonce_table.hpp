#pragma once
// Single-use attestation nonces: 32 random bytes bound to one device,
// expiring after a lifetime, bounded overall and per device.
//
// Per device, only the last per_device_max nonces issued are good: a new one
// supersedes the oldest instead of being refused. Anyone can ask for a
// nonce in a device's name (the request is not authenticated), so a refusal
// at the per-device bound would let a stranger holding a few nonces lock the
// device out for a nonce lifetime. And so that strangers cannot supersede
// the device's own nonce either, a device has two windows of
// per_device_max: one for challenges from where its live session is (its
// home), one for every other place. A device with no live session (its
// first attestation after its session ended) shares the strangers' window:
// a stranger on its path who asks per_device_max times between its
// challenge and its evidence makes it ask again, at the price of its own
// place's rate budget each time.
//
// A nonce is looked at (check) before the evidence's signature is verified,
// to refuse a replay cheaply, and spent (consume) only after: evidence that
// does not verify spends nothing, so junk sent by whoever saw the nonce on
// the wire cannot cancel it.
//
// Nonces live in a hash map (the evidence names its nonce, so that is the
// lookup) and a FIFO in issue order: one lifetime for all means issue order is
// expiry order, so expiry is a pop from the front. Consumed and expired
// nonces stay until `retained_for` after expiry so that a replay or a late
// reply is named (reused, expired) instead of "unknown"; when room is short
// they are the first to go, so naming never costs capacity.
//
// Memory: about 120 bytes per tracked nonce (map node and FIFO entry), at
// most tracked_max of them, plus two bytes per device for its issue counts.

#include <array>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "fleet/cloud/snapshot.hpp"
#include "fleet/cloud/types.hpp"
#include "fleet/crypto/random_stream.hpp"
#include "fleet/wire/limits.hpp"

namespace fleet::cloud {

using nonce = std::array<std::uint8_t, wire::nonce_bytes>;

struct nonce_limits {
  duration lifetime = std::chrono::minutes(5);
  duration retained_for = std::chrono::minutes(5);  ///< after expiry, to name late uses
  std::uint32_t outstanding_max = 65'536;   ///< issued, unused, unexpired; all devices
  std::uint8_t per_device_max = 4;          ///< good nonces of one device (lost replies, retries): newer ones supersede
  std::uint32_t tracked_max = 262'144;      ///< entries of any state: bounds memory
  std::uint32_t devices_max = 4'000'000;    ///< device indices below this
};

/// Why no nonce was issued: all answered like RATE_LIMITED, retry later.
/// There is no per-device refusal: see superseded.
enum class nonce_refusal : std::uint8_t {
  none,
  outstanding_max,   ///< too many outstanding overall
  tracked_max,       ///< the table is full of outstanding nonces
};
inline constexpr std::size_t nonce_refusal_count = 3;

/// What a nonce presented in evidence turned out to be.
enum class nonce_status : std::uint8_t {
  valid,
  unknown,
  wrong_device,
  reused,
  expired,
  superseded,  ///< per_device_max newer nonces were issued to the device since
};
inline constexpr std::size_t nonce_status_count = 6;

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
  /// `from_home`: asked from where the device's live session is.
  issued_nonce issue(sim_time now, device_index device, crypto::random_stream& random, bool from_home = false);
  /// What a nonce presented by `device` is, without spending it.
  nonce_status check(sim_time now, device_index device, const nonce& value);
  /// Spends a nonce that check() found valid at the same `now`, once the
  /// evidence carrying it verified: it cannot be used again.
  void consume(sim_time now, device_index device, const nonce& value);

  /// Releases what expired by `now`. Every entry point does this first.
  void expire(sim_time now);
  /// When the next outstanding nonce expires; `never` when none is.
  sim_time next_deadline() const;

  /// Issued, not spent, not expired; superseded ones count until they expire.
  std::uint32_t outstanding() const { return outstanding_; }
  std::size_t tracked() const { return fifo_.size(); }
  const nonce_limits& limits() const { return limits_; }

  /// Its whole state, for a snapshot (nonce_table_state.cpp).
  void save(::fleet::state::NonceTableState& out) const;
  /// Takes a saved state into a table fresh from construction (same limits).
  restore_status restore(const ::fleet::state::NonceTableState& in);

 private:
  enum class state : std::uint8_t { outstanding, used, expired };
  struct entry {
    sim_time issued_at{0};
    device_index device = 0;
    state st = state::outstanding;
    std::uint8_t serial = 0;  ///< the device's issue count in its window (mod 256) when issued
    bool from_home = false;   ///< which of the device's two windows
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
  /// per_device_max or more nonces were issued to its device after it.
  bool superseded(const entry& e) const;

  nonce_limits limits_;
  std::unordered_map<nonce, entry, nonce_hash> entries_;
  std::deque<issued> fifo_;          ///< every entry of entries_, in issue order
  std::size_t released_ = 0;         ///< fifo_ prefix already past its lifetime
  /// Nonces issued to each device (mod 256) in its two windows (others,
  /// home), by device index: with an entry's serial it says how many were
  /// issued in its window since.
  std::vector<std::array<std::uint8_t, 2>> issued_to_;
  std::uint32_t outstanding_ = 0;
};

}  // namespace fleet::cloud
