// cli/exit_codes.h
//
// The `statelog` command's exit codes and the mapping from library errors to
// them. The codes are part of the command's interface (docs/cli.md): scripts
// branch on them, so a code never changes meaning.

#ifndef STATELOG_CLI_EXIT_CODES_H_
#define STATELOG_CLI_EXIT_CODES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace statelog::cli {

enum class ExitCode : int {
  kOk = 0,
  // Bad command line, unreadable or invalid input, a transaction that does
  // not apply (failed `test`, missing path), a failed demo check.
  kUsage = 1,
  kStoreNotFound = 2,
  // Checksum or framing damage, or `verify` found a problem.
  kCorruption = 3,
  kLocked = 4,
  // Everything else: I/O errors, permissions, a full disk, symlinks.
  kIoError = 5,
};

// The text `statelog --help` and docs/cli.md show for the codes above.
extern const char kExitCodeHelp[];

// Whether `status` (from `Store::Open`) says another process holds the
// store's lock: FailedPrecondition mentioning "locked".
bool IsLockedError(const absl::Status& status);

// Exit code for an error from `Store::Open`: NotFound is a missing store,
// FailedPrecondition mentioning "locked" a held lock, AlreadyExists and
// InvalidArgument bad usage.
ExitCode ExitCodeForOpenError(const absl::Status& status);

// Exit code for an error from an operation on an open store or on input:
// InvalidArgument, NotFound and Aborted are the caller's input.
ExitCode ExitCodeForOperationError(const absl::Status& status);

// Prints "statelog <command>: <status>" on stderr and returns `code` as an
// int, for `return Fail(...)` in a command.
int Fail(absl::string_view command, const absl::Status& status, ExitCode code);

// Fail() for an error from `Store::Open`, with ExitCodeForOpenError's code.
// For DataLoss (except in verify) the line ends with what the command line
// offers: verify, and --recovery-mode point-in-time for mid-log damage.
int FailOpen(absl::string_view command, const absl::Status& status);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_EXIT_CODES_H_
