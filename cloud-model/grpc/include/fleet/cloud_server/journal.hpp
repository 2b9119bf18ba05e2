#pragma once
// The state file of a served security service: an SQLite database holding a
// header (seed, wall clock at time zero), the latest snapshot of the
// service's state, and the journal of the commands that changed the service
// since, in order. A command runs under the service's lock and is committed
// before it is answered, so whatever a client saw acknowledged is in the
// file. Restoring the snapshot and replaying the commands after it through
// a fresh service rebuilds the state: the service is deterministic (time
// handed in, randomness from its seed). Which commands are journaled:
// served_service.hpp.
//
// Compaction (compact()) writes a new snapshot and drops the commands it
// covers in one SQLite transaction, so a crash at any point leaves either
// the old snapshot with its commands or the new one; the freed pages are
// then given back to the file system (auto_vacuum = INCREMENTAL), so the
// file's size follows the state, not the history. Positions keep counting
// across compactions: a command's position is its place in the history.
//
// Each record and each snapshot part carries a checksum (SHA-256 of its
// position and its bytes, first 16 bytes): a record changed on disk, by
// damage or by hand, is found at start with its position instead of being
// replayed into another state.
//
// Durability: WAL mode with synchronous=NORMAL. A commit has been written to
// the file (through the OS) when append() returns, so a server killed with
// SIGKILL at any moment loses nothing it acknowledged; a power loss of the
// whole machine may lose the last commits (synchronous=FULL would fsync every
// command, about a millisecond each on this machine's disk).
//
// One server at a time: the file is opened in exclusive locking mode and a
// second server on the same file is refused.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "journal.pb.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fleet::cloud_server {

/// Anything wrong with the state file: the message names the file and the problem.
class journal_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The state file reached its configured size limit (--state-max-mib), as
/// opposed to a full disk or an IO error (a plain journal_error, which says which).
class journal_full : public journal_error {
 public:
  using journal_error::journal_error;
};

inline constexpr std::uint64_t journal_bytes_max_default = 4ull << 30;

struct journal_header {
  std::uint64_t seed = 1;
  std::int64_t wall_clock_at_zero_us = 0;  ///< UTC microseconds at simulated time zero
};

class journal {
 public:
  /// Opens the state file, creating it when missing; it may grow to
  /// `bytes_max` (rounded down to whole pages). Throws journal_error.
  explicit journal(const std::string& path, std::uint64_t bytes_max = journal_bytes_max_default);
  ~journal();
  journal(const journal&) = delete;
  journal& operator=(const journal&) = delete;

  /// The header written when the file was created; none for a new file.
  std::optional<journal_header> header() const;
  void write_header(const journal_header& h);

  /// Throws journal_full when a command of `command_bytes` would not fit
  /// under the size limit: checked before a command runs, as an append that
  /// fails after it ran leaves the service ahead of its file.
  void check_room(std::size_t command_bytes) const;

  /// Commits one command. Throws journal_full at the size limit and
  /// journal_error for anything else, saying which: the disk is full, or
  /// the OS refused the write (and why).
  void append(const state::Command& command);

  /// Commands journaled over the file's life: the position of the last one.
  std::uint64_t commands() const { return through_ + tail_; }
  /// Commands after the snapshot (all of them without one): what a restart replays.
  std::uint64_t tail() const { return tail_; }
  /// Bytes of those commands.
  std::uint64_t tail_bytes() const { return tail_bytes_; }
  /// The last position the snapshot covers; 0 without a snapshot.
  std::uint64_t snapshot_through() const { return through_; }
  /// Bytes of the snapshot's parts; 0 without one.
  std::uint64_t snapshot_bytes() const { return snapshot_bytes_; }

  /// Replaces the snapshot with the parts `next` yields in order (false:
  /// no more), covering every command so far, and drops those commands: one
  /// transaction. Then frees their pages and truncates the write-ahead log.
  /// Throws journal_full / journal_error (the file is then as before).
  void compact(const std::function<bool(std::string& part)>& next);

  /// Reads the snapshot's parts in order.
  class snapshot_reader {
   public:
    ~snapshot_reader();
    snapshot_reader(snapshot_reader&&) noexcept;
    snapshot_reader& operator=(snapshot_reader&&) = delete;
    /// The next part's bytes; false after the last. Throws journal_error
    /// naming the file and the part when one is missing or damaged.
    bool next(std::string& part);

   private:
    friend class journal;
    snapshot_reader(const journal& owner, sqlite3_stmt* select) : owner_(&owner), select_(select) {}
    const journal* owner_;
    sqlite3_stmt* select_;
    std::uint64_t read_ = 0;
  };
  /// The snapshot's parts (none without a snapshot).
  snapshot_reader read_snapshot() const;

  /// Calls `apply` with every command after the snapshot in order, and its position.
  /// Throws journal_error naming the file and the position of a record whose
  /// checksum does not match or that does not parse; records before it have
  /// been applied.
  void replay(const std::function<void(const state::Command&, std::uint64_t position)>& apply) const;

  const std::string& path() const { return path_; }

 private:
  void open(std::uint64_t bytes_max);
  void exec(const char* sql) const;
  std::int64_t page_size() const;
  std::int64_t pragma_int(const char* pragma) const;
  /// Pages a command of `bytes` may take: its overflow pages and a split.
  std::int64_t pages_for(std::size_t bytes) const;
  void upgrade_from_format_1();
  [[noreturn]] void fail(const std::string& what) const;
  /// Throws what a failed write of `what` (`bytes` long) means: the size limit, a full disk, an IO error.
  [[noreturn]] void write_failed(int rc, int os_errno, const std::string& what, std::size_t bytes) const;

  void upgrade_from_format_2();
  void count_rows();

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::uint64_t through_ = 0;
  std::uint64_t tail_ = 0;
  std::uint64_t tail_bytes_ = 0;
  std::uint64_t snapshot_bytes_ = 0;
  std::uint64_t snapshot_parts_ = 0;
  std::int64_t page_size_ = 0;
  std::int64_t max_pages_ = 0;
};

/// A record's checksum: the first 16 bytes of SHA-256(position, 8 bytes little-endian | command bytes).
std::string record_checksum(std::uint64_t position, std::string_view command_bytes);
/// A snapshot part's: the same over (through, part, 8 bytes little-endian each | "snapshot" | part bytes),
/// so a part is bound to its snapshot and place, and is never a valid record.
std::string part_checksum(std::uint64_t through, std::uint64_t part, std::string_view part_bytes);

}  // namespace fleet::cloud_server
