// fleetsim: the command line. Subcommands that exist today: `cloud serve`,
// `validate`. `run`, `worker` and `devices` come with the fleet engine.
#include <CLI/CLI.hpp>

#include "cloud_serve.hpp"
#include "exit_codes.hpp"
#include "validate.hpp"

int main(int argc, char** argv) {
  CLI::App app{"fleetsim: a fleet simulator for secured IoT platforms"};
  app.require_subcommand(1);
  int exit_code = fleet::cli::exit_ok;
  CLI::App* cloud = app.add_subcommand("cloud", "The simulated security service");
  cloud->require_subcommand(1);
  fleet::cli::add_cloud_serve(*cloud, exit_code);
  fleet::cli::add_validate(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? fleet::cli::exit_ok : fleet::cli::exit_bad_input;
  }
  return exit_code;
}
