// cli/main.cc
//
// Entry point of the `statelog` command: builds the command line, lets the
// selected subcommand run, and turns every way of failing into one of the
// documented exit codes (CLI11's own codes never leak out).

#include <cstdio>
#include <exception>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/exit_codes.h"

namespace statelog::cli {
namespace {

constexpr char kVersion[] = "statelog 0.1.0";

int Main(int argc, char** argv) {
  CLI::App app(
      "statelog keeps a program's state as one JSON document in a durable,\n"
      "checksummed journal with snapshots and crash recovery.\n"
      "Run `statelog COMMAND --help` for a command's arguments and options.",
      "statelog");
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);
  app.footer(kExitCodeHelp);

  CommandRunner run;
  AddInitCommand(app, &run);
  AddApplyCommand(app, &run);
  AddGetCommand(app, &run);
  AddVerifyCommand(app, &run);
  AddCompactCommand(app, &run);
  AddDemoCommand(app, &run);
  AddDemoChildCommand(app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitCode::kUsage);
  }
  if (!run) return static_cast<int>(ExitCode::kUsage);
  return run();
}

}  // namespace
}  // namespace statelog::cli

int main(int argc, char** argv) {
  try {
    return statelog::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    // The library never throws; this catches allocation failures and
    // anything unexpected from nlohmann/json in the command code.
    std::fprintf(stderr, "statelog: unexpected error: %s\n", e.what());
    return static_cast<int>(statelog::cli::ExitCode::kIoError);
  }
}
