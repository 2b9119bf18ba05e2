#pragma once
// The state file of a served security service: an SQLite database holding a
// header (seed, wall clock at time zero) and the journal of the commands
// that changed the service, in order. A command runs under the service's
// lock and is committed before it is answered, so whatever a client saw
// acknowledged is in the file. Replaying the commands through a fresh
// service rebuilds the state: the service is deterministic (time handed in,
// randomness from its seed). Which commands are journaled: served_service.hpp.
//
// Each record carries a checksum (SHA-256 of its position and its bytes,
// first 16 bytes): a record changed on disk, by damage or by hand, is found
// at start with its position instead of being replayed into another state.
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

  std::uint64_t commands() const { return commands_; }

  /// Calls `apply` with every command in order, and its position (from 1).
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

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::uint64_t commands_ = 0;
  std::int64_t page_size_ = 0;
  std::int64_t max_pages_ = 0;
};

/// A record's checksum: the first 16 bytes of SHA-256(position, 8 bytes little-endian | command bytes).
std::string record_checksum(std::uint64_t position, std::string_view command_bytes);

}  // namespace fleet::cloud_server
