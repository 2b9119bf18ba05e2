// The state file: header, order, exclusivity, and damage found rather than
// silently replayed.
#include "fleet/cloud_server/journal.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <vector>

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

}  // namespace
}  // namespace fleet::cloud_server
