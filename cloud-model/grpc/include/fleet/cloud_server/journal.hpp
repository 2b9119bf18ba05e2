#pragma once
// The state file of a served security service: an SQLite database holding a
// header (seed, wall clock at time zero) and the journal of every command
// that changed the service, in order. A command is appended, committed, and
// only then run and answered, so whatever a client saw acknowledged is in the
// file. Replaying the commands through a fresh service rebuilds the state:
// the service is deterministic (time handed in, randomness from its seed).
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

#include "journal.pb.h"

struct sqlite3;
struct sqlite3_stmt;

namespace fleet::cloud_server {

/// Anything wrong with the state file: the message names the file and the problem.
class journal_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The state file reached its size limit: nothing more can be journaled.
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

  /// Commits one command. Throws journal_full at the size limit and
  /// journal_error for anything else (disk full, file gone...): the command
  /// must then not run.
  void append(const state::Command& command);

  std::uint64_t commands() const { return commands_; }

  /// Calls `apply` with every command in order, and its position (from 1).
  /// Throws journal_error for a command that does not parse.
  void replay(const std::function<void(const state::Command&, std::uint64_t position)>& apply) const;

  const std::string& path() const { return path_; }

 private:
  void open(std::uint64_t bytes_max);
  void exec(const char* sql) const;
  std::int64_t page_size() const;
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::uint64_t commands_ = 0;
};

}  // namespace fleet::cloud_server
