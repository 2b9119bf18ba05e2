// fleetsim: the command line. Subcommands that exist today: `run`,
// `validate`, `explore`, `cloud serve`, `help`. `worker` and `devices` come with later issues.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cloud_serve.hpp"
#include "exit_codes.hpp"
#include "explore.hpp"
#include "fleet/wire/protobuf_log.hpp"
#include "run.hpp"
#include "validate.hpp"
#include "version.hpp"

namespace {

/// `fleetsim help [COMMAND...]`: the same text as `fleetsim [COMMAND...] --help`.
void add_help(CLI::App& app, int& exit_code) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("help", "Print the help of fleetsim or of a command (as --help does)");
  cmd->add_option("COMMAND", *words, "A command, and a subcommand of it (help cloud serve)");
  cmd->callback([&app, words, &exit_code] {
    const CLI::App* shown = &app;
    // The usage line names the program as --help does: as it was started, then the commands.
    std::string usage_name = app.get_name();
    std::string asked = "fleetsim";
    for (const std::string& word : *words) {
      asked += " " + word;
      const CLI::App* next = nullptr;
      for (const CLI::App* sub : shown->get_subcommands({})) {
        if (sub->get_name() == word) next = sub;
      }
      if (next == nullptr) {
        std::fprintf(stderr, "fleetsim help: no command %s (fleetsim --help lists them)\n", asked.c_str());
        exit_code = fleet::cli::exit_bad_input;
        return;
      }
      if (shown != &app) usage_name += " " + shown->get_name();
      shown = next;
    }
    // The formatter, not help(): help() of the program would describe the
    // command it parsed, which is this one.
    const std::string name = shown == &app ? usage_name : usage_name + " " + shown->get_name();
    std::printf("%s", shown->get_formatter()->make_help(shown, name, CLI::AppFormatMode::Normal).c_str());
    exit_code = fleet::cli::exit_ok;
  });
}

}  // namespace

int main(int argc, char** argv) {
  // A man in the middle's bytes fail to parse, and are rejected and counted
  // as such; protobuf would also write a line to stderr for each one.
  fleet::wire::quiet_altered_bytes_reports();
  CLI::App app{"fleetsim: a fleet simulator for secured IoT platforms"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fleet::cli::version_text, "Print the version and exit");
  app.footer(
      "Each command's flags: fleetsim COMMAND --help, or fleetsim help COMMAND. Flags, exit codes and the run\n"
      "report: docs/cli.md.\n"
      "Exit codes: 0 ok; 1 an expectation of the scenario failed; 2 bad input, nothing ran; 3 the run failed or\n"
      "was interrupted.");
  int exit_code = fleet::cli::exit_ok;
  fleet::cli::add_run(app, exit_code);
  fleet::cli::add_validate(app, exit_code);
  fleet::cli::add_explore(app, exit_code);
  CLI::App* cloud = app.add_subcommand("cloud", "The simulated security service");
  cloud->require_subcommand(1);
  fleet::cli::add_cloud_serve(*cloud, exit_code);
  add_help(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? fleet::cli::exit_ok : fleet::cli::exit_bad_input;
  }
  return exit_code;
}
