// cli/exit_codes.cc
//
// Maps absl::Status codes onto the command's documented exit codes.

#include "cli/exit_codes.h"

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace statelog::cli {

const char kExitCodeHelp[] =
    "Exit codes:\n"
    "  0  success\n"
    "  1  usage error or invalid input (bad JSON, a failed test op, a missing\n"
    "     path, a store that already exists, a failed demo check)\n"
    "  2  store not found\n"
    "  3  corruption found (damaged journal or snapshot; verify not ok)\n"
    "  4  store locked by another process\n"
    "  5  I/O or other system error\n";

bool IsLockedError(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) &&
         absl::StrContains(status.message(), "locked");
}

ExitCode ExitCodeForOpenError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return ExitCode::kOk;
    case absl::StatusCode::kNotFound:
      return ExitCode::kStoreNotFound;
    case absl::StatusCode::kDataLoss:
      return ExitCode::kCorruption;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kInvalidArgument:
      return ExitCode::kUsage;
    case absl::StatusCode::kFailedPrecondition:
      // The same code covers a symlinked store path, which is an I/O-level
      // refusal, not contention.
      return IsLockedError(status) ? ExitCode::kLocked : ExitCode::kIoError;
    default:
      return ExitCode::kIoError;
  }
}

ExitCode ExitCodeForOperationError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return ExitCode::kOk;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kOutOfRange:
      return ExitCode::kUsage;
    case absl::StatusCode::kDataLoss:
      return ExitCode::kCorruption;
    default:
      return ExitCode::kIoError;
  }
}

int Fail(absl::string_view command, const absl::Status& status, ExitCode code) {
  // One line whatever the message quotes: pointers, keys and file names
  // come from the user and may hold newlines or terminal escapes.
  std::string line = absl::StrCat("statelog ", command, ": ");
  for (const char c : status.ToString()) {
    const unsigned char byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\r') {
      line += "\\r";
    } else if (c == '\t') {
      line += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      absl::StrAppend(&line, "\\x", absl::Hex(byte, absl::kZeroPad2));
    } else {
      line.push_back(c);
    }
  }
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
  return static_cast<int>(code);
}

int FailOpen(absl::string_view command, const absl::Status& status) {
  if (status.code() != absl::StatusCode::kDataLoss || command == "verify") {
    return Fail(command, status, ExitCodeForOpenError(status));
  }
  // Damage: what the command line offers, on the same line. Where the
  // library's message names its option for point-in-time recovery, the
  // command's flag takes the option's place.
  std::string message(status.message());
  const std::string hint = "; `statelog verify DIR` describes the damage";
  const std::pair<std::string, std::string> flags[] = {
      {"Open with RecoveryMode::kPointInTime",
       "Run with `--recovery-mode point-in-time`"},
      {"open with RecoveryMode::kTolerateTornTail (the default)",
       "run without `--recovery-mode strict`"},
  };
  for (const auto& [library_hint, flag] : flags) {
    if (const size_t at = message.find(library_hint); at != std::string::npos) {
      message.replace(at, library_hint.size(), flag);
    }
  }
  if (absl::EndsWith(message, ".")) message.pop_back();  // the hint follows
  return Fail(command, absl::Status(status.code(), absl::StrCat(message, hint)),
              ExitCodeForOpenError(status));
}

}  // namespace statelog::cli
