// Where the reports go: the checks before the run and the writes after it.
// The real binary's cases (stdout, a FIFO, the scenario named as a report)
// are in run_cli_test.cpp.
#include "output_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "run_fixture.hpp"

namespace fleet::cli {
namespace {

using report_file = testing::in_temporary_directory;
using testing::read_file;

bool exists(const std::string& path) { return std::filesystem::exists(path); }

/// Files in `dir` whose name has ".tmp" in it.
int temporaries_in(const std::string& dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    n += entry.path().filename().string().find(".tmp") != std::string::npos ? 1 : 0;
  }
  return n;
}

TEST_F(report_file, written_whole_and_no_temporary_left) {
  const std::string path = dir_ + "/r.json";
  EXPECT_EQ(write_atomically(path, "{\"a\": 1}\n"), "");
  EXPECT_EQ(read_file(path), "{\"a\": 1}\n");
  EXPECT_EQ(temporaries_in(dir_), 0);
}

TEST_F(report_file, replaces_a_previous_report) {
  const std::string path = dir_ + "/r.json";
  ASSERT_EQ(write_atomically(path, std::string(10000, 'x')), "");
  ASSERT_EQ(write_atomically(path, "short"), "");
  EXPECT_EQ(read_file(path), "short");
}

TEST_F(report_file, a_file_named_like_the_old_temporary_is_not_touched) {
  // The temporary used to be FILE.tmp, opened with O_TRUNC: a file of that name was emptied.
  { std::ofstream(path("r.json.tmp")) << "someone's"; }
  ASSERT_EQ(write_atomically(path("r.json"), "x"), "");
  ASSERT_EQ(check_output("--report", path("r.json")).error, "");
  EXPECT_EQ(read_file(path("r.json.tmp")), "someone's");
}

TEST_F(report_file, missing_directory_is_an_error_naming_the_file) {
  const std::string path = dir_ + "/no/such/dir/r.json";
  EXPECT_EQ(write_atomically(path, "x"), "cannot create " + path + ".tmp.XXXXXX: No such file or directory");
  EXPECT_FALSE(exists(path));
}

TEST_F(report_file, rename_failure_leaves_no_temporary) {
  const std::string path = dir_ + "/taken";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((path + "/inside").c_str(), 0755), 0);  // a non-empty directory: rename() refuses
  const std::string error = write_atomically(path, "x");
  EXPECT_EQ(error.rfind("cannot rename " + path + ".tmp.", 0), 0u) << error;
  EXPECT_EQ(temporaries_in(dir_), 0);
}

TEST_F(report_file, checked_before_the_run) {
  const output_check ok = check_output("--report", path("r.json"));
  EXPECT_EQ(ok.error, "");
  EXPECT_EQ(ok.target.way, output_way::replace_file);
  EXPECT_EQ(temporaries_in(dir_), 0);  // the probe is removed
  EXPECT_FALSE(exists(path("r.json")));
  EXPECT_EQ(check_output("--report", dir_ + "/none/r.json").error,
            "cannot create " + dir_ + "/none/r.json.tmp.XXXXXX: No such file or directory");
  EXPECT_EQ(check_output("--report", dir_).error, dir_ + " is a directory");
}

TEST_F(report_file, each_kind_of_path_is_written_its_own_way) {
  EXPECT_EQ(check_output("--report", "-").target.way, output_way::standard_out);
  EXPECT_EQ(check_output("--report", "/dev/null").target.way, output_way::stream);
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  EXPECT_EQ(check_output("--report", path("fifo")).target.way, output_way::stream);
  { std::ofstream(path("real")) << "x"; }
  ASSERT_EQ(::symlink(path("real").c_str(), path("link").c_str()), 0);
  const output_check link = check_output("--report", path("link"));
  EXPECT_EQ(link.target.way, output_way::replace_file);
  EXPECT_EQ(link.target.file, std::filesystem::canonical(path("real")).string());
}

TEST_F(report_file, written_through_to_a_character_device) {
  const output_check null = check_output("--report", "/dev/null");
  ASSERT_EQ(null.error, "");
  EXPECT_EQ(write_output(null.target, "x"), "");
  struct stat st {};
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(report_file, outputs_are_compared_by_identity) {
  { std::ofstream(path("s")) << "scenario"; }
  const auto target = [this](const char* flag, const std::string& name) {
    return check_output(flag, name).target;
  };
  EXPECT_EQ(check_distinct(path("s"), {target("--report", path("a")), target("--html", path("b"))}), "");
  EXPECT_NE(check_distinct(path("s"), {target("--report", dir_ + "/../" +
                                                             std::filesystem::path(dir_).filename().string() + "/s")}),
            "");
  EXPECT_NE(check_distinct(path("s"), {target("--report", path("a")), target("--junit", dir_ + "//a")}), "");
  // Twice written through to /dev/null harms nothing.
  EXPECT_EQ(check_distinct(path("s"), {target("--report", "/dev/null"), target("--html", "/dev/null")}), "");
  EXPECT_NE(check_distinct(path("s"), {target("--report", "-"), target("--junit", "-")}), "");
}

}  // namespace
}  // namespace fleet::cli
