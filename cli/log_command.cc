// cli/log_command.cc
//
// `statelog log DIR [--from SEQ] [--to SEQ] [--path POINTER]`: lists the
// records the journal holds, one JSON line each, with where each one sits;
// with --path, only those that changed the value there, with the value
// before and after. Read-only, no lock (statelog/history.h).

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "statelog/env.h"
#include "statelog/history.h"
#include "util/json_util.h"

namespace statelog::cli {
namespace {

struct LogFlags {
  std::string dir;
  uint64_t from = 0;
  uint64_t to = std::numeric_limits<uint64_t>::max();
  std::string path;
  bool has_path = false;
};

// {"seq":N,"segment":"...","offset":N,"ops":[...]} and, with --path,
// "before" and "after" where there was a value.
absl::StatusOr<std::string> RecordLine(const HistoryRecord& record) {
  absl::StatusOr<std::string> ops = internal::DumpJson(record.txn.ToJson());
  if (!ops.ok()) return ops.status();
  std::string line = absl::StrCat("{\"seq\":", record.seq, ",\"segment\":");
  internal::AppendJsonString(record.segment, &line);
  // `ops` is {"ops":[...]}: its members go on after ours.
  absl::StrAppend(&line, ",\"offset\":", record.offset, ",",
                  absl::string_view(*ops).substr(1, ops->size() - 2));
  for (const auto& [name, value] :
       {std::pair<const char*, const std::optional<Json>*>{"before",
                                                           &record.before},
        {"after", &record.after}}) {
    if (!value->has_value()) continue;
    absl::StatusOr<std::string> text = internal::DumpJson(**value);
    if (!text.ok()) return text.status();
    absl::StrAppend(&line, ",\"", name, "\":", *text);
  }
  line += "}\n";
  return line;
}

void Note(const std::string& text) {
  std::fputs(absl::StrCat("statelog log: ", text, "\n").c_str(), stderr);
}

int RunLog(const LogFlags& flags) {
  if (flags.from > flags.to) {
    return Fail("log",
                absl::InvalidArgumentError(absl::StrCat(
                    "--from ", flags.from, " is after --to ", flags.to)),
                ExitCode::kUsage);
  }
  HistoryRequest request;
  request.from_seq = flags.from;
  request.to_seq = flags.to;
  if (flags.has_path) request.pointer = flags.path;
  absl::Status printed;
  absl::StatusOr<HistoryEnd> end = ReadHistory(
      flags.dir, request, [&](const HistoryRecord& record) -> absl::Status {
        absl::StatusOr<std::string> line = RecordLine(record);
        if (!line.ok()) return line.status();
        printed = WriteStdout(*line);
        return printed;
      });
  if (!printed.ok()) return Fail("log", printed, ExitCode::kIoError);
  if (!end.ok()) {
    return Fail("log", end.status(),
                absl::IsInvalidArgument(end.status())
                    ? ExitCode::kUsage
                    : ExitCodeForOpenError(end.status()));
  }
  const std::string passed_over =
      PassedOver(end->passed_over, end->base_snapshot);
  if (!passed_over.empty()) Note(passed_over);
  if (flags.has_path && end->base_seq > 0 && end->base_seq >= flags.from) {
    Note(absl::StrCat("changes are traced from ", end->base_snapshot, " (seq ",
                      end->base_seq,
                      "), the oldest snapshot the journal reaches that "
                      "verifies: records at or before it are not shown"));
  }
  if (!end->covered_damage.empty()) {
    Note(absl::StrCat("read past damage in records ", end->base_snapshot,
                      " covers: ", end->covered_damage));
  }
  if (!end->torn_tail.empty()) {
    Note(absl::StrCat("not listed: a torn tail at ", end->torn_tail,
                      " (a record a crash left half written, never "
                      "acknowledged, or one being written now)"));
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void AddLogCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<LogFlags>();
  CLI::App* command = AddCommand(
      app, "log", "List the journal's records, or those that changed a value",
      "Prints one JSON line per record the journal holds, oldest first:\n"
      "  {\"seq\":N,\"segment\":\"wal-....log\",\"offset\":N,\"ops\":[...]}\n"
      "where ops is the transaction as the journal keeps it. With --path,\n"
      "only the records that changed the value at POINTER (or anything\n"
      "inside it), each with \"before\" and \"after\": the value there\n"
      "before and after the record, left out where there was none. The\n"
      "state is rebuilt from the oldest snapshot kept, so --path starts\n"
      "after it. Read-only, no lock: works beside a writer. A torn tail is\n"
      "not listed (said on stderr); damage in the middle of the journal\n"
      "stops the listing there and exits 3.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_option("--from", flags->from, "First seq to list (default: all)")
      ->transform(DecimalSeq());
  command->add_option("--to", flags->to, "Last seq to list (default: all)")
      ->transform(DecimalSeq());
  command->add_option("--path", flags->path,
                      "Only records that changed the value at this JSON "
                      "pointer (\"\" for the whole state)");
  command->callback([run, flags, command] {
    flags->has_path = command->count("--path") > 0;
    *run = [flags] { return RunLog(*flags); };
  });
}

}  // namespace statelog::cli
