// The state file in SQLite: see journal.hpp for the durability argument.
#include "fleet/cloud_server/journal.hpp"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "fleet/crypto/crypto.hpp"

namespace fleet::cloud_server {
namespace {

// 1: commands without checksums; 2: each with its checksum; 3: and a
// snapshot. Older formats are upgraded at open.
constexpr std::int64_t format_version = 3;
constexpr std::size_t checksum_bytes = 16;

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
  // Only takes effect before the first table: a new file gives the pages
  // compaction frees back to the file system (an older one, at its first compaction).
  exec("PRAGMA auto_vacuum = INCREMENTAL");
  exec("PRAGMA locking_mode = EXCLUSIVE");
  exec("PRAGMA journal_mode = WAL");
  exec("PRAGMA synchronous = NORMAL");
  const std::uint64_t pages = std::max<std::uint64_t>(1, bytes_max / static_cast<std::uint64_t>(page_size()));
  exec(("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
  exec("BEGIN IMMEDIATE");
  exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  const auto format = meta_int(db_, "format");
  if (!format) {
    exec("CREATE TABLE commands (position INTEGER PRIMARY KEY, command BLOB NOT NULL, checksum BLOB NOT NULL)");
    exec("CREATE TABLE snapshot (part INTEGER PRIMARY KEY, bytes BLOB NOT NULL, checksum BLOB NOT NULL)");
    exec(("INSERT INTO meta (key, value) VALUES ('format', " + std::to_string(format_version) + ")").c_str());
  } else if (*format == 1) {
    upgrade_from_format_1();
    upgrade_from_format_2();
  } else if (*format == 2) {
    upgrade_from_format_2();
  } else if (*format != format_version) {
    fail("state format " + std::to_string(*format) + " is not the format this build reads (" +
         std::to_string(format_version) + ")");
  }
  exec("COMMIT");
  page_size_ = page_size();
  max_pages_ = pragma_int("PRAGMA max_page_count");

  count_rows();

  if (sqlite3_prepare_v2(db_, "INSERT INTO commands (position, command, checksum) VALUES (?1, ?2, ?3)", -1, &insert_,
                         nullptr) != SQLITE_OK) {
    fail("cannot prepare");
  }
}

// Format 1 had no checksums: each record gets its own now, so damage from
// before the upgrade goes unseen, damage after it does not.
void journal::upgrade_from_format_1() {
  exec("ALTER TABLE commands ADD COLUMN checksum BLOB");
  statement select(db_, "SELECT position, command FROM commands");
  statement update(db_, "UPDATE commands SET checksum = ?2 WHERE position = ?1");
  if (!select.ok || !update.ok) fail("cannot upgrade from format 1");
  while (sqlite3_step(select.raw) == SQLITE_ROW) {
    const auto position = static_cast<std::uint64_t>(sqlite3_column_int64(select.raw, 0));
    const std::string_view bytes(static_cast<const char*>(sqlite3_column_blob(select.raw, 1)),
                                 static_cast<std::size_t>(sqlite3_column_bytes(select.raw, 1)));
    const std::string checksum = record_checksum(position, bytes);
    sqlite3_bind_int64(update.raw, 1, static_cast<std::int64_t>(position));
    sqlite3_bind_blob(update.raw, 2, checksum.data(), static_cast<int>(checksum.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(update.raw) != SQLITE_DONE) fail("cannot upgrade from format 1");
    sqlite3_reset(update.raw);
  }
  exec("UPDATE meta SET value = 2 WHERE key = 'format'");
}

// Format 2 had no snapshot: its commands are the whole history.
void journal::upgrade_from_format_2() {
  exec("CREATE TABLE snapshot (part INTEGER PRIMARY KEY, bytes BLOB NOT NULL, checksum BLOB NOT NULL)");
  exec(("UPDATE meta SET value = " + std::to_string(format_version) + " WHERE key = 'format'").c_str());
}

void journal::count_rows() {
  through_ = static_cast<std::uint64_t>(meta_int(db_, "snapshot_through").value_or(0));
  snapshot_parts_ = static_cast<std::uint64_t>(meta_int(db_, "snapshot_parts").value_or(0));
  statement commands(db_, "SELECT count(*), coalesce(sum(length(command)), 0) FROM commands");
  if (!commands.ok || sqlite3_step(commands.raw) != SQLITE_ROW) fail("cannot read");
  tail_ = static_cast<std::uint64_t>(sqlite3_column_int64(commands.raw, 0));
  tail_bytes_ = static_cast<std::uint64_t>(sqlite3_column_int64(commands.raw, 1));
  statement parts(db_, "SELECT coalesce(sum(length(bytes)), 0) FROM snapshot");
  if (!parts.ok || sqlite3_step(parts.raw) != SQLITE_ROW) fail("cannot read");
  snapshot_bytes_ = static_cast<std::uint64_t>(sqlite3_column_int64(parts.raw, 0));
}

std::string record_checksum(std::uint64_t position, std::string_view command_bytes) {
  std::string input(8 + command_bytes.size(), '\0');
  for (std::size_t i = 0; i < 8; ++i) input[i] = static_cast<char>((position >> (8 * i)) & 0xff);
  std::memcpy(input.data() + 8, command_bytes.data(), command_bytes.size());
  const crypto::digest d = crypto::sha256(input);
  return std::string(reinterpret_cast<const char*>(d.data()), checksum_bytes);
}

std::string part_checksum(std::uint64_t through, std::uint64_t part, std::string_view part_bytes) {
  constexpr std::string_view domain = "snapshot";
  std::string input(16, '\0');
  for (std::size_t i = 0; i < 8; ++i) {
    input[i] = static_cast<char>((through >> (8 * i)) & 0xff);
    input[8 + i] = static_cast<char>((part >> (8 * i)) & 0xff);
  }
  input.append(domain);
  input.append(part_bytes);
  const crypto::digest d = crypto::sha256(input);
  return std::string(reinterpret_cast<const char*>(d.data()), checksum_bytes);
}

journal::~journal() {
  sqlite3_finalize(insert_);
  sqlite3_close(db_);
}

std::int64_t journal::page_size() const { return pragma_int("PRAGMA page_size"); }

std::int64_t journal::pragma_int(const char* pragma) const {
  statement read(db_, pragma);
  if (!read.ok || sqlite3_step(read.raw) != SQLITE_ROW) fail(std::string("cannot read ") + pragma);
  return sqlite3_column_int64(read.raw, 0);
}

std::int64_t journal::pages_for(std::size_t bytes) const {
  // A blob past a page's room goes to overflow pages (page size - 4 bytes
  // each); the row's leaf and a split of the table's tree take two more.
  const auto per_page = static_cast<std::size_t>(page_size_ - 4);
  return static_cast<std::int64_t>((bytes + checksum_bytes + per_page - 1) / per_page) + 2;
}

void journal::check_room(std::size_t command_bytes) const {
  const std::int64_t used = pragma_int("PRAGMA page_count");
  if (used + pages_for(command_bytes) > max_pages_) {
    throw journal_full(path_ + ": the state file's size limit is reached (" +
                       std::to_string((max_pages_ * page_size_) >> 20) + " MiB, --state-max-mib; " +
                       std::to_string(command_bytes) + " bytes more do not fit)");
  }
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
  const std::uint64_t position = commands() + 1;
  const std::string checksum = record_checksum(position, bytes);
  sqlite3_bind_int64(insert_, 1, static_cast<std::int64_t>(position));
  sqlite3_bind_blob64(insert_, 2, bytes.data(), bytes.size(), SQLITE_STATIC);
  sqlite3_bind_blob64(insert_, 3, checksum.data(), checksum.size(), SQLITE_STATIC);
  const int rc = sqlite3_step(insert_);
  const int os_errno = sqlite3_system_errno(db_);
  sqlite3_reset(insert_);
  sqlite3_clear_bindings(insert_);
  if (rc == SQLITE_DONE) {
    ++tail_;
    tail_bytes_ += bytes.size();
    return;
  }
  write_failed(rc, os_errno, "command " + std::to_string(position), bytes.size());
}

void journal::write_failed(int rc, int os_errno, const std::string& what, std::size_t bytes) const {
  if (rc == SQLITE_FULL) {
    // SQLite says "full" for its page limit and for the disk alike.
    check_room(bytes);
    std::string free_space;
    struct statvfs fs {};
    const std::filesystem::path dir = std::filesystem::absolute(path_).parent_path();
    if (::statvfs(dir.c_str(), &fs) == 0) {
      free_space = " (" + std::to_string(static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize) + " bytes free)";
    }
    throw journal_error(path_ + ": the disk is full: " + what + " cannot be written to " + dir.string() + free_space);
  }
  throw journal_error(path_ + ": cannot write " + what + ": " + sqlite3_errstr(rc) +
                      (os_errno != 0 ? std::string(" (") + std::strerror(os_errno) + ")" : std::string{}));
}

void journal::compact(const std::function<bool(std::string&)>& next) {
  const std::uint64_t through = commands();
  std::uint64_t parts = 0;
  std::uint64_t bytes = 0;
  exec("BEGIN IMMEDIATE");
  try {
    // Dropped first: their pages are reused by the new parts in this same
    // transaction, so compaction needs room for the new snapshot only.
    exec("DELETE FROM snapshot");
    exec("DELETE FROM commands");
    statement insert(db_, "INSERT INTO snapshot (part, bytes, checksum) VALUES (?1, ?2, ?3)");
    if (!insert.ok) fail("cannot prepare the snapshot");
    std::string part;
    while (next(part)) {
      ++parts;
      const std::string checksum = part_checksum(through, parts, part);
      sqlite3_bind_int64(insert.raw, 1, static_cast<std::int64_t>(parts));
      sqlite3_bind_blob64(insert.raw, 2, part.data(), part.size(), SQLITE_STATIC);
      sqlite3_bind_blob64(insert.raw, 3, checksum.data(), checksum.size(), SQLITE_STATIC);
      const int rc = sqlite3_step(insert.raw);
      const int os_errno = sqlite3_system_errno(db_);
      sqlite3_reset(insert.raw);
      sqlite3_clear_bindings(insert.raw);
      if (rc != SQLITE_DONE) write_failed(rc, os_errno, "snapshot part " + std::to_string(parts), part.size());
      bytes += part.size();
    }
    exec(("INSERT OR REPLACE INTO meta (key, value) VALUES ('snapshot_through', " + std::to_string(through) +
          "), ('snapshot_parts', " + std::to_string(parts) + ")")
             .c_str());
    exec("COMMIT");
  } catch (...) {
    // A failed statement may have ended the transaction already: the result does not matter.
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  through_ = through;
  tail_ = 0;
  tail_bytes_ = 0;
  snapshot_bytes_ = bytes;
  snapshot_parts_ = parts;
  // The file shrinks: freed pages go back, then the log is emptied into it.
  if (pragma_int("PRAGMA auto_vacuum") == 2) {
    exec("PRAGMA incremental_vacuum");
  } else {
    // A file made before format 3: converted once, now that it is small.
    exec("PRAGMA auto_vacuum = INCREMENTAL");
    exec("VACUUM");
  }
  exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

journal::snapshot_reader::~snapshot_reader() { sqlite3_finalize(select_); }

journal::snapshot_reader::snapshot_reader(snapshot_reader&& other) noexcept
    : owner_(other.owner_), select_(std::exchange(other.select_, nullptr)), read_(other.read_) {}

journal::snapshot_reader journal::read_snapshot() const {
  sqlite3_stmt* select = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT part, bytes, checksum FROM snapshot ORDER BY part", -1, &select, nullptr) !=
      SQLITE_OK) {
    sqlite3_finalize(select);
    fail("cannot read the snapshot");
  }
  return snapshot_reader(*this, select);
}

bool journal::snapshot_reader::next(std::string& part) {
  const journal& j = *owner_;
  const std::string where = j.path_ + ": snapshot part " + std::to_string(read_ + 1) + " of " +
                            std::to_string(j.snapshot_parts_) + " (through command " + std::to_string(j.through_) + ")";
  const int rc = sqlite3_step(select_);
  if (rc == SQLITE_DONE) {
    if (read_ != j.snapshot_parts_) throw journal_error(where + " is missing");
    return false;
  }
  if (rc != SQLITE_ROW) j.fail("cannot read the snapshot");
  const auto index = static_cast<std::uint64_t>(sqlite3_column_int64(select_, 0));
  const std::string_view bytes(static_cast<const char*>(sqlite3_column_blob(select_, 1)),
                               static_cast<std::size_t>(sqlite3_column_bytes(select_, 1)));
  const std::string_view checksum(static_cast<const char*>(sqlite3_column_blob(select_, 2)),
                                  static_cast<std::size_t>(sqlite3_column_bytes(select_, 2)));
  if (index != read_ + 1 || index > j.snapshot_parts_) {
    throw journal_error(where + " is missing (found part " + std::to_string(index) + ")");
  }
  if (checksum != part_checksum(j.through_, index, bytes)) {
    throw journal_error(where + " is damaged: its checksum does not match its content");
  }
  part.assign(bytes.data(), bytes.size());
  ++read_;
  return true;
}

void journal::replay(const std::function<void(const state::Command&, std::uint64_t)>& apply) const {
  statement select(db_, "SELECT position, command, checksum FROM commands ORDER BY position");
  if (!select.ok) fail("cannot read the journal");
  std::uint64_t expected = through_ + 1;
  state::Command command;
  int rc;
  while ((rc = sqlite3_step(select.raw)) == SQLITE_ROW) {
    const auto position = static_cast<std::uint64_t>(sqlite3_column_int64(select.raw, 0));
    const std::string_view bytes(static_cast<const char*>(sqlite3_column_blob(select.raw, 1)),
                                 static_cast<std::size_t>(sqlite3_column_bytes(select.raw, 1)));
    const std::string_view checksum(static_cast<const char*>(sqlite3_column_blob(select.raw, 2)),
                                    static_cast<std::size_t>(sqlite3_column_bytes(select.raw, 2)));
    const std::string where = path_ + ": record " + std::to_string(expected) + " of " + std::to_string(commands());
    if (position != expected) {
      throw journal_error(where + " is missing (found position " + std::to_string(position) + ")");
    }
    if (checksum != record_checksum(position, bytes)) {
      throw journal_error(where +
                          " is damaged: its checksum does not match its content; nothing after it was replayed");
    }
    if (!command.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      throw journal_error(where + " is damaged: not a command");
    }
    apply(command, position);
    ++expected;
  }
  if (rc != SQLITE_DONE) fail("cannot read the journal");
}

}  // namespace fleet::cloud_server
