// cli/save_command.cc
//
// `statelog save DIR [FILE|-]`: makes the store's state the JSON value in
// FILE, journaling only what differs (Store::Save), and prints {"seq":N}
// once that is acknowledged. For scripts that keep their whole state in a
// JSON file and rewrite it after each step.

#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "cli/store_flags.h"
#include "statelog/store.h"
#include "util/json_util.h"

namespace statelog::cli {
namespace {

struct SaveFlags {
  std::string dir;
  std::string input = "-";
  Durability durability = Durability::kSync;
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
  double wait_seconds = 0;
};

int RunSave(const SaveFlags& flags) {
  // The input is read and checked first: bad input leaves the store
  // untouched, and its lock free.
  absl::StatusOr<std::string> text = ReadInput(flags.input);
  if (!text.ok()) return Fail("save", text.status(), ExitCode::kUsage);
  absl::StatusOr<Json> state =
      internal::ParseJson(*text, InputName(flags.input));
  if (!state.ok()) return Fail("save", state.status(), ExitCode::kUsage);

  Options options;
  options.durability = flags.durability;
  options.recovery_mode = flags.recovery_mode;
  absl::StatusOr<OpenResult> opened =
      OpenWaitingForLock(flags.dir, options, flags.wait_seconds);
  if (!opened.ok()) return FailOpen("save", opened.status());
  NoteRecovery("save", opened->report);
  Store& store = *opened->store;
  absl::StatusOr<uint64_t> seq = store.Save(*state);
  if (!seq.ok()) {
    return Fail("save", seq.status(),
                store.status().ok() ? ExitCodeForOperationError(seq.status())
                                    : ExitCode::kIoError);
  }
  // Under interval and none, made durable before the line is printed, as
  // under sync: a caller that sees it may rely on it.
  absl::Status synced = store.Sync();
  if (!synced.ok()) return Fail("save", synced, ExitCode::kIoError);
  absl::Status printed = PrintJsonLine({{"seq", *seq}});
  if (!printed.ok()) return Fail("save", printed, ExitCode::kIoError);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void AddSaveCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<SaveFlags>();
  CLI::App* command = AddCommand(
      app, "save", "Make the state a JSON value, journaling only the change",
      "FILE (default stdin) holds one JSON value: the whole state as the\n"
      "caller has it now. The store's state becomes that value; the\n"
      "record written holds only what differs from the state before\n"
      "(members added, removed or changed; elements appended to or\n"
      "removed from arrays), as one transaction. Nothing differs: nothing\n"
      "is written, and the newest seq is printed. Prints {\"seq\":N} once\n"
      "it is on disk. For a script that rewrote a whole JSON file after\n"
      "each step: `... | statelog save DIR`.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_option("FILE", flags->input, "The JSON value, or - for stdin")
      ->capture_default_str();
  AddDurabilityFlag(command, &flags->durability);
  AddWaitFlag(command, &flags->wait_seconds);
  AddRecoveryModeFlag(command, &flags->recovery_mode);
  command->callback(
      [run, flags] { *run = [flags] { return RunSave(*flags); }; });
}

}  // namespace statelog::cli
