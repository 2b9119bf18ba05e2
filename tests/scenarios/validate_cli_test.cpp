// `fleetsim validate` as scripts run it: the real binary, its output and its
// exit code.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

struct run_result {
  int exit_code = -1;
  std::string out;  ///< stdout and stderr, in order
};

run_result run(const std::string& args) {
  const std::string command = std::string(FLEETSIM_BINARY) + " " + args + " 2>&1";
  run_result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

const std::string data = FLEET_SCENARIO_TEST_DATA;
const std::string library = FLEET_SCENARIOS_DIR;

TEST(validate_cli, quickstart_is_ok) {
  const run_result r = run("validate " + library + "/quickstart.textproto");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, library + "/quickstart.textproto: ok (10,000 devices, 5 images, 1 deployment)\n");
}

TEST(validate_cli, a_file_with_faults_attacks_and_expectations_has_them_counted) {
  const run_result r = run("validate " + library + "/spoofing-and-cloning.textproto " + library +
                           "/power-loss-during-update.textproto");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, library + "/spoofing-and-cloning.textproto: ok (10,000 devices, 5 images, 1 deployment, 5 attacks, "
                             "4 expectations)\n" +
                       library + "/power-loss-during-update.textproto: ok (10,000 devices, 5 images, 1 deployment, "
                                 "2 faults, 5 expectations)\n");
}

TEST(validate_cli, unknown_image_exits_2_with_its_place) {
  const run_result r = run("validate " + data + "/unknown_image.textproto");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out,
            data + "/unknown_image.textproto:19:3: deployment \"app-1.1.0\": image[0]: unknown image \"app@1.1.0\"\n");
}

TEST(validate_cli, every_error_of_every_file) {
  const run_result r = run("validate " + data + "/two_errors.textproto " + library + "/quickstart.textproto " + data +
                           "/syntax_error.textproto");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, data + "/two_errors.textproto:6:23: product \"p\": hardware_rev: shares sum to 0.9, not 1\n" + data +
                       "/two_errors.textproto:21:3: deployment \"app-1.1.0\": group: product \"p\" has no group "
                       "\"Field Test\" in the fleet\n" +
                       library + "/quickstart.textproto: ok (10,000 devices, 5 images, 1 deployment)\n" + data +
                       "/syntax_error.textproto:2:6: Expected \":\", found \"\"syntax-error\"\".\n");
}

TEST(validate_cli, warnings_go_to_stderr_with_their_place_and_exit_0) {
  const std::string file = data + "/warnings.textproto";
  const run_result r = run("validate " + file);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, file + ":23:3: warning: deployment \"to-development\": group: group \"Development\" of product \"p\" "
                          "has update policy no_3rd_party_app_updates, which takes no APP image: \"app@1.1.0\" is never "
                          "offered, and the rollout runs with none of its devices updated\n" +
                       file + ":31:12: warning: deployment \"to-production\": rollout.wave[1].count: the waves up to this "
                              "one count 25 devices, and group \"Production\" has 10: this wave gets 5 and no wave after "
                              "it gets any\n" +
                       file + ":32:5: warning: deployment \"to-production\": rollout.window[0]: offers are made only "
                              "inside the windows, open 2h a day, at a device's update check, and devices of product "
                              "\"p\" check every 1d (plus up to 1h): none of group \"Production\" would check inside "
                              "one between the deployment's start and the end of the run (docs/scenarios.md, "
                              "\"Warnings\")\n" +
                       file + ": ok (20 devices, 5 images, 2 deployments, 3 warnings)\n");
}

TEST(validate_cli, a_warning_is_not_an_error_among_files_that_have_them) {
  const run_result r = run("validate " + data + "/warnings.textproto " + data + "/unknown_image.textproto");
  EXPECT_EQ(r.exit_code, 2);
  const run_result warned_only = run("validate " + data + "/warnings.textproto " + library + "/quickstart.textproto");
  EXPECT_EQ(warned_only.exit_code, 0);
}

TEST(validate_cli, unreadable_file_exits_2) {
  const run_result r = run("validate " + data + "/no_such_file.textproto");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, data + "/no_such_file.textproto: cannot read: No such file or directory\n");
}

TEST(validate_cli, no_file_is_bad_input) {
  const run_result r = run("validate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("FILE is required"), std::string::npos) << r.out;
}

TEST(validate_cli, set_and_duration_check_the_file_as_changed) {
  const std::string quickstart = library + "/quickstart.textproto";
  EXPECT_EQ(run("validate " + quickstart + " --set fleet.network.loss=0.02 --duration 2d").exit_code, 0);
  const run_result unknown = run("validate " + quickstart + " --set fleet.network.los=0.02");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.out.rfind("--set fleet.network.los=0.02: no field \"los\" in fleet.network", 0), 0u) << unknown.out;
  const run_result out_of_range = run("validate " + quickstart + " --set fleet.network.loss=2");
  EXPECT_EQ(out_of_range.exit_code, 2);
  EXPECT_NE(out_of_range.out.find(quickstart + ":"), std::string::npos) << out_of_range.out;
  EXPECT_NE(out_of_range.out.find("loss: must be in [0, 0.9], is 2"), std::string::npos) << out_of_range.out;
  const run_result no_equals = run("validate " + quickstart + " --set fleet.network.loss");
  EXPECT_EQ(no_equals.exit_code, 2);
  EXPECT_NE(no_equals.out.find("must be PATH=VALUE"), std::string::npos) << no_equals.out;
}

}  // namespace
