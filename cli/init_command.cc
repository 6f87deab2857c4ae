// cli/init_command.cc
//
// `statelog init DIR [--from FILE]`: creates a store, optionally holding the
// JSON value in FILE as its first transaction.

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "statelog/store.h"
#include "txn/journal_form.h"
#include "util/json_util.h"
#include "util/printable.h"

namespace statelog::cli {
namespace {

struct InitFlags {
  std::string dir;
  std::string from;
  bool from_given = false;  // --from "" is an error, not "no --from"
};

int RunInit(const InitFlags& flags) {
  // The initial state is read and checked before the store exists, so bad
  // input leaves no half-made store behind.
  Transaction initial;
  if (flags.from_given) {
    if (flags.from.empty()) {
      return Fail("init", absl::InvalidArgumentError("--from: no file named"),
                  ExitCode::kUsage);
    }
    absl::StatusOr<std::string> text = ReadInput(flags.from);
    if (!text.ok()) return Fail("init", text.status(), ExitCode::kUsage);
    absl::StatusOr<Json> value =
        internal::ParseJson(*text, InputName(flags.from));
    if (!value.ok()) return Fail("init", value.status(), ExitCode::kUsage);
    // Adding at the root pointer replaces the whole document.
    initial.Add("", *std::move(value));
    // What the store's Apply would refuse (poison, a record over the size
    // limit) is refused here, before the store exists.
    absl::Status valid =
        internal::EncodeRecordPayload(initial, Options().max_record_bytes)
            .status();
    if (!valid.ok()) {
      return Fail(
          "init",
          absl::Status(valid.code(), absl::StrCat(InputName(flags.from), ": ",
                                                  valid.message())),
          ExitCode::kUsage);
    }
  }

  Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  absl::StatusOr<OpenResult> opened = Store::Open(flags.dir, options);
  // NotFound here is a missing parent directory, not a missing store.
  if (absl::IsNotFound(opened.status())) {
    return Fail("init", opened.status(), ExitCode::kIoError);
  }
  if (!opened.ok()) return FailOpen("init", opened.status());
  Store& store = *opened->store;
  if (!initial.empty()) {
    absl::StatusOr<uint64_t> seq = store.Apply(initial);
    if (!seq.ok()) {
      return Fail("init", seq.status(),
                  ExitCodeForOperationError(seq.status()));
    }
    // A snapshot of the imported state: later opens start from it instead
    // of parsing the whole import from the journal again.
    absl::Status compacted = store.Compact();
    if (!compacted.ok()) {
      return Fail("init", compacted, ExitCodeForOperationError(compacted));
    }
  }
  // A directory name need not be UTF-8; JSON output must be.
  absl::Status printed = PrintJsonLine(
      {{"created", internal::Printable(flags.dir)}, {"seq", store.LastSeq()}});
  if (!printed.ok()) return Fail("init", printed, ExitCode::kIoError);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void AddInitCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<InitFlags>();
  CLI::App* command = AddCommand(
      app, "init", "Create a store, optionally with an initial state",
      "Creates a store in DIR, which must not hold one already. The\n"
      "state starts as {} or, with --from, as the JSON value in FILE\n"
      "(any value), checked before anything is created.\n"
      "Prints {\"created\":DIR,\"seq\":N}.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  CLI::Option* from =
      command
          ->add_option("--from", flags->from,
                       "Initial state: a file holding one JSON value, or - "
                       "for stdin")
          ->option_text("FILE");
  command->callback([run, flags, from] {
    flags->from_given = from->count() > 0;
    *run = [flags] { return RunInit(*flags); };
  });
}

}  // namespace statelog::cli
