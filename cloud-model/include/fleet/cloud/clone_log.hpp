#pragma once
// Devices flagged as cloned: one identity used from two network locations at
// once. The caller drains the list, revokes the devices' certificates and
// decides what else (block the identity in the registry, alert).

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "fleet/cloud/device_directory.hpp"
#include "fleet/cloud/snapshot.hpp"

namespace fleet::cloud {

/// How the clone showed itself.
enum class clone_signal : std::uint8_t {
  attested_elsewhere,      ///< attested from another source while a session was live
  session_source_changed,  ///< a second source sent valid requests in the same session
  certificate_elsewhere,   ///< a proof of possession came from another source than the live session or the certificate's last use
};
inline constexpr std::size_t clone_signal_count = 3;

const char* name_of(clone_signal s);

struct clone_flag {
  sim_time at{0};
  device_index device = 0;
  crypto::device_id id{};
  source_id live_source = 0;  ///< where the live session was opened
  source_id new_source = 0;   ///< where the clashing message came from
  clone_signal how = clone_signal::attested_elsewhere;
};

class clone_log {
 public:
  /// Flags waiting for the caller; past this they are counted, not kept.
  static constexpr std::size_t pending_max = 4'096;

  void flag(const clone_flag& f) {
    ++flagged_[static_cast<std::size_t>(f.how)];
    if (pending_.size() < pending_max) {
      pending_.push_back(f);
    } else {
      ++dropped_;
    }
  }
  /// Flags since the last take(), oldest first.
  const std::vector<clone_flag>& pending() const { return pending_; }
  std::vector<clone_flag> take() { return std::exchange(pending_, {}); }

  std::uint64_t flagged(clone_signal how) const { return flagged_[static_cast<std::size_t>(how)]; }
  std::uint64_t dropped() const { return dropped_; }

  /// Its whole state, for a snapshot (session_table_state.cpp).
  void save(state::CloneLogState& out) const;
  restore_status restore(const state::CloneLogState& in);

 private:
  std::vector<clone_flag> pending_;
  std::array<std::uint64_t, clone_signal_count> flagged_{};
  std::uint64_t dropped_ = 0;
};

}  // namespace fleet::cloud
