// The state file: header, order, exclusivity, damage found by each record's
// checksum rather than silently replayed, the size limit told from an error
// of the OS, and files of format 1 upgraded.
#include "fleet/cloud_server/journal.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fleet/crypto/crypto.hpp"
#include "temp_dir.hpp"

namespace fleet::cloud_server {
namespace {

state::Command tenant_command(std::int64_t now, const std::string& name) {
  state::Command c;
  c.set_now_us(now);
  c.mutable_create_tenant()->set_name(name);
  return c;
}

/// Changes the file behind the journal's back, as damage or another program would.
void run_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::vector<std::string> replayed_names(const journal& j) {
  std::vector<std::string> names;
  j.replay([&](const state::Command& c, std::uint64_t position) {
    EXPECT_EQ(position, names.size() + 1);
    names.push_back(c.create_tenant().name());
  });
  return names;
}

TEST(journal, a_new_file_has_no_header_until_one_is_written_and_keeps_it) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  {
    journal j(path);
    EXPECT_FALSE(j.header().has_value());
    j.write_header({42, 1'700'000'000'000'000});
  }
  journal j(path);
  ASSERT_TRUE(j.header().has_value());
  EXPECT_EQ(j.header()->seed, 42u);
  EXPECT_EQ(j.header()->wall_clock_at_zero_us, 1'700'000'000'000'000);
}

TEST(journal, commands_come_back_in_the_order_they_were_appended) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  {
    journal j(path);
    for (int i = 0; i < 50; ++i) j.append(tenant_command(i, "t" + std::to_string(i)));
    EXPECT_EQ(j.commands(), 50u);
  }
  journal j(path);
  EXPECT_EQ(j.commands(), 50u);
  const auto names = replayed_names(j);
  ASSERT_EQ(names.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(names[static_cast<std::size_t>(i)], "t" + std::to_string(i));
  j.append(tenant_command(50, "t50"));  // appending continues after a reopen
  EXPECT_EQ(replayed_names(j).back(), "t50");
}

TEST(journal, a_second_server_on_the_same_file_is_refused) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  journal first(path);
  first.append(tenant_command(0, "a"));
  try {
    journal second(path);
    FAIL() << "a second journal opened the same file";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find("in use by another server"), std::string::npos) << e.what();
  }
}

TEST(journal, a_damaged_command_stops_the_replay_with_its_position) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  {
    journal j(path);
    j.append(tenant_command(0, "a"));
    j.append(tenant_command(1, "b"));
  }
  run_sql(path, "UPDATE commands SET command = x'ffffffff' WHERE position = 2");
  journal j(path);
  try {
    replayed_names(j);
    FAIL() << "a damaged command was replayed";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": record 2 of 2 is damaged"), std::string::npos) << e.what();
  }
}

TEST(journal, a_file_of_another_format_is_refused_with_its_name) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  run_sql(path, "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                "INSERT INTO meta VALUES ('format', 99);");
  try {
    journal j(path);
    FAIL() << "format 99 was opened";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("format 99"), std::string::npos) << e.what();
  }
}

TEST(journal, a_file_that_is_not_a_database_is_refused) {
  testing::temp_dir dir;
  const std::string path = dir.file("notes.txt");
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("these are not the tables you are looking for, padded to more than a page of text\n", f);
  std::fclose(f);
  EXPECT_THROW(journal j(path), journal_error);
}

TEST(journal, past_its_size_limit_an_append_is_refused_and_nothing_is_half_written) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  std::uint64_t appended = 0;
  {
    journal j(path, 64 * 1024);
    try {
      for (; appended < 100'000; ++appended) j.append(tenant_command(0, std::string(200, 'x') + std::to_string(appended)));
      FAIL() << "64 KiB held 100,000 commands";
    } catch (const journal_full& e) {
      EXPECT_NE(std::string(e.what()).find("size limit is reached"), std::string::npos) << e.what();
    }
    EXPECT_EQ(j.commands(), appended);
  }
  journal j(path);  // the default limit: the file goes on
  EXPECT_EQ(replayed_names(j).size(), appended);
  j.append(tenant_command(0, "after"));
  EXPECT_EQ(replayed_names(j).back(), "after");
}

/// The bytes of the record at `position`, and writes them back changed.
std::string record_bytes(const std::string& path, int position) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* read = nullptr;
  sqlite3_prepare_v2(db, "SELECT command FROM commands WHERE position = ?1", -1, &read, nullptr);
  sqlite3_bind_int(read, 1, position);
  std::string bytes;
  if (sqlite3_step(read) == SQLITE_ROW) {
    bytes.assign(static_cast<const char*>(sqlite3_column_blob(read, 0)),
                 static_cast<std::size_t>(sqlite3_column_bytes(read, 0)));
  }
  sqlite3_finalize(read);
  sqlite3_close(db);
  return bytes;
}

void write_record(const std::string& path, int position, const std::string& bytes) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_stmt* write = nullptr;
  sqlite3_prepare_v2(db, "UPDATE commands SET command = ?2 WHERE position = ?1", -1, &write, nullptr);
  sqlite3_bind_int(write, 1, position);
  sqlite3_bind_blob(write, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(write), SQLITE_DONE);
  sqlite3_finalize(write);
  sqlite3_close(db);
}

TEST(journal, one_changed_character_that_still_parses_is_refused_by_the_checksum) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  {
    journal j(path);
    for (const char* name : {"alpha", "bravo", "charlie"}) j.append(tenant_command(0, name));
  }
  std::string bytes = record_bytes(path, 2);
  bytes[bytes.find("bravo")] = 'B';
  state::Command changed;
  ASSERT_TRUE(changed.ParseFromString(bytes));  // what a journal without checksums would replay
  EXPECT_EQ(changed.create_tenant().name(), "Bravo");
  write_record(path, 2, bytes);
  std::vector<std::string> replayed;
  try {
    journal(path).replay(
        [&](const state::Command& c, std::uint64_t) { replayed.push_back(c.create_tenant().name()); });
    FAIL() << "a changed record was replayed";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": record 2 of 3 is damaged: its checksum does not match"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(replayed, std::vector<std::string>{"alpha"});
  // Control: written back as it was, the file replays whole.
  bytes[bytes.find("Bravo")] = 'b';
  write_record(path, 2, bytes);
  EXPECT_EQ(replayed_names(journal(path)).size(), 3u);
}

TEST(journal, a_file_of_format_1_gets_checksums_and_replays) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  const std::string a = tenant_command(0, "alpha").SerializeAsString();
  run_sql(path, ("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                 "INSERT INTO meta VALUES ('format', 1);"
                 "CREATE TABLE commands (position INTEGER PRIMARY KEY, command BLOB NOT NULL);"
                 "INSERT INTO commands VALUES (1, x'" +
                 crypto::to_hex(a) + "');")
                    .c_str());
  {
    journal j(path);
    EXPECT_EQ(replayed_names(j), std::vector<std::string>{"alpha"});
    j.append(tenant_command(1, "bravo"));
  }
  EXPECT_EQ(replayed_names(journal(path)), (std::vector<std::string>{"alpha", "bravo"}));
  std::string bytes = record_bytes(path, 1);
  bytes[bytes.find("alpha")] = 'A';
  write_record(path, 1, bytes);
  EXPECT_THROW(replayed_names(journal(path)), journal_error);
}

TEST(journal, a_write_the_os_refuses_is_not_called_the_size_limit) {
  testing::temp_dir dir;
  const std::string path = dir.file("state.db");
  { journal j(path); }
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Files this process writes may not pass 256 KiB: the OS refuses the
    // write (EFBIG) long before the journal's own limit.
    signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{256 * 1024, 256 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    std::string said = "no error";
    try {
      journal j(path);
      for (int i = 0; i < 1000; ++i) j.append(tenant_command(0, std::string(4000, 'x')));
    } catch (const journal_full& e) {
      said = std::string("journal_full: ") + e.what();
    } catch (const journal_error& e) {
      said = e.what();
    }
    (void)!write(pipe_fds[1], said.data(), said.size());
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string said;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) said.append(buffer, static_cast<std::size_t>(n));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_NE(said.find(path + ": cannot write command "), std::string::npos) << said;
  EXPECT_NE(said.find("disk I/O error"), std::string::npos) << said;
  EXPECT_EQ(said.find("size limit"), std::string::npos) << said;
}

TEST(journal, check_room_refuses_before_a_command_that_would_pass_the_limit) {
  testing::temp_dir dir;
  journal j(dir.file("state.db"), 256 * 1024);
  EXPECT_NO_THROW(j.check_room(1000));
  EXPECT_THROW(j.check_room(300 * 1024), journal_full);
  EXPECT_EQ(j.commands(), 0u);
}

}  // namespace
}  // namespace fleet::cloud_server
