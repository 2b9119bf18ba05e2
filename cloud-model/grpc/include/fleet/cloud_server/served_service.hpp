#pragma once
// The security service as a server runs it: real time instead of handed-in
// time, one lock around the service, operator rates, and (with a state file)
// every change journaled before it is answered, so a restart replays it.
//
// What is journaled: a command that changed the service. Every accepted
// command; of the refused ones only those whose refusal itself changes
// state (command_executor.hpp, changed_state): a device request (its
// refusal spends rate budget, consumes nonces, counts toward quarantine),
// and pause/resume/halt of an existing deployment (the rollout is brought up
// to now first). Every other operator refusal is checked by the service
// before it changes anything, so it is not journaled: junk cannot grow the
// file. If due timers ran before a refused command, a Tick at its time is
// journaled instead, so the replay runs them at the same time. Left out of
// the replay: counters of refused operator calls (refused claims, refused
// uploads), figures about traffic that no answer depends on.
//
// A command runs before it is written: the room for it is checked first
// (check_room), and should the write still fail (disk full, IO error) the
// change is answered UNAVAILABLE and the server takes no more changes until
// a restart, which replays the file as written.
//
// Compaction: when the commands since the last snapshot pass a bound (their
// bytes above snapshot_multiple times the snapshot's, and at least
// tail_bytes_min), and at a clean shutdown, the whole state is saved as a
// new snapshot and the commands it covers dropped (journal::compact, one
// transaction). A restart restores the snapshot and replays the commands
// after it: its time and the file's size follow the state, not the history.
// Compaction runs under the service's lock, so requests wait for it: about
// the time to serialise the state and write it (bench/README.md, state_bench).
// A compaction that fails (disk full) leaves the file as it was and is
// tried again at the next bound.
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
#include "fleet/cloud_server/operator_rates.hpp"
#include "journal.pb.h"

namespace fleet::cloud_server {

struct compaction_settings {
  bool enabled = true;
  /// Compact once the commands since the snapshot exceed this many times its bytes ...
  std::uint64_t snapshot_multiple = 2;
  /// ... and at least this many bytes (a small state is not rewritten at every command).
  std::uint64_t tail_bytes_min = 4ull << 20;
  /// Also at a clean shutdown; off, a stop leaves the commands for the next start to replay (as a crash does).
  bool at_shutdown = true;
};

struct served_settings {
  std::optional<std::string> state_path;  ///< none: state in memory only
  std::uint64_t state_bytes_max = journal_bytes_max_default;
  std::uint64_t seed = 1;  ///< for a new state; an existing one keeps its own
  operator_rate_limits operator_rates;
  compaction_settings compaction;
  /// The wall clock, UTC microseconds (tests drive it by hand).
  std::function<std::int64_t()> utc_now_us;
  /// Called every so often while a state file is replayed.
  std::function<void(std::uint64_t done, std::uint64_t total)> replay_progress;
};

class served_service {
 public:
  /// Opens the state file, restores its snapshot and replays the commands
  /// after it. Throws journal_error (a damaged or refused snapshot included).
  explicit served_service(served_settings settings);
  /// Compacts the state file (a clean shutdown), unless compaction is off or writing failed.
  ~served_service();

  /// Runs one command at the current time and journals it (with a state
  /// file) when it changed the service. RESOURCE_EXHAUSTED, nothing run,
  /// when an operator rate refuses it (outcome.retry_after_ms says when it
  /// would pass) or the state file's size limit would be passed;
  /// UNAVAILABLE when the state file could not be written (see above).
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
  /// Commands replayed from the state file at start (those after its snapshot).
  std::uint64_t replayed() const { return replayed_; }
  /// The position of the last command the snapshot restored at start covered; 0 without one.
  std::uint64_t restored_through() const { return restored_through_; }
  /// Writes a snapshot now (under the lock). Throws journal_error; without a state file, nothing.
  void compact();
  /// Compactions done by this server.
  std::uint64_t compactions() const;
  bool durable() const { return journal_ != nullptr; }
  /// Commands in the state file (0 without one).
  std::uint64_t journaled() const;

 private:
  cloud::sim_time now();  ///< under the lock
  void restore_snapshot();
  /// Under the lock: the served state and the service's, written as the new snapshot.
  void compact_locked();
  /// Under the lock, after a command was journaled: compacts when the bound is passed.
  void compact_if_due();

  served_settings settings_;
  std::unique_ptr<journal> journal_;
  journal_header header_;
  crypto::signing_key_pair root_;
  std::unique_ptr<cloud::security_service> service_;
  operator_rates rates_;
  mutable std::mutex mutex_;
  std::string failed_;  ///< why no more changes are taken; empty while they are
  cloud::sim_time last_now_{0};
  std::uint64_t replayed_ = 0;
  std::uint64_t restored_through_ = 0;
  std::uint64_t compactions_ = 0;
  std::uint64_t retry_above_ = 0;  ///< after a failed compaction: tail bytes before the next try
};

}  // namespace fleet::cloud_server
