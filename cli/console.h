// cli/console.h
//
// What the commands read and print: whole input files (or stdin), input read
// line by line, and JSON written to stdout. Every JSON value goes out on
// stdout, and compact output is one value per line; diagnostics go to
// stderr.

#ifndef STATELOG_CLI_CONSOLE_H_
#define STATELOG_CLI_CONSOLE_H_

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/recovery_report.h"
#include "statelog/transaction.h"

namespace statelog::cli {

// How messages name the input `path`: "<stdin>" for "-".
inline std::string InputName(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

// The whole content of `path`, or of stdin if `path` is "-".
// NotFound or PermissionDenied naming the path.
[[nodiscard]] absl::StatusOr<std::string> ReadInput(const std::string& path);

// Reads `path` (or stdin for "-") one line at a time, without reading ahead
// of the line asked for, so a writer on the other end of a pipe sees each
// line handled before it sends the next. Not thread-safe.
class LineReader {
 public:
  LineReader() = default;
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  [[nodiscard]] absl::Status Open(const std::string& path);
  // Stores the next line, without its "\n" or "\r\n", in `*line` and returns
  // true; false at end of input or on a read error (see `status()`).
  bool Next(std::string* line);
  // The 1-based number of the line last returned by `Next`.
  int line_number() const { return line_number_; }
  absl::Status status() const { return status_; }

 private:
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  std::string path_;
  int line_number_ = 0;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
  absl::Status status_;
};

// "passed over FILE: ERROR" for each snapshot in `attempts` with an error
// for which `include` holds, joined by "; ", then where the state came
// from (`used`, if not empty); "" if there is none. The file is named once
// (most snapshot errors start with it).
std::string PassedOver(
    const std::vector<SnapshotAttempt>& attempts, const std::string& used,
    const std::function<bool(const SnapshotAttempt&)>& include =
        [](const SnapshotAttempt&) { return true; });

// If recovery found damage, quarantined bytes or passed over a snapshot,
// says so in one line on stderr ("statelog <command>: recovery: ..."), so a
// repaired crash is never silent. Prints nothing for a clean open.
void NoteRecovery(absl::string_view command, const RecoveryReport& report);

// A store opened with Options::load_state_lazily verifies the newest
// snapshot's state only when it builds the state. If that passed over
// snapshots `at_open` did not, says so in one line on stderr ("statelog
// <command>: building the state: ..."), naming each with its error and the
// snapshot used instead.
void NoteLateFallback(absl::string_view command, const RecoveryReport& at_open,
                      const RecoveryReport& now);

// Writes `text` to stdout and flushes it. Internal, with the system's
// reason, if stdout cannot take it all.
[[nodiscard]] absl::Status WriteStdout(const std::string& text);

// Writes `value` compactly and a newline to stdout, then flushes stdout, so
// a reader of the line sees it at once.
[[nodiscard]] absl::Status PrintJsonLine(const Json& value);

// Writes `value` indented by two spaces and a newline to stdout, flushed.
// Both fail (Internal, with the system's reason) if stdout cannot take it
// all: a full disk, a closed file; the command then exits 5.
[[nodiscard]] absl::Status PrintJsonPretty(const Json& value);

// `value` indented by two spaces, never throwing (invalid UTF-8 is replaced).
std::string PrettyJson(const Json& value);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_CONSOLE_H_
