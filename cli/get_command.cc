// cli/get_command.cc
//
// `statelog get DIR [POINTER]`: prints the state, or the value at a JSON
// pointer. Opens the store read-only, so it works while a writer holds the
// lock and never changes a file.

#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "cli/store_flags.h"
#include "statelog/store.h"

namespace statelog::cli {
namespace {

struct GetFlags {
  std::string dir;
  std::string pointer;
  bool pretty = false;
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
};

int RunGet(const GetFlags& flags) {
  Options options;
  options.read_only = true;
  options.recovery_mode = flags.recovery_mode;
  absl::StatusOr<OpenResult> opened = Store::Open(flags.dir, options);
  if (!opened.ok()) return FailOpen("get", opened.status());
  NoteRecovery("get", opened->report);
  absl::StatusOr<Json> value = opened->store->Get(flags.pointer);
  if (!value.ok()) {
    return Fail("get", value.status(),
                ExitCodeForOperationError(value.status()));
  }
  absl::Status printed =
      flags.pretty ? PrintJsonPretty(*value) : PrintJsonLine(*value);
  if (!printed.ok()) return Fail("get", printed, ExitCode::kIoError);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void AddGetCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<GetFlags>();
  CLI::App* command = AddCommand(
      app, "get", "Print the state, or the value at a JSON pointer",
      "POINTER is an RFC 6901 pointer such as /agent/step; without it\n"
      "the whole state is printed. The store is opened read-only: no\n"
      "lock is taken and no file changes, so get works while another\n"
      "process writes. A pointer with no value there exits 1.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_option("POINTER", flags->pointer,
                      "JSON pointer; empty or absent for the whole state");
  command->add_flag("--pretty", flags->pretty, "Indent the output");
  AddRecoveryModeFlag(command, &flags->recovery_mode);
  command->callback(
      [run, flags] { *run = [flags] { return RunGet(*flags); }; });
}

}  // namespace statelog::cli
