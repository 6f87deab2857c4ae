// cli/main.cc
//
// Entry point of the `statelog` command: builds the command line, lets the
// selected subcommand run, and turns every way of failing into one of the
// documented exit codes (CLI11's own codes never leak out).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "journal/format.h"
#include "snapshot/snapshot_file.h"

namespace statelog::cli {
namespace {

// The release, the source it was built from (a git checkout's commit, as
// of the build's configure), and the file formats it reads and writes:
// what someone comparing a store's files with the build that wrote them
// needs.
std::string VersionText() {
  const std::string source = STATELOG_SOURCE_ID;
  return absl::StrCat(
      "statelog ", STATELOG_VERSION,
      source.empty() ? "" : absl::StrCat(" (source ", source, ")"),
      "\njournal format ", internal::kJournalFormatVersion,
      ", snapshot format ", internal::kSnapshotFormatVersion);
}

// Run with stdin, stdout or stderr closed (from a daemon, cron, `>&-`),
// the first files opened would take those numbers, and what the command
// prints would be written into them: a journal segment or LOCK. /dev/null
// takes each closed one first. (The library also keeps its files off
// 0-2, for programs that do not do this.)
void OpenClosedStdio() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0 && null != fd) {
      ::dup2(null, fd);
      ::close(null);
    }
  }
}

int Main(int argc, char** argv) {
  CLI::App app(
      "statelog keeps a program's state as one JSON document in a durable,\n"
      "checksummed journal with snapshots and crash recovery.\n"
      "Run `statelog COMMAND --help` for a command's arguments and options.",
      "statelog");
  app.require_subcommand(1);
  app.set_version_flag("--version", VersionText());
  app.footer(kExitCodeHelp);

  CommandRunner run;
  AddInitCommand(app, &run);
  AddApplyCommand(app, &run);
  AddSaveCommand(app, &run);
  AddGetCommand(app, &run);
  AddLogCommand(app, &run);
  AddVerifyCommand(app, &run);
  AddCompactCommand(app, &run);
  AddDemoCommand(app, &run);
  AddDemoChildCommand(app, &run);

  // An unknown command or option before the command is named as such
  // (CLI11 would only say that a command is required).
  if (argc > 1 && argv[1][0] == '-') {
    const std::string option = argv[1];
    if (option != "-h" && option != "--help" && option != "--help-all" &&
        option != "--version") {
      std::fprintf(stderr,
                   "statelog: unknown option '%s' (see `statelog --help`)\n",
                   argv[1]);
      return static_cast<int>(ExitCode::kUsage);
    }
  } else if (argc > 1) {
    std::vector<std::string> names;
    for (const CLI::App* command :
         app.get_subcommands([](const CLI::App*) { return true; })) {
      names.push_back(command->get_name());
    }
    if (std::find(names.begin(), names.end(), argv[1]) == names.end()) {
      names.erase(std::remove(names.begin(), names.end(), "__demo-child"),
                  names.end());
      std::fprintf(stderr, "statelog: unknown command '%s' (commands: %s)\n",
                   argv[1], absl::StrJoin(names, ", ").c_str());
      return static_cast<int>(ExitCode::kUsage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, like every other diagnostic: "statelog COMMAND: ...".
    std::string command;
    for (const CLI::App* parsed : app.get_subcommands()) {
      command = " " + parsed->get_name();
    }
    std::fprintf(stderr, "statelog%s: %s (see `statelog%s --help`)\n",
                 command.c_str(), e.what(), command.c_str());
    return static_cast<int>(ExitCode::kUsage);
  }
  if (!run) return static_cast<int>(ExitCode::kUsage);
  return run();
}

}  // namespace
}  // namespace statelog::cli

int main(int argc, char** argv) {
  statelog::cli::OpenClosedStdio();
  // A file-size limit (ulimit -f) then fails the write with EFBIG, which
  // is reported and exits 5, instead of killing the process silently.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    return statelog::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    // The library never throws; this catches allocation failures and
    // anything unexpected from nlohmann/json in the command code.
    std::fprintf(stderr, "statelog: unexpected error: %s\n", e.what());
    return static_cast<int>(statelog::cli::ExitCode::kIoError);
  }
}
