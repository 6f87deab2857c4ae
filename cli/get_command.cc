// cli/get_command.cc
//
// `statelog get DIR [POINTER] [--at SEQ]`: prints the state, or the value
// at a JSON pointer, now or as of record SEQ. Opens the store read-only, so
// it works while a writer holds the lock and never changes a file.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "cli/store_flags.h"
#include "statelog/history.h"
#include "statelog/store.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"

namespace statelog::cli {
namespace {

struct GetFlags {
  std::string dir;
  std::string pointer;
  bool pretty = false;
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
  uint64_t at = 0;
  bool has_at = false;
};

absl::Status Print(const GetFlags& flags, const Json& value) {
  return flags.pretty ? PrintJsonPretty(value) : PrintJsonLine(value);
}

// --at: the state rebuilt as of record `flags.at` (statelog/history.h).
int RunGetAt(const GetFlags& flags) {
  absl::StatusOr<StateAt> at = ReadStateAt(flags.dir, flags.at);
  if (!at.ok()) {
    return Fail("get", at.status(),
                absl::IsOutOfRange(at.status())
                    ? ExitCode::kUsage
                    : ExitCodeForOpenError(at.status()));
  }
  const std::string passed_over = PassedOver(at->passed_over, at->snapshot);
  if (!passed_over.empty()) {
    std::fputs(absl::StrCat("statelog get: ", passed_over, "\n").c_str(),
               stderr);
  }
  if (!at->covered_damage.empty()) {
    std::fputs(absl::StrCat("statelog get: read past damage in records ",
                            at->snapshot, " covers: ", at->covered_damage, "\n")
                   .c_str(),
               stderr);
  }
  absl::StatusOr<std::vector<std::string>> tokens =
      internal::SplitPointer(flags.pointer);
  absl::StatusOr<Json*> value =
      tokens.ok() ? internal::FindValue(&at->state, *tokens, tokens->size())
                  : absl::StatusOr<Json*>(tokens.status());
  if (!value.ok()) {
    return Fail("get",
                absl::Status(value.status().code(),
                             absl::StrCat(value.status().message(),
                                          " (as of seq ", flags.at, ")")),
                ExitCodeForOperationError(value.status()));
  }
  absl::Status printed = Print(flags, **value);
  if (!printed.ok()) return Fail("get", printed, ExitCode::kIoError);
  return static_cast<int>(ExitCode::kOk);
}

int RunGet(const GetFlags& flags) {
  if (flags.has_at) return RunGetAt(flags);
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
  absl::Status printed = Print(flags, *value);
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
      "process writes. A pointer with no value there exits 1.\n"
      "With --at SEQ, the state right after record SEQ (0: as created),\n"
      "rebuilt from the newest snapshot at or before it and the records\n"
      "after that; a SEQ before the oldest snapshot kept or past the\n"
      "journal's end exits 1.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_option("POINTER", flags->pointer,
                      "JSON pointer; empty or absent for the whole state");
  command->add_flag("--pretty", flags->pretty, "Indent the output");
  AddRecoveryModeFlag(command, &flags->recovery_mode);
  command
      ->add_option("--at", flags->at, "Print the state as of this record's seq")
      ->transform(DecimalSeq())
      ->excludes("--recovery-mode");
  command->callback([run, flags, command] {
    flags->has_at = command->count("--at") > 0;
    *run = [flags] { return RunGet(*flags); };
  });
}

}  // namespace statelog::cli
