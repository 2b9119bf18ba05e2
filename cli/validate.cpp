#include "validate.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "fleet/scenario/loader.hpp"
#include "fleet/scenario/units.hpp"
#include "scenario_flags.hpp"

namespace fleet::cli {
namespace {

std::string counted(std::size_t n, const char* one, const char* many) {
  return scenario::format_count(n) + " " + (n == 1 ? one : many);
}

/// Every file is checked, whatever the ones before it held: one run shows
/// every error. Valid files get one line on stdout, errors and warnings go
/// to stderr; warnings leave the exit code alone.
int validate(const std::vector<std::string>& files, const scenario_flags& flags) {
  int code = exit_ok;
  const std::vector<scenario::field_override> overrides = overrides_of(flags);
  for (const std::string& file : files) {
    const scenario::load_result loaded = scenario::load_file(file, overrides);
    if (!loaded.value) {
      for (const scenario::diagnostic& d : loaded.errors) std::fprintf(stderr, "%s\n", scenario::to_string(d).c_str());
      code = exit_bad_input;
      continue;
    }
    const scenario::scenario& s = *loaded.value;
    const std::vector<scenario::diagnostic> warned = scenario::warnings(s, loaded.places);
    for (const scenario::diagnostic& d : warned) std::fprintf(stderr, "%s\n", scenario::to_string(d).c_str());
    std::string contents = counted(s.device_count(), "device", "devices") + ", " +
                           counted(s.images.size(), "image", "images") + ", " +
                           counted(s.deployments.size(), "deployment", "deployments");
    // Faults, attacks and expectations only when the file has them.
    if (!s.faults.empty()) contents += ", " + counted(s.faults.size(), "fault", "faults");
    if (!s.attacks.empty()) contents += ", " + counted(s.attacks.size(), "attack", "attacks");
    if (!s.expectations.empty()) contents += ", " + counted(s.expectations.size(), "expectation", "expectations");
    if (!warned.empty()) contents += ", " + counted(warned.size(), "warning", "warnings");
    std::printf("%s: ok (%s)\n", file.c_str(), contents.c_str());
    std::fflush(stdout);  // in file order with the errors on stderr, even into a pipe
  }
  return code;
}

}  // namespace

void add_validate(CLI::App& app, int& exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto flags = std::make_shared<scenario_flags>();
  CLI::App* cmd = app.add_subcommand("validate", "Check scenario files without running anything");
  cmd->footer(
      "Checks the schema (proto/scenario.proto) and every semantic rule of docs/scenarios.md.\n"
      "A valid file gets one line on stdout: FILE: ok (N devices, N images, N deployments), with its\n"
      "faults, attacks and expectations counted when it has any.\n"
      "Each error goes to stderr as FILE:LINE:COL: what is wrong.\n"
      "A valid file may still warn, on stderr as FILE:LINE:COL: warning: what it cannot do (a deployment its\n"
      "group's update policy refuses, count waves past the group, maintenance windows its devices rarely check\n"
      "in: docs/scenarios.md, \"Warnings\"); warnings are counted on the ok line and do not change the exit code.\n"
      "--duration and --set check each file with those fields set, as `fleetsim run` would run it; an unknown\n"
      "field or a value of the wrong type is an error naming the flag (--set PATH=VALUE: what is wrong).\n"
      "Exit codes: 0 every file is valid (warnings or not); 2 an error in any file, or a file that cannot be read.");
  cmd->add_option("FILE", *files, "Scenario files (protobuf text format, proto/scenario.proto)")->required();
  add_scenario_flags(*cmd, *flags);
  cmd->callback([files, flags, &exit_code] { exit_code = validate(*files, *flags); });
}

}  // namespace fleet::cli
