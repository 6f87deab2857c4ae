// cli/console.cc
//
// stdio-based input and output for the commands. stdio, not iostreams, so
// that every line written is flushed with one call and stdin is never read
// past the current line.

#include "cli/console.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "io/errno_status.h"
#include "recovery/recovery.h"
#include "util/json_util.h"

namespace statelog::cli {

using internal::ErrnoStatus;

namespace {

// fopen of `path` for reading; a directory (which fopen opens, and whose
// read then fails) is InvalidArgument, like any input that is no file.
absl::StatusOr<std::FILE*> OpenInputFile(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "re");
  if (file == nullptr) return ErrnoStatus(errno, path);
  struct stat info;
  if (fstat(fileno(file), &info) == 0 && S_ISDIR(info.st_mode)) {
    std::fclose(file);
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is a directory, not an input file"));
  }
  return file;
}

}  // namespace

absl::StatusOr<std::string> ReadInput(const std::string& path) {
  std::FILE* file = stdin;
  if (path != "-") {
    absl::StatusOr<std::FILE*> opened = OpenInputFile(path);
    if (!opened.ok()) return opened.status();
    file = *opened;
  }
  std::string text;
  char chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), file)) > 0) {
    text.append(chunk, n);
  }
  int err = std::ferror(file) ? errno : 0;
  if (file != stdin) std::fclose(file);
  if (err != 0) return ErrnoStatus(err, InputName(path));
  return text;
}

LineReader::~LineReader() {
  std::free(buffer_);
  if (owns_file_) std::fclose(file_);
}

absl::Status LineReader::Open(const std::string& path) {
  path_ = InputName(path);
  if (path == "-") {
    file_ = stdin;
    return absl::OkStatus();
  }
  absl::StatusOr<std::FILE*> opened = OpenInputFile(path);
  if (!opened.ok()) return opened.status();
  file_ = *opened;
  owns_file_ = true;
  return absl::OkStatus();
}

bool LineReader::Next(std::string* line) {
  if (file_ == nullptr || !status_.ok()) return false;
  errno = 0;
  ssize_t n = getline(&buffer_, &capacity_, file_);
  if (n < 0) {
    if (std::ferror(file_)) status_ = ErrnoStatus(errno, path_);
    return false;
  }
  ++line_number_;
  size_t size = static_cast<size_t>(n);
  if (size > 0 && buffer_[size - 1] == '\n') --size;
  if (size > 0 && buffer_[size - 1] == '\r') --size;
  line->assign(buffer_, size);
  return true;
}

std::string PassedOver(
    const std::vector<SnapshotAttempt>& attempts, const std::string& used,
    const std::function<bool(const SnapshotAttempt&)>& include) {
  std::string line;
  for (const SnapshotAttempt& attempt : attempts) {
    if (attempt.error.empty() || !include(attempt)) continue;
    absl::StrAppend(&line, line.empty() ? "" : "; ", "passed over ",
                    internal::DescribeAttempt(attempt));
  }
  if (!line.empty() && !used.empty()) {
    absl::StrAppend(&line, "; the state was built from ", used,
                    " and the journal after it");
  }
  return line;
}

void NoteRecovery(absl::string_view command, const RecoveryReport& report) {
  uint64_t quarantined = 0;
  for (const QuarantineEntry& entry : report.quarantined) {
    quarantined += entry.bytes;
  }
  const std::string passed_over =
      PassedOver(report.snapshots_tried, report.snapshot_used,
                 [](const SnapshotAttempt&) { return true; });
  if (report.damage.empty() && report.covered_damage.empty() &&
      quarantined == 0 && passed_over.empty()) {
    return;
  }
  std::string line = absl::StrCat("statelog ", command, ": recovery: ",
                                  report.damage.empty() ? "no damage in the "
                                                          "journal"
                                                        : report.damage);
  if (!report.covered_damage.empty()) {
    absl::StrAppend(&line, "; read past damage the snapshot covers: ",
                    report.covered_damage);
  }
  if (quarantined > 0) {
    // A read-only open changes nothing; its report says what a writer
    // does. Kept, not moved: damage the snapshot covers is copied.
    absl::StrAppend(&line, "; ", quarantined, " byte(s) ",
                    report.read_only ? "would be kept" : "kept",
                    " in quarantine/");
  }
  if (report.records_lost > 0) {
    absl::StrAppend(&line, "; ", report.records_lost,
                    " record(s) after the damage not replayed");
  }
  if (!report.covered_damage.empty()) {
    absl::StrAppend(&line, "; damage the snapshot covers, read past: ",
                    report.covered_damage);
  }
  if (!passed_over.empty()) absl::StrAppend(&line, "; ", passed_over);
  line += "\n";
  std::fputs(line.c_str(), stderr);
}

void NoteLateFallback(absl::string_view command, const RecoveryReport& at_open,
                      const RecoveryReport& now) {
  // Not when no snapshot served: the command's error names them all.
  if (now.snapshot_used.empty()) return;
  auto new_since_open = [&](const SnapshotAttempt& attempt) {
    for (const SnapshotAttempt& known : at_open.snapshots_tried) {
      if (known.file == attempt.file && !known.error.empty()) return false;
    }
    return true;
  };
  const std::string line =
      PassedOver(now.snapshots_tried, now.snapshot_used, new_since_open);
  if (line.empty()) return;
  std::fputs(
      absl::StrCat("statelog ", command, ": building the state: ", line, "\n")
          .c_str(),
      stderr);
}

// A write of more than stdio's buffer goes straight to the file and fails
// in fwrite, not in the flush, so both are checked, and the stream's error
// flag after them.
absl::Status WriteStdout(const std::string& text) {
  errno = 0;
  const size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
  const bool flushed = std::fflush(stdout) == 0;
  if (written != text.size() || !flushed || std::ferror(stdout)) {
    return absl::InternalError(
        absl::StrCat("writing to stdout: ",
                     errno != 0 ? std::strerror(errno) : "short write"));
  }
  return absl::OkStatus();
}

absl::Status PrintJsonLine(const Json& value) {
  absl::StatusOr<std::string> text = internal::DumpJson(value);
  if (!text.ok()) return text.status();
  text->push_back('\n');
  return WriteStdout(*text);
}

absl::Status PrintJsonPretty(const Json& value) {
  std::string text = PrettyJson(value);
  text.push_back('\n');
  return WriteStdout(text);
}

std::string PrettyJson(const Json& value) {
  return value.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace statelog::cli
