// `fleetsim run` as scripts run it: the real binary on a small scenario, its
// exit codes, its output, its report, and Ctrl-C.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "junit_xml.hpp"
#include "run_fixture.hpp"

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string data = FLEET_CLI_TEST_DATA;
const std::string tiny = data + "/tiny_rollout.textproto";

using fleet::cli::testing::read_file;

/// The fleetsim binary (or `program`) started with `args`, stdout and stderr into files.
class fleetsim {
 public:
  fleetsim(const std::vector<std::string>& args, const std::string& dir, const std::string& program = FLEETSIM_BINARY)
      : out_path_(dir + "/stdout"), err_path_(dir + "/stderr") {
    std::vector<std::string> argv_text{program};
    argv_text.insert(argv_text.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      const int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~fleetsim() {
    if (pid_ > 0 && exit_code_ < 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  fleetsim(const fleetsim&) = delete;
  fleetsim& operator=(const fleetsim&) = delete;

  /// Waits until stderr holds `text`; false after `limit` or if it exited.
  bool wait_for_stderr(const std::string& text, std::chrono::seconds limit) {
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
      if (err().find(text) != std::string::npos) return true;
      if (::waitpid(pid_, nullptr, WNOHANG) != 0) return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  void signal(int number) { ::kill(pid_, number); }
  /// True until it exits (then finish() gives its code at once).
  bool running() const {
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
  }

  /// The exit code; -1 if it did not exit by `limit` (it is killed) or died of a signal.
  int finish(std::chrono::seconds limit = 60s) {
    int status = 0;
    for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }
  std::string out() const { return read_file(out_path_); }
  std::string err() const { return read_file(err_path_); }

 private:
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
};

class run_cli : public fleet::cli::testing::in_temporary_directory {
 protected:
  struct ran {
    int exit_code;
    std::string out, err;
  };
  ran run(const std::vector<std::string>& args) {
    fleetsim p(args, dir_);
    const int code = p.finish();
    return {code, p.out(), p.err()};
  }
  json report(const std::string& name) const { return json::parse(read_file(path(name))); }
};

TEST_F(run_cli, completes_and_reports_every_field) {
  const ran r = run({"run", tiny, "--threads", "2", "--report", path("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("tiny-rollout (" + tiny + "): seed 7, 20 devices, 2 threads, 1 worker\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\ntrace hash   "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fleetsim run: complete, 4d simulated in "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("; report written to " + path("r.json") + "\n"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(path("r.json.tmp")));

  const json j = report("r.json");
  for (const std::string& field : fleet::cli::testing::report_fields()) EXPECT_TRUE(j.contains(field)) << field;
  EXPECT_EQ(j.size(), fleet::cli::testing::report_fields().size());
  EXPECT_EQ(j["scenario"], "tiny-rollout");
  EXPECT_EQ(j["scenario_file"], tiny);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["devices"], 20);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["workers"], 1);
  EXPECT_EQ(j["complete"], true);
  EXPECT_EQ(j["sim_seconds"], 345600.0);
  EXPECT_EQ(j["duration_seconds"], 345600.0);
  EXPECT_GT(j["wall_seconds"].get<double>(), 0);
  EXPECT_GT(j["cpu_seconds"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_GT(j["events"].get<std::uint64_t>(), 0u);
  EXPECT_GT(j["windows"].get<std::uint64_t>(), 0u);
  EXPECT_FALSE(j["trace_hash"].get<std::string>().empty());
  EXPECT_GT(j["crypto_ops"]["signs"].get<std::uint64_t>(), 0u);
  EXPECT_GT(j["crypto_ops"]["hashed_bytes"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(j["expectations"], json::array());
  // Every device boots, attests and gets its certificate; the 16 of
  // Production take 1.1.0 and commit it.
  EXPECT_GE(j["counters"]["boots"].get<std::uint64_t>(), 20u);
  EXPECT_GE(j["counters"]["attestations"].get<std::uint64_t>(), 20u);
  EXPECT_GE(j["counters"]["certificates_issued"].get<std::uint64_t>(), 20u);
  EXPECT_EQ(j["counters"]["updates_committed"], 16);
  EXPECT_EQ(j["counters"]["bricked"], 0);
  ASSERT_EQ(j["deployments"].size(), 1u);
  EXPECT_EQ(j["deployments"][0]["name"], "app-1.1.0");
  EXPECT_EQ(j["deployments"][0]["devices"], 16);
  EXPECT_EQ(j["deployments"][0]["succeeded"], 16);
  ASSERT_GE(j["timeline"].size(), 2u);
  EXPECT_EQ(j["timeline"][0]["at_seconds"], 0.0);
  EXPECT_EQ(j["timeline"].back()["at_seconds"], 345600.0);
  EXPECT_EQ(j["timeline"].back()["app_versions"], json::parse(R"({"1.0.0": 4, "1.1.0": 16})"));
}

TEST_F(run_cli, same_seed_same_trace_hash_for_any_threads_and_another_seed_another) {
  ASSERT_EQ(run({"run", tiny, "--quiet", "--threads", "1", "--report", path("a.json")}).exit_code, 0);
  ASSERT_EQ(run({"run", tiny, "--quiet", "--threads", "2", "--report", path("b.json")}).exit_code, 0);
  ASSERT_EQ(run({"run", tiny, "--quiet", "--threads", "1", "--seed", "8", "--report", path("c.json")}).exit_code, 0);
  json a = report("a.json"), b = report("b.json");
  const json c = report("c.json");
  EXPECT_EQ(a["trace_hash"], b["trace_hash"]);
  EXPECT_NE(a["trace_hash"], c["trace_hash"]);
  EXPECT_EQ(c["seed"], 8);
  // Apart from the wall-clock and process figures, and threads, the reports are one.
  for (json* j : {&a, &b}) {
    for (const char* field : {"wall_seconds", "cpu_seconds", "peak_rss_bytes", "threads"}) j->erase(field);
  }
  EXPECT_EQ(a, b);
}

TEST_F(run_cli, a_failed_expectation_exits_1_says_what_was_seen_and_how_to_replay) {
  const std::string file = data + "/tiny_expectations.textproto";
  const ran r = run({"run", file, "--seed", "9", "--report", path("r.json")});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("PASS         no_bricked_devices: 0 of 20 devices bricked"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAIL         all updated in 2h: 0.00 % of 16 devices (group Production) ran "
                       "sensor-app@1.1.0 at 2h, at least 100.00 % expected"),
            std::string::npos)
      << r.out;
  const std::string replay = "fleetsim run " + file + " --seed 9";
  EXPECT_NE(r.err.find("1 of 2 expectations FAILED (replay: " + replay + ")"), std::string::npos) << r.err;
  const json j = report("r.json");
  EXPECT_EQ(j["replay"], replay);
  ASSERT_EQ(j["expectations"].size(), 2u);
  EXPECT_EQ(j["expectations"][0]["passed"], true);
  EXPECT_EQ(j["expectations"][1]["name"], "all updated in 2h");
  EXPECT_EQ(j["expectations"][1]["passed"], false);

  // The replay command gives the same run.
  const ran again = run({"run", file, "--seed", "9", "--quiet", "--report", path("again.json")});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(report("again.json")["trace_hash"], j["trace_hash"]);

  // Without the expectation that cannot hold, the run passes: exit 0.
  std::string text = read_file(file);
  text.erase(text.find("expect { name: \"all updated in 2h\""));
  { std::ofstream(path("held.textproto")) << text; }
  const ran held = run({"run", path("held.textproto"), "--quiet"});
  EXPECT_EQ(held.exit_code, 0) << held.err;
  EXPECT_NE(held.out.find("its 1 expectation held"), std::string::npos) << held.out;
}

TEST_F(run_cli, quiet_prints_only_the_verdict) {
  const ran r = run({"run", tiny, "--quiet"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("fleetsim run: complete, 4d simulated in ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  EXPECT_NE(r.out.find("; no report (no --report)\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(run_cli, devices_rescales_the_fleet) {
  ASSERT_EQ(run({"run", tiny, "--quiet", "--devices", "40", "--report", path("r.json")}).exit_code, 0);
  EXPECT_EQ(report("r.json")["devices"], 40);
}

TEST_F(run_cli, broken_scenario_exits_2_with_its_place_and_runs_nothing) {
  const ran r = run({"run", data + "/broken.textproto", "--report", path("r.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, data + "/broken.textproto:16:32: deployment \"app-1.1.0\": image[0]: unknown image \"p-app@1.1.0\"\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(path("r.json")));
}

TEST_F(run_cli, devices_refused_exits_2_with_the_reason) {
  const ran r = run({"run", tiny, "--devices", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, tiny + ": --devices 1 is fewer than the scenario's 2 groups (each keeps at least one device)\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(run_cli, devices_below_the_smallest_size_exits_2_at_its_place) {
  // min_devices set from the command line has no line of its own: the error stands at the scenario's start.
  const ran r = run({"run", tiny, "--set", "min_devices=10", "--devices", "9", "--report", path("r.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, tiny + ":1:1: scenario: min_devices: --devices 9 means nothing below 10 devices: the smallest "
                          "fleet the file says it keeps its meaning at (its expectations hold for what they say)\n");
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(path("r.json")));
  EXPECT_EQ(run({"run", tiny, "--quiet", "--set", "min_devices=10", "--devices", "10"}).exit_code, 0);
}

TEST_F(run_cli, unwritable_report_exits_2_before_running) {
  const ran r = run({"run", tiny, "--report", path("none/r.json")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "fleetsim run: --report: cannot create " + path("none/r.json.tmp.XXXXXX") + ": No such file or directory\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(run_cli, bad_flags_exit_2_with_clis_message) {
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const bad& b : {bad{{"run", tiny, "--threads", "0"}, "--threads"},
                       bad{{"run", tiny, "--threads", "65"}, "--threads"},
                       bad{{"run", tiny, "--speed", "0"}, "must be max or a number greater than 0"},
                       bad{{"run", tiny, "--speed", "fast"}, "must be max or a number greater than 0"},
                       bad{{"run", tiny, "--seed", "-1"}, "--seed"},
                       bad{{"run", tiny, "--seed", "x"}, "--seed"},
                       bad{{"run", tiny, "--seed", "18446744073709551616"}, "--seed"},
                       bad{{"run", tiny, "--devices", "-1"}, "--devices"},
                       bad{{"run", tiny, "--no-such-flag"}, "--no-such-flag"},
                       bad{{"run"}, "SCENARIO is required"}}) {
    const ran r = run(b.args);
    SCOPED_TRACE(b.args.size() > 2 ? b.args[2] + " " + b.args.back() : b.args.back());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
  }
}

TEST_F(run_cli, help_names_every_flag_and_the_exit_codes) {
  const ran r = run({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* text : {"SCENARIO", "--seed", "--devices", "--threads", "--speed", "--report", "--quiet",
                           "Exit codes", "docs/cli.md", "--metrics-addr"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

/// Ctrl-C (and SIGTERM) mid-run: the run stops at its next window, writes its
/// report marked incomplete, and exits 3. --speed paces the four days over
/// 96 s of wall time, so the signal lands mid-run.
class run_cli_signal : public run_cli, public ::testing::WithParamInterface<int> {};

TEST_P(run_cli_signal, stops_writes_an_incomplete_report_and_exits_3) {
  fleetsim p({"run", tiny, "--speed", "3600", "--report", path("r.json")}, dir_);
  ASSERT_TRUE(p.wait_for_stderr(" simulated (", 30s)) << p.err();
  p.signal(GetParam());
  ASSERT_EQ(p.finish(30s), 3) << p.out() << p.err();
  EXPECT_NE(p.err().find("fleetsim run: interrupted at "), std::string::npos) << p.err();
  EXPECT_NE(p.err().find("; report written to " + path("r.json") + "\n"), std::string::npos) << p.err();
  const json j = report("r.json");
  EXPECT_EQ(j["complete"], false);
  EXPECT_GT(j["sim_seconds"].get<double>(), 0);
  EXPECT_LT(j["sim_seconds"].get<double>(), 345600);
  EXPECT_EQ(j["duration_seconds"], 345600.0);
}

TEST_F(run_cli, report_that_cannot_be_written_after_the_run_exits_3_with_file_and_reason) {
  const std::string out_dir = path("out");
  ASSERT_TRUE(std::filesystem::create_directory(out_dir));
  fleetsim p({"run", tiny, "--speed", "3600", "--report", out_dir + "/r.json"}, dir_);
  ASSERT_TRUE(p.wait_for_stderr(" simulated (", 30s)) << p.err();
  std::filesystem::remove_all(out_dir);  // writable when checked, gone when written
  p.signal(SIGINT);
  ASSERT_EQ(p.finish(30s), 3) << p.out() << p.err();
  EXPECT_NE(p.err().find("; report not written: cannot create " + out_dir + "/r.json.tmp.XXXXXX: No such file or directory\n"),
            std::string::npos)
      << p.err();
}

INSTANTIATE_TEST_SUITE_P(signals, run_cli_signal, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& signal) {
                           return std::string(signal.param == SIGINT ? "sigint" : "sigterm");
                         });

// ---- outputs that must not damage files (issue 18) ----------------------

/// The scenario copied into the test's directory, so that a report
/// written over it would show.
class run_cli_outputs : public run_cli {
 protected:
  void SetUp() override {
    run_cli::SetUp();
    std::filesystem::copy_file(data + "/tiny_expectations.textproto", path("s.textproto"));
    scenario_text_ = read_file(path("s.textproto"));
  }
  std::string scenario_text_;
};

TEST_F(run_cli_outputs, report_naming_the_scenario_is_refused_before_running_and_the_scenario_kept) {
  ASSERT_EQ(::symlink(path("s.textproto").c_str(), path("link.textproto").c_str()), 0);
  ASSERT_EQ(::link(path("s.textproto").c_str(), path("hard.textproto").c_str()), 0);
  for (const std::string& report : {path("s.textproto"), dir_ + "/./s.textproto", path("link.textproto"),
                                    path("hard.textproto")}) {
    SCOPED_TRACE(report);
    const ran r = run({"run", path("s.textproto"), "--report", report});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.err, "fleetsim run: --report " + report + " is the scenario file " + path("s.textproto") +
                         " (it would be overwritten)\n");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(read_file(path("s.textproto")), scenario_text_);
  }
  // The control: another name in the same directory is written.
  EXPECT_EQ(run({"run", path("s.textproto"), "--quiet", "--report", path("r.json")}).exit_code, 1);
  EXPECT_EQ(report("r.json")["scenario"], "tiny-expectations");
}

TEST_F(run_cli_outputs, html_or_junit_naming_the_scenario_is_refused) {
  for (const char* flag : {"--html", "--junit"}) {
    const ran r = run({"run", path("s.textproto"), flag, path("s.textproto")});
    EXPECT_EQ(r.exit_code, 2) << flag << r.err;
    EXPECT_NE(r.err.find(std::string(flag) + " " + path("s.textproto") + " is the scenario file"), std::string::npos)
        << r.err;
    EXPECT_EQ(read_file(path("s.textproto")), scenario_text_);
  }
}

TEST_F(run_cli_outputs, report_and_html_on_one_file_are_refused_before_running) {
  struct pair {
    std::string report, html;
  };
  ASSERT_EQ(::symlink(path("x").c_str(), path("x-link").c_str()), 0);  // dangling until x exists
  for (const pair& p : {pair{path("x"), path("x")}, pair{path("x"), dir_ + "/./x"}}) {
    const ran r = run({"run", path("s.textproto"), "--report", p.report, "--html", p.html});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.err, "fleetsim run: --report " + p.report + " and --html " + p.html +
                         " are the same file (one would overwrite the other)\n");
    EXPECT_FALSE(std::filesystem::exists(path("x")));
  }
  // An existing file through a symlink, and JUnit on the report.
  { std::ofstream(path("x")) << "old"; }
  const ran via_link = run({"run", path("s.textproto"), "--report", path("x"), "--html", path("x-link")});
  EXPECT_EQ(via_link.exit_code, 2) << via_link.err;
  EXPECT_EQ(read_file(path("x")), "old");
  const ran junit = run({"run", path("s.textproto"), "--report", path("x"), "--junit", path("x")});
  EXPECT_EQ(junit.exit_code, 2) << junit.err;
  EXPECT_NE(junit.err.find("--report " + path("x") + " and --junit " + path("x") + " are the same file"),
            std::string::npos)
      << junit.err;
}

TEST_F(run_cli_outputs, report_on_stdout_with_dash_is_the_json_alone) {
  const ran r = run({"run", path("s.textproto"), "--report", "-"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const json j = json::parse(r.out);  // nothing but the report: the summary and verdict went to stderr
  EXPECT_EQ(j["scenario"], "tiny-expectations");
  EXPECT_NE(r.err.find("\ntrace hash   "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; report written to stdout\n"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists("-"));
}

TEST_F(run_cli_outputs, report_through_a_symlink_to_stdout_reaches_stdout_and_the_link_stays) {
  // What `--report /dev/stdout` is, without touching the machine's /dev.
  ASSERT_EQ(::symlink("/dev/stdout", path("out").c_str()), 0);
  const ran r = run({"run", path("s.textproto"), "--quiet", "--report", path("out")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(std::filesystem::is_symlink(path("out")));
  EXPECT_EQ(json::parse(r.out)["scenario"], "tiny-expectations") << r.out;
}

TEST_F(run_cli_outputs, report_through_a_symlink_to_a_file_replaces_the_file_and_keeps_the_link) {
  { std::ofstream(path("real.json")) << "old"; }
  ASSERT_EQ(::chmod(path("real.json").c_str(), 0600), 0);
  ASSERT_EQ(::symlink(path("real.json").c_str(), path("link.json").c_str()), 0);
  EXPECT_EQ(run({"run", path("s.textproto"), "--quiet", "--report", path("link.json")}).exit_code, 1);
  EXPECT_TRUE(std::filesystem::is_symlink(path("link.json")));
  EXPECT_EQ(report("real.json")["scenario"], "tiny-expectations");
  struct stat st {};
  ASSERT_EQ(::stat(path("real.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // the replaced file's mode is kept
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
}

TEST_F(run_cli_outputs, report_into_a_fifo_is_written_through_and_the_fifo_stays) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  // Opened for reading first, without waiting for a writer, then drained while fleetsim runs.
  const int reader = ::open(path("fifo").c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  fleetsim p({"run", path("s.textproto"), "--quiet", "--report", path("fifo")}, dir_);
  std::string got;
  const auto drain = [&] {
    char buffer[4096];
    for (ssize_t n; (n = ::read(reader, buffer, sizeof buffer)) > 0;) got.append(buffer, static_cast<std::size_t>(n));
  };
  for (auto end = std::chrono::steady_clock::now() + 60s; p.running() && std::chrono::steady_clock::now() < end;) {
    drain();
    std::this_thread::sleep_for(10ms);
  }
  drain();
  ::close(reader);
  EXPECT_EQ(p.finish(), 1) << p.err();
  struct stat st {};
  ASSERT_EQ(::lstat(path("fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_FALSE(got.empty()) << p.err();
  EXPECT_EQ(json::parse(got)["scenario"], "tiny-expectations");
}

TEST_F(run_cli_outputs, report_and_html_both_on_stdout_are_refused) {
  const ran r = run({"run", path("s.textproto"), "--report", "-", "--html", "-"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "fleetsim run: --report - and --html - are the same file (one would overwrite the other)\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(run_cli_outputs, a_directory_or_a_dangling_symlink_is_refused) {
  ASSERT_EQ(::symlink(path("nowhere/r.json").c_str(), path("dangling").c_str()), 0);
  const ran dangling = run({"run", path("s.textproto"), "--report", path("dangling")});
  EXPECT_EQ(dangling.exit_code, 2);
  EXPECT_EQ(dangling.err, "fleetsim run: --report: " + path("dangling") +
                              " is a symlink to a file that does not exist (not replaced)\n");
  EXPECT_TRUE(std::filesystem::is_symlink(path("dangling")));
  const ran directory = run({"run", path("s.textproto"), "--junit", dir_});
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_EQ(directory.err, "fleetsim run: --junit: " + dir_ + " is a directory\n");
}

// ---- CI outputs (issue 18) -----------------------------------------------

const std::string with_expectations = data + "/tiny_expectations.textproto";

TEST_F(run_cli, junit_has_one_case_per_expectation_and_the_failure_with_its_detail) {
  const ran r = run({"run", with_expectations, "--seed", "9", "--quiet", "--junit", path("j.xml")});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("; JUnit report written to " + path("j.xml") + "\n"), std::string::npos) << r.err;
  const fleet::cli::testing::parsed_xml x = fleet::cli::testing::parse_xml(read_file(path("j.xml")));
  ASSERT_EQ(x.error, "") << read_file(path("j.xml"));
  const auto suite = x.named("testsuite");
  ASSERT_EQ(suite.size(), 1u);
  EXPECT_EQ(suite[0]->attributes.at("name"), "tiny-expectations");
  EXPECT_EQ(suite[0]->attributes.at("tests"), "2");
  EXPECT_EQ(suite[0]->attributes.at("failures"), "1");
  const auto cases = x.named("testcase");
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_EQ(cases[0]->attributes.at("name"), "no_bricked_devices");
  EXPECT_EQ(cases[1]->attributes.at("name"), "all updated in 2h");
  const auto failures = x.named("failure");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0]->attributes.at("message").rfind("0.00 % of 16 devices (group Production) ran ", 0), 0u);
  EXPECT_NE(read_file(path("j.xml")).find("fleetsim run " + with_expectations + " --seed 9"), std::string::npos);
}

TEST_F(run_cli, quiet_names_each_failed_expectation_on_stderr) {
  const ran r = run({"run", with_expectations, "--seed", "9", "--quiet"});
  ASSERT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("fleetsim run: FAIL all updated in 2h: 0.00 % of 16 devices (group Production) ran "
                        "sensor-app@1.1.0 at 2h, at least 100.00 % expected\n",
                        0),
            0u)
      << r.err;
  EXPECT_EQ(r.err.find("no_bricked_devices"), std::string::npos) << r.err;  // it held: not named
  EXPECT_NE(r.err.find("\nfleetsim run: complete, "), std::string::npos) << r.err;
}

TEST_F(run_cli, an_interrupted_run_judges_no_expectation) {
  fleetsim p({"run", with_expectations, "--speed", "3600", "--report", path("r.json"), "--junit", path("j.xml"),
              "--html", path("r.html")},
             dir_);
  ASSERT_TRUE(p.wait_for_stderr(" simulated (", 30s)) << p.err();
  p.signal(SIGINT);
  ASSERT_EQ(p.finish(30s), 3) << p.out() << p.err();
  const json j = report("r.json");
  ASSERT_EQ(j["complete"], false);
  ASSERT_EQ(j["expectations"].size(), 2u);
  for (const json& e : j["expectations"]) {
    EXPECT_TRUE(e["passed"].is_null()) << e;
    EXPECT_EQ(e["verdict"], "not_judged") << e;
    EXPECT_EQ(e["detail"].get<std::string>().rfind("the run stopped at ", 0), 0u) << e;
  }
  EXPECT_NE(p.out().find("NOT JUDGED   all updated in 2h: the run stopped at "), std::string::npos) << p.out();
  EXPECT_EQ(p.out().find("FAIL"), std::string::npos) << p.out();
  EXPECT_NE(p.err().find(", 2 expectations not judged; report written to "), std::string::npos) << p.err();
  const fleet::cli::testing::parsed_xml x = fleet::cli::testing::parse_xml(read_file(path("j.xml")));
  ASSERT_EQ(x.error, "");
  EXPECT_EQ(x.named("testsuite")[0]->attributes.at("skipped"), "2");
  EXPECT_EQ(x.named("testsuite")[0]->attributes.at("failures"), "0");
  EXPECT_EQ(x.named("skipped").size(), 2u);
}

TEST_F(run_cli, a_complete_run_judges_each_expectation_in_the_json) {
  ASSERT_EQ(run({"run", with_expectations, "--seed", "9", "--quiet", "--report", path("r.json")}).exit_code, 1);
  const json j = report("r.json");
  EXPECT_EQ(j["expectations"][0]["passed"], true);
  EXPECT_EQ(j["expectations"][0]["verdict"], "pass");
  EXPECT_EQ(j["expectations"][1]["passed"], false);
  EXPECT_EQ(j["expectations"][1]["verdict"], "fail");
}

// ---- the program: --version, help, install, and its help and docs ---------

const std::string source_dir = FLEET_SOURCE_DIR;

TEST_F(run_cli, version_is_the_project_version_and_the_commit) {
  const ran r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::regex_match(r.out, std::regex("fleetsim [0-9]+\\.[0-9]+\\.[0-9]+( \\(git [^)]+\\))?\n"))) << r.out;
  const std::string cmake = read_file(source_dir + "/CMakeLists.txt");
  std::smatch project;
  ASSERT_TRUE(std::regex_search(cmake, project, std::regex("project\\(fleetsim VERSION ([0-9.]+)")));
  EXPECT_EQ(r.out.rfind("fleetsim " + project[1].str(), 0), 0u) << r.out;
}

TEST_F(run_cli, help_command_prints_what_help_flags_print) {
  struct same {
    std::vector<std::string> help, flag;
  };
  for (const same& s : {same{{"help"}, {"--help"}}, same{{"help", "run"}, {"run", "--help"}},
                        same{{"help", "validate"}, {"validate", "--help"}},
                        same{{"help", "cloud", "serve"}, {"cloud", "serve", "--help"}}}) {
    SCOPED_TRACE(s.help.back());
    const ran by_command = run(s.help), by_flag = run(s.flag);
    EXPECT_EQ(by_command.exit_code, 0) << by_command.err;
    EXPECT_EQ(by_flag.exit_code, 0);
    EXPECT_EQ(by_command.out, by_flag.out);
    EXPECT_NE(by_command.out.find("Usage"), std::string::npos) << by_command.out;
  }
  const ran unknown = run({"help", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "fleetsim help: no command fleetsim nosuch (fleetsim --help lists them)\n");
}

TEST_F(run_cli, top_help_gives_the_exit_codes_as_they_are) {
  const ran r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.find("none exist yet"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 an expectation of the scenario failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--version"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("help"), std::string::npos) << r.out;
}

TEST_F(run_cli, install_puts_a_working_fleetsim_under_the_prefix) {
  // What `make install PREFIX=...` runs after building.
  const std::string prefix = path("prefix");
  fleetsim install({"--install", FLEET_BUILD_DIR, "--prefix", prefix}, dir_, FLEET_CMAKE_COMMAND);
  ASSERT_EQ(install.finish(120s), 0) << install.out() << install.err();
  fleetsim installed({"--version"}, dir_, prefix + "/bin/fleetsim");
  EXPECT_EQ(installed.finish(), 0);
  EXPECT_EQ(installed.out().rfind("fleetsim ", 0), 0u) << installed.out();
  EXPECT_NE(read_file(source_dir + "/Makefile").find("cmake --install $(BUILD_DIR) --prefix $(PREFIX)"),
            std::string::npos);
}

TEST_F(run_cli, every_run_flag_is_in_docs_cli_md) {
  const std::string help = run({"run", "--help"}).out;
  const std::string docs = read_file(source_dir + "/docs/cli.md");
  const std::regex flag("(--[a-z][a-z-]+)");
  std::set<std::string> flags;
  for (auto it = std::sregex_iterator(help.begin(), help.end(), flag); it != std::sregex_iterator(); ++it) {
    flags.insert((*it)[1]);
  }
  EXPECT_GE(flags.size(), 10u);
  for (const std::string& f : flags) EXPECT_NE(docs.find("`" + f), std::string::npos) << f << " is not in docs/cli.md";
}

TEST_F(run_cli, readme_links_stay_inside_the_repository) {
  // A clone has no ../shared: a link there leads nowhere.
  const std::string readme = read_file(source_dir + "/README.md");
  EXPECT_EQ(readme.find("../"), std::string::npos);
  const std::regex link("\\]\\(([^)#:]+)(#[^)]*)?\\)");
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), link); it != std::sregex_iterator(); ++it) {
    EXPECT_TRUE(std::filesystem::exists(source_dir + "/" + (*it)[1].str())) << (*it)[1];
  }
  for (const char* text : {"make install", "PREFIX=", "--version", "fleetsim help"}) {
    EXPECT_NE(readme.find(text), std::string::npos) << text;
  }
}

TEST_F(run_cli, docs_scenarios_md_has_every_expectation_and_no_stale_gap) {
  const std::string docs = read_file(source_dir + "/docs/scenarios.md");
  const std::string proto = read_file(source_dir + "/proto/scenario.proto");
  const std::size_t begin = proto.find("message Expectation {");
  ASSERT_NE(begin, std::string::npos);
  const std::string block = proto.substr(begin, proto.find("\n}", begin) - begin);
  const std::regex check("\\n    [A-Za-z]+ ([a-z_]+) = [0-9]+;");
  int checks = 0;
  for (auto it = std::sregex_iterator(block.begin(), block.end(), check); it != std::sregex_iterator(); ++it) {
    ++checks;
    EXPECT_NE(docs.find("| `" + (*it)[1].str()), std::string::npos) << (*it)[1] << " is not in the checks table";
  }
  EXPECT_GE(checks, 13);
  EXPECT_EQ(docs.find("Still missing from issue 5: telemetry"), std::string::npos);
}

// ---- overrides on the command line (issue 18) -----------------------------

TEST_F(run_cli, duration_and_set_change_the_run_and_the_replay_repeats_them) {
  const ran r = run({"run", tiny, "--quiet", "--duration", "2d", "--set", "fleet.group[1].devices=30", "--set",
                     "deployment[0].rollout.in_flight_limit=100", "--report", path("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = report("r.json");
  EXPECT_EQ(j["devices"], 34);  // 4 in Field Test, 30 in Production
  EXPECT_EQ(j["duration_seconds"], 172800.0);
  EXPECT_EQ(j["sim_seconds"], 172800.0);
  EXPECT_EQ(j["deployments"][0]["devices"], 30);
  EXPECT_EQ(j["replay"], "fleetsim run " + tiny +
                             " --seed 7 --duration 2d --set 'fleet.group[1].devices=30' --set "
                             "'deployment[0].rollout.in_flight_limit=100'");
}

TEST_F(run_cli, set_errors_exit_2_naming_the_flag_and_run_nothing) {
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const bad& b : {bad{{"--set", "fleet.network.los=0.02"}, "--set fleet.network.los=0.02: no field \"los\""},
                       bad{{"--set", "fleet.network.loss=x"}, "--set fleet.network.loss=x: not a valid double"},
                       bad{{"--set", "fleet.network.loss=2"}, tiny + ":28:5: fleet: network.loss: must be in"},
                       bad{{"--duration", "0s"}, tiny + ":10:1: scenario: duration:"},
                       bad{{"--set", "loss"}, "must be PATH=VALUE"}}) {
    SCOPED_TRACE(b.args.back());
    std::vector<std::string> args{"run", tiny, "--report", path("r.json")};
    args.insert(args.end(), b.args.begin(), b.args.end());
    const ran r = run(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(std::filesystem::exists(path("r.json")));
  }
}

// ---- warnings (issue 18) --------------------------------------------------

TEST_F(run_cli, warnings_go_to_stderr_before_the_run_which_goes_on_even_when_quiet) {
  const ran r = run({"run", tiny, "--quiet", "--set", "fleet.group[0].name=Development", "--set",
                     "deployment[0].group=Development"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, tiny + ":42:3: warning: deployment \"app-1.1.0\": group: group \"Development\" of product "
                          "\"sensor\" has update policy no_3rd_party_app_updates, which takes no APP image: "
                          "\"sensor-app@1.1.0\" is never offered, and the rollout runs with none of its devices "
                          "updated\n");
  EXPECT_EQ(r.out.rfind("fleetsim run: complete, 4d simulated in ", 0), 0u) << r.out;
}

TEST_F(run_cli, warnings_are_about_the_fleet_as_devices_makes_it) {
  // Count waves of 10 and 8 overflow the 16 devices of Production; --devices
  // 10 leaves it 8 and scales the waves with it (5 and 4): the warning gives
  // the figures of the fleet that runs. Waves that fit stay fitting.
  std::vector<std::string> args{"run", tiny, "--quiet", "--set", "deployment[0].rollout.wave[0].count=10",
                                "--set", "deployment[0].rollout.wave[1].count=8"};
  const ran full = run(args);
  EXPECT_EQ(full.exit_code, 0) << full.err;
  EXPECT_EQ(full.err, tiny + ":46:5: warning: deployment \"app-1.1.0\": rollout.wave[1].count: the waves up to this "
                             "one count 18 devices, and group \"Production\" has 16: this wave gets 6 and no wave "
                             "after it gets any\n");
  args.insert(args.end(), {"--devices", "10"});
  const ran small = run(args);
  EXPECT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(small.err, tiny + ":46:5: warning: deployment \"app-1.1.0\": rollout.wave[1].count: the waves up to this "
                              "one count 9 devices, and group \"Production\" has 8: this wave gets 3 and no wave "
                              "after it gets any\n");
  const ran fits = run({"run", tiny, "--quiet", "--set", "deployment[0].rollout.wave[0].count=10", "--set",
                        "deployment[0].rollout.wave[1].count=4", "--devices", "10"});
  EXPECT_EQ(fits.exit_code, 0) << fits.err;
  EXPECT_EQ(fits.err, "");
}

// ---- paced runs (issue 18) ------------------------------------------------

/// At 0.001x the first device boots days of wall time away: the engine waits
/// for it from the start. It used to wait in one sleep, without a status
/// line and deaf to Ctrl-C until the event came; now the status moves and the
/// signal stops it.
TEST_F(run_cli, a_paced_run_shows_progress_and_stops_on_sigint_while_it_waits) {
  fleetsim p({"run", tiny, "--speed", "0.001", "--report", path("r.json")}, dir_);
  ASSERT_TRUE(p.wait_for_stderr(" simulated (", 30s)) << p.err();  // a status line while nothing happens
  p.signal(SIGINT);
  ASSERT_EQ(p.finish(30s), 3) << p.out() << p.err();
  EXPECT_NE(p.err().find("fleetsim run: interrupted at "), std::string::npos) << p.err();
  const json j = report("r.json");
  EXPECT_EQ(j["complete"], false);
  EXPECT_LT(j["sim_seconds"].get<double>(), 60);  // well before the first boot's wait was over
}

TEST_F(run_cli, pacing_does_not_change_the_run) {
  ASSERT_EQ(run({"run", tiny, "--quiet", "--duration", "6h", "--report", path("max.json")}).exit_code, 0);
  ASSERT_EQ(run({"run", tiny, "--quiet", "--duration", "6h", "--speed", "21600", "--report", path("paced.json")})
                .exit_code,
            0);
  EXPECT_EQ(report("max.json")["trace_hash"], report("paced.json")["trace_hash"]);
}

}  // namespace
