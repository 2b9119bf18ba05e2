#pragma once
// The security service as a server runs it: real time instead of handed-in
// time, one lock around the service, and (with a state file) every change
// journaled before it runs, so a restart replays it.
//
// Time: simulated time is microseconds since the state was created (the
// header keeps the wall clock at time zero), never going back even when the
// wall clock does. Keys: the service root and the service's streams derive
// from the seed in the header, chosen when the state was created.

#include <grpcpp/support/status.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fleet/cloud/security_service.hpp"
#include "fleet/cloud_server/journal.hpp"
#include "journal.pb.h"

namespace fleet::cloud_server {

struct served_settings {
  std::optional<std::string> state_path;  ///< none: state in memory only
  std::uint64_t state_bytes_max = journal_bytes_max_default;
  std::uint64_t seed = 1;                 ///< for a new state; an existing one keeps its own
  /// The wall clock, UTC microseconds (tests drive it by hand).
  std::function<std::int64_t()> utc_now_us;
  /// Called every so often while a state file is replayed.
  std::function<void(std::uint64_t done, std::uint64_t total)> replay_progress;
};

class served_service {
 public:
  /// Opens the state file and replays it. Throws journal_error.
  explicit served_service(served_settings settings);
  ~served_service();

  /// Journals (with a state file) and runs one command at the current time.
  /// RESOURCE_EXHAUSTED when the state file is full, UNAVAILABLE when it
  /// cannot be written: either way nothing ran.
  grpc::Status submit(state::Command command, state::Outcome& outcome);

  /// Runs `read(service, now)` under the lock, for calls that change nothing.
  template <class Read>
  auto read(Read&& read) {
    std::lock_guard<std::mutex> lock(mutex_);
    return read(static_cast<const cloud::security_service&>(*service_), now());
  }

  /// Runs due timers (journaled as a Tick) and returns the time until the next.
  cloud::duration tick();

  const crypto::public_key& root_public_key() const { return root_.public_key_bytes; }
  std::int64_t wall_clock_at_zero_us() const { return header_.wall_clock_at_zero_us; }
  std::uint64_t seed() const { return header_.seed; }
  /// Commands replayed from the state file at start.
  std::uint64_t replayed() const { return replayed_; }
  bool durable() const { return journal_ != nullptr; }

 private:
  cloud::sim_time now();  ///< under the lock

  served_settings settings_;
  std::unique_ptr<journal> journal_;
  journal_header header_;
  crypto::signing_key_pair root_;
  std::unique_ptr<cloud::security_service> service_;
  std::mutex mutex_;
  cloud::sim_time last_now_{0};
  std::uint64_t replayed_ = 0;
};

}  // namespace fleet::cloud_server
