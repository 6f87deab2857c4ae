// cli/apply_command.cc
//
// `statelog apply DIR [FILE|-]`: applies JSON Lines, one transaction per
// line, printing {"seq":N} for each as soon as it is acknowledged.

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "cli/store_flags.h"
#include "statelog/store.h"
#include "util/json_util.h"

namespace statelog::cli {
namespace {

struct ApplyFlags {
  std::string dir;
  std::string input = "-";
  Durability durability = Durability::kSync;
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
  double wait_seconds = 0;
};

// Parses one input line into a transaction.
absl::StatusOr<Transaction> ParseLine(const std::string& line) {
  absl::StatusOr<Json> json = internal::ParseJson(line, "transaction");
  if (!json.ok()) return json.status();
  return Transaction::FromJson(*json);
}

absl::Status AtLine(const LineReader& reader, const std::string& input,
                    const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(InputName(input), ": line ",
                                                  reader.line_number(), ": ",
                                                  status.message()));
}

// Applies each line of `reader` to `store`, printing its sequence number;
// returns the exit code.
int ApplyLines(const ApplyFlags& flags, LineReader* reader, Store* store) {
  std::string line;
  while (reader->Next(&line)) {
    // A line of nothing but a byte order mark is blank too (the parser
    // skips one before a value).
    absl::string_view text = line;
    absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    absl::StatusOr<Transaction> txn = ParseLine(line);
    if (!txn.ok()) {
      return Fail("apply", AtLine(*reader, flags.input, txn.status()),
                  ExitCode::kUsage);
    }
    // The line's values move into the state: nothing copies them.
    absl::StatusOr<uint64_t> seq = store->Apply(*std::move(txn));
    if (!seq.ok()) {
      // A poisoned writer is an I/O failure whatever its code (an ENOENT
      // from a vanished directory is NotFound, which would read as bad
      // input).
      return Fail("apply", AtLine(*reader, flags.input, seq.status()),
                  store->status().ok() ? ExitCodeForOperationError(seq.status())
                                       : ExitCode::kIoError);
    }
    // Printed (and flushed) only after Apply returned: a caller that sees
    // the line may rely on the transaction's durability.
    absl::Status printed = PrintJsonLine({{"seq", *seq}});
    if (!printed.ok()) return Fail("apply", printed, ExitCode::kIoError);
  }
  if (!reader->status().ok()) {
    return Fail("apply", reader->status(), ExitCode::kIoError);
  }
  // Under interval and none, what was printed is made durable here, where
  // a failure can still change the exit code (closing would sync too, but
  // could not report it).
  absl::Status synced = store->Sync();
  if (!synced.ok()) return Fail("apply", synced, ExitCode::kIoError);
  return static_cast<int>(ExitCode::kOk);
}

int RunApply(const ApplyFlags& flags) {
  LineReader reader;
  absl::Status opened_input = reader.Open(flags.input);
  if (!opened_input.ok()) return Fail("apply", opened_input, ExitCode::kUsage);

  // The store (and its lock) is taken before the first line is read, so a
  // caller feeding a pipe holds the store for as long as the pipe is open.
  Options options;
  options.durability = flags.durability;
  options.recovery_mode = flags.recovery_mode;
  // Merge patches are appended without loading the state; the first other
  // transaction loads it (docs/cli.md, "Which transactions need the state").
  options.load_state_lazily = true;
  absl::StatusOr<OpenResult> opened =
      OpenWaitingForLock(flags.dir, options, flags.wait_seconds);
  if (!opened.ok()) return FailOpen("apply", opened.status());
  NoteRecovery("apply", opened->report);
  const int code = ApplyLines(flags, &reader, opened->store.get());
  // Building the state (for a transaction other than a merge patch) may
  // have found what the open could not.
  NoteLateFallback("apply", opened->report, opened->store->recovery_report());
  return code;
}

}  // namespace

void AddApplyCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<ApplyFlags>();
  CLI::App* command = AddCommand(
      app, "apply", "Apply transactions, one JSON line each, to a store",
      "Each non-empty line of FILE (default stdin) is one transaction,\n"
      "applied all or nothing, in one of three forms:\n"
      "  JSON Patch (RFC 6902)  "
      "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]\n"
      "  merge patch (RFC 7386) {\"merge\":{\"a\":1,\"b\":null}}\n"
      "  journal form           "
      "{\"ops\":[{\"op\":\"set\",\"path\":\"/a/b\",...}]}\n"
      "Prints {\"seq\":N} and flushes once each transaction is\n"
      "acknowledged (with --durability sync: on disk). Stops at the first\n"
      "bad line, naming its number on stderr; nothing of that line is\n"
      "written, earlier lines stay applied.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_option("FILE", flags->input, "JSON Lines input, or - for stdin")
      ->capture_default_str();
  AddDurabilityFlag(command, &flags->durability);
  AddWaitFlag(command, &flags->wait_seconds);
  AddRecoveryModeFlag(command, &flags->recovery_mode);
  command->callback(
      [run, flags] { *run = [flags] { return RunApply(*flags); }; });
}

}  // namespace statelog::cli
