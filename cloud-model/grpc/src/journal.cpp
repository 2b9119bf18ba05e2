// The state file in SQLite: see journal.hpp for the durability argument.
#include "fleet/cloud_server/journal.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <string_view>

namespace fleet::cloud_server {
namespace {

constexpr std::int64_t format_version = 1;

/// A prepared statement, finalized however the scope is left.
struct statement {
  statement(sqlite3* db, const char* sql) { ok = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) == SQLITE_OK; }
  ~statement() { sqlite3_finalize(raw); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  sqlite3_stmt* raw = nullptr;
  bool ok = false;
};

// Reads one integer of the meta table; none when the key is missing.
std::optional<std::int64_t> meta_int(sqlite3* db, const char* key) {
  statement select(db, "SELECT value FROM meta WHERE key = ?1");
  if (!select.ok) return {};
  sqlite3_bind_text(select.raw, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step(select.raw) != SQLITE_ROW) return {};
  return sqlite3_column_int64(select.raw, 0);
}

}  // namespace

journal::journal(const std::string& path, std::uint64_t bytes_max) : path_(path) {
  try {
    open(bytes_max);
  } catch (const journal_error&) {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);  // a constructor that throws gets no destructor
    throw;
  }
}

void journal::open(std::uint64_t bytes_max) {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    fail("cannot open");
  }
  // Exclusive locking: the first write below takes the lock and keeps it, so
  // a second server on the same file fails here instead of interleaving.
  sqlite3_busy_timeout(db_, 0);
  exec("PRAGMA locking_mode = EXCLUSIVE");
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA synchronous = NORMAL");
  const std::uint64_t pages = std::max<std::uint64_t>(1, bytes_max / static_cast<std::uint64_t>(page_size()));
  exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
  exec("BEGIN IMMEDIATE");
  exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS commands (position INTEGER PRIMARY KEY, command BLOB NOT NULL)");
  const auto format = meta_int(db_, "format");
  if (!format) {
    exec("INSERT INTO meta (key, value) VALUES ('format', 1)");
  } else if (*format != format_version) {
    fail("state format " + std::to_string(*format) + " is not the format this build reads (" +
         std::to_string(format_version) + ")");
  }
  exec("COMMIT");

  statement count(db_, "SELECT count(*) FROM commands");
  if (!count.ok || sqlite3_step(count.raw) != SQLITE_ROW) fail("cannot read");
  commands_ = static_cast<std::uint64_t>(sqlite3_column_int64(count.raw, 0));

  if (sqlite3_prepare_v2(db_, "INSERT INTO commands (position, command) VALUES (?1, ?2)", -1, &insert_, nullptr) !=
      SQLITE_OK) {
    fail("cannot prepare");
  }
}

journal::~journal() {
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

std::int64_t journal::page_size() const {
  statement pragma(db_, "PRAGMA page_size");
  if (!pragma.ok || sqlite3_step(pragma.raw) != SQLITE_ROW) fail("cannot read the page size");
  return sqlite3_column_int64(pragma.raw, 0);
}

void journal::exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return;
  const std::string what = message != nullptr ? message : sqlite3_errmsg(db_);
  sqlite3_free(message);
  if (sqlite3_errcode(db_) == SQLITE_BUSY || sqlite3_errcode(db_) == SQLITE_LOCKED) {
    throw journal_error(path_ + ": in use by another server (" + what + ")");
  }
  throw journal_error(path_ + ": " + what);
}

void journal::fail(const std::string& what) const {
  throw journal_error(path_ + ": " + what + (db_ != nullptr ? std::string(": ") + sqlite3_errmsg(db_) : ""));
}

std::optional<journal_header> journal::header() const {
  const auto seed = meta_int(db_, "seed");
  const auto wall = meta_int(db_, "wall_clock_at_zero_us");
  if (!seed || !wall) return std::nullopt;
  return journal_header{static_cast<std::uint64_t>(*seed), *wall};
}

void journal::write_header(const journal_header& h) {
  statement insert(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");
  if (!insert.ok) fail("cannot write the header");
  exec("BEGIN IMMEDIATE");
  const std::pair<const char*, std::int64_t> rows[] = {{"seed", static_cast<std::int64_t>(h.seed)},
                                                       {"wall_clock_at_zero_us", h.wall_clock_at_zero_us}};
  for (const auto& [key, value] : rows) {
    sqlite3_bind_text(insert.raw, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(insert.raw, 2, value);
    const int rc = sqlite3_step(insert.raw);
    sqlite3_reset(insert.raw);
    if (rc != SQLITE_DONE) {
      exec("ROLLBACK");
      fail("cannot write the header");
    }
  }
  exec("COMMIT");
}

void journal::append(const state::Command& command) {
  std::string bytes;
  command.SerializeToString(&bytes);
  sqlite3_bind_int64(insert_, 1, static_cast<std::int64_t>(commands_ + 1));
  sqlite3_bind_blob64(insert_, 2, bytes.data(), bytes.size(), SQLITE_STATIC);
  const int rc = sqlite3_step(insert_);
  sqlite3_reset(insert_);
  sqlite3_clear_bindings(insert_);
  if (rc == SQLITE_FULL) {
    throw journal_full(path_ + ": full (the state file's size limit is reached)");
  }
  if (rc != SQLITE_DONE) fail("cannot append command " + std::to_string(commands_ + 1));
  ++commands_;
}

void journal::replay(const std::function<void(const state::Command&, std::uint64_t)>& apply) const {
  statement select(db_, "SELECT position, command FROM commands ORDER BY position");
  if (!select.ok) fail("cannot read the journal");
  std::uint64_t expected = 1;
  state::Command command;
  int rc;
  while ((rc = sqlite3_step(select.raw)) == SQLITE_ROW) {
    const auto position = static_cast<std::uint64_t>(sqlite3_column_int64(select.raw, 0));
    const auto* data = static_cast<const char*>(sqlite3_column_blob(select.raw, 1));
    const int size = sqlite3_column_bytes(select.raw, 1);
    if (position != expected || !command.ParseFromArray(data, size)) {
      throw journal_error(path_ + ": command " + std::to_string(position) + " is damaged");
    }
    apply(command, position);
    ++expected;
  }
  if (rc != SQLITE_DONE) fail("cannot read the journal");
}

}  // namespace fleet::cloud_server
