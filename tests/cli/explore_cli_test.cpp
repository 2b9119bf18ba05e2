// `fleetsim explore` as scripts run it: the real binary, its exit codes, the
// reproducers it writes, and `fleetsim run` replaying them.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "run_fixture.hpp"

namespace {

using json = nlohmann::json;
using fleet::cli::testing::read_file;

class explore_cli : public fleet::cli::testing::in_temporary_directory {
 protected:
  /// The exit code of `fleetsim ARGS`, stdout and stderr into the directory.
  int fleetsim(const std::string& args) const {
    const std::string command = std::string(FLEETSIM_BINARY) + " " + args + " > " + path("stdout") + " 2> " +
                                path("stderr");
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

// tiny_chaos has an expectation no run can meet (everyone updated in 2 h):
// every run fails, the first is shrunk, and both files replay.
TEST_F(explore_cli, a_failing_run_is_written_shrunk_and_replayed_by_fleetsim_run) {
  const std::string chaos = std::string(FLEET_CLI_TEST_DATA) + "/tiny_chaos.textproto";
  ASSERT_EQ(fleetsim("explore " + chaos + " --runs 2 --jobs 2 --quiet --out " + path("out") + " --report " +
                     path("report.json")),
            1)
      << read_file(path("stderr"));
  const json report = json::parse(read_file(path("report.json")));
  EXPECT_EQ(report["runs"], 2);
  EXPECT_EQ(report["failed"], 2);
  ASSERT_EQ(report["failures"].size(), 2u);
  const json& first = report["failures"][0];
  EXPECT_EQ(first["expectation"], "all updated in 2h");
  ASSERT_TRUE(first.contains("shrunk"));
  EXPECT_FALSE(report["failures"][1].contains("shrunk"));  // one shrink per expectation
  EXPECT_NE(read_file(path("stdout")).find("fails all updated in 2h"), std::string::npos);
  for (const char* which : {"reproducer", "shrunk"}) {
    SCOPED_TRACE(which);
    const std::string file = first[which]["path"];
    ASSERT_TRUE(std::filesystem::exists(file));
    EXPECT_TRUE(first[which]["replayed"].get<bool>());
    EXPECT_EQ(fleetsim("run " + file + " --quiet --threads 1 --report " + path("replay.json")), 1);
    EXPECT_EQ(json::parse(read_file(path("replay.json")))["trace_hash"], first[which]["trace_hash"]);
  }
}

TEST_F(explore_cli, no_failing_run_is_exit_0_and_coverage_is_printed) {
  const std::string calm = std::string(FLEET_SOURCE_DIR) + "/tests/explore/data/coincidence.textproto";
  EXPECT_EQ(fleetsim("explore " + calm + " --runs 2 --jobs 2 --quiet --out " + path("out")), 0)
      << read_file(path("stderr"));
  const std::string out = read_file(path("stdout"));
  EXPECT_NE(out.find("2 runs (seed 1, 200 devices, 2 jobs), 0 failed"), std::string::npos) << out;
  EXPECT_NE(out.find("faults:"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path("out")));  // nothing to keep
}

TEST_F(explore_cli, bad_input_is_exit_2_and_nothing_runs) {
  const std::string chaos = std::string(FLEET_CLI_TEST_DATA) + "/tiny_chaos.textproto";
  EXPECT_EQ(fleetsim("explore " + chaos + " --runs 0"), 2);
  EXPECT_EQ(fleetsim("explore " + chaos + " --jobs 65"), 2);
  EXPECT_EQ(fleetsim("explore " + chaos + " --seed -1"), 2);
  EXPECT_EQ(fleetsim("explore " + chaos + " --time 5x"), 2);
  EXPECT_NE(read_file(path("stderr")).find("--time"), std::string::npos);
  EXPECT_EQ(fleetsim("explore " + path("missing.textproto")), 2);
  EXPECT_EQ(fleetsim("explore " + std::string(FLEET_CLI_TEST_DATA) + "/broken.textproto"), 2);
  EXPECT_NE(read_file(path("stderr")).find("broken.textproto:"), std::string::npos);
  EXPECT_EQ(fleetsim("explore " + chaos + " --report " + chaos), 2);  // never over the scenario
}

// --html: the page embeds the same report --report writes, marked as an
// explore report so that the page's script draws the exploration.
TEST_F(explore_cli, html_embeds_the_explore_report) {
  const std::string chaos = std::string(FLEET_CLI_TEST_DATA) + "/tiny_chaos.textproto";
  ASSERT_EQ(fleetsim("explore " + chaos + " --runs 2 --jobs 2 --quiet --out " + path("out") + " --report " +
                     path("report.json") + " --html " + path("report.html")),
            1)
      << read_file(path("stderr"));
  const std::string page = read_file(path("report.html"));
  EXPECT_EQ(page.rfind("<!DOCTYPE html>\n", 0), 0u);
  EXPECT_NE(page.find("<title>fleetsim explore report</title>"), std::string::npos);
  EXPECT_NE(page.find("content=\"default-src 'none';"), std::string::npos);  // run's page rules: fetch nothing
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const std::size_t from = page.find(open);
  ASSERT_NE(from, std::string::npos);
  const std::size_t begin = from + open.size();
  const json data = json::parse(page.substr(begin, page.find("</script>", begin) - begin));
  const json report = json::parse(read_file(path("report.json")));
  EXPECT_EQ(data, report);
  EXPECT_EQ(data["command"], "explore");
  EXPECT_EQ(data["failed"], 2);
  ASSERT_TRUE(data["failures"][0].contains("shrunk"));
  EXPECT_FALSE(data["coverage"]["attacks"].empty());
  // The text summary still goes to stdout when neither output is -.
  EXPECT_NE(read_file(path("stdout")).find("fails all updated in 2h"), std::string::npos);
}

TEST_F(explore_cli, html_on_stdout_is_the_page_alone_and_the_summary_goes_to_stderr) {
  const std::string calm = std::string(FLEET_SOURCE_DIR) + "/tests/explore/data/coincidence.textproto";
  EXPECT_EQ(fleetsim("explore " + calm + " --runs 1 --jobs 1 --quiet --out " + path("out") + " --html -"), 0)
      << read_file(path("stderr"));
  const std::string out = read_file(path("stdout"));
  EXPECT_EQ(out.rfind("<!DOCTYPE html>\n", 0), 0u) << out.substr(0, 200);
  EXPECT_EQ(out.substr(out.size() - 8), "</html>\n");
  EXPECT_NE(read_file(path("stderr")).find("1 runs (seed 1, 200 devices, 1 jobs), 0 failed"), std::string::npos)
      << read_file(path("stderr"));
}

// Checked before anything runs: tiny_chaos fails every run, so a run would
// have made --out.
TEST_F(explore_cli, an_unwritable_html_path_fails_before_any_run) {
  const std::string chaos = std::string(FLEET_CLI_TEST_DATA) + "/tiny_chaos.textproto";
  EXPECT_EQ(fleetsim("explore " + chaos + " --runs 1 --quiet --out " + path("out") + " --html " +
                     path("missing/r.html")),
            2);
  EXPECT_NE(read_file(path("stderr")).find("fleetsim explore: --html: cannot create " + path("missing/r.html")),
            std::string::npos)
      << read_file(path("stderr"));
  EXPECT_FALSE(std::filesystem::exists(path("out")));
  EXPECT_EQ(read_file(path("stdout")), "");
  // The control: the same command with a writable page runs, fails its runs and makes --out.
  EXPECT_EQ(fleetsim("explore " + chaos + " --runs 1 --quiet --no-shrink --out " + path("out") + " --html " +
                     path("r.html")),
            1);
  EXPECT_TRUE(std::filesystem::exists(path("out")));
  EXPECT_TRUE(std::filesystem::exists(path("r.html")));
}

TEST_F(explore_cli, report_and_html_both_on_stdout_are_refused_before_any_run) {
  const std::string chaos = std::string(FLEET_CLI_TEST_DATA) + "/tiny_chaos.textproto";
  EXPECT_EQ(fleetsim("explore " + chaos + " --runs 1 --quiet --out " + path("out") + " --report - --html -"), 2);
  EXPECT_EQ(read_file(path("stderr")),
            "fleetsim explore: --report - and --html - are the same file (one would overwrite the other)\n");
  EXPECT_EQ(read_file(path("stdout")), "");
  EXPECT_FALSE(std::filesystem::exists(path("out")));
  // And the page never over the scenario, nor on the report's file.
  EXPECT_EQ(fleetsim("explore " + chaos + " --html " + chaos), 2);
  EXPECT_EQ(fleetsim("explore " + chaos + " --report " + path("r") + " --html " + path("r")), 2);
  EXPECT_NE(read_file(path("stderr")).find("are the same file"), std::string::npos) << read_file(path("stderr"));
}

TEST_F(explore_cli, help_names_html) {
  EXPECT_EQ(fleetsim("explore --help"), 0);
  const std::string help = read_file(path("stdout"));
  EXPECT_NE(help.find("--html FILE.html|-"), std::string::npos) << help;
}

}  // namespace
