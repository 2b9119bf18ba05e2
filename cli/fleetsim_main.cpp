// fleetsim: the command line. Subcommands that exist today: `run`,
// `validate`, `cloud serve`. `worker` and `devices` come with later issues.
#include <CLI/CLI.hpp>

#include "cloud_serve.hpp"
#include "exit_codes.hpp"
#include "run.hpp"
#include "validate.hpp"

int main(int argc, char** argv) {
  CLI::App app{"fleetsim: a fleet simulator for secured IoT platforms"};
  app.require_subcommand(1);
  app.footer(
      "Each subcommand's flags: fleetsim SUBCOMMAND --help. Flags, exit codes and the run report: docs/cli.md.\n"
      "Exit codes: 0 ok; 1 an expectation failed (none exist yet); 2 bad input, nothing ran; 3 the run failed.");
  int exit_code = fleet::cli::exit_ok;
  fleet::cli::add_run(app, exit_code);
  fleet::cli::add_validate(app, exit_code);
  CLI::App* cloud = app.add_subcommand("cloud", "The simulated security service");
  cloud->require_subcommand(1);
  fleet::cli::add_cloud_serve(*cloud, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? fleet::cli::exit_ok : fleet::cli::exit_bad_input;
  }
  return exit_code;
}
