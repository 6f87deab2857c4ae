// cli/maintenance_commands.cc
//
// `statelog verify DIR` (check every snapshot and segment, change nothing)
// and `statelog compact DIR` (fold the journal into a new snapshot).

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/console.h"
#include "cli/exit_codes.h"
#include "cli/store_flags.h"
#include "recovery/verify.h"
#include "statelog/env.h"
#include "statelog/store.h"

namespace statelog::cli {
namespace {

struct VerifyFlags {
  std::string dir;
  bool compact_output = false;
};

bool VerifiedOk(const Json& report) {
  auto it = report.find("ok");
  return it != report.end() && it->is_boolean() && it->get<bool>();
}

size_t CountOf(const Json& report, const char* key) {
  auto it = report.find(key);
  return it != report.end() && it->is_array() ? it->size() : 0;
}

// The journal's last sequence number: "last_seq" at the top level as
// recovery/verify.h documents it, or under "journal" as some versions put it.
uint64_t LastSeqOf(const Json& report) {
  auto journal = report.find("journal");
  const Json& where = report.contains("last_seq") || journal == report.end()
                          ? report
                          : *journal;
  auto it = where.find("last_seq");
  return it != where.end() && it->is_number_unsigned() ? it->get<uint64_t>()
                                                       : 0;
}

// One line for a human: the verdict and what was looked at.
std::string VerifySummary(const Json& report, bool ok) {
  std::string line = absl::StrCat("statelog verify: ", ok ? "ok" : "DAMAGED",
                                  ": ", CountOf(report, "snapshots"),
                                  " snapshot(s), ", CountOf(report, "segments"),
                                  " segment(s), last_seq ", LastSeqOf(report));
  auto problems = report.find("problems");
  if (problems != report.end() && problems->is_array() && !problems->empty()) {
    std::vector<std::string> texts;
    for (const Json& problem : *problems) {
      texts.push_back(
          problem.is_string()
              ? problem.get<std::string>()
              : problem.dump(-1, ' ', false, Json::error_handler_t::replace));
    }
    absl::StrAppend(&line, "; problems: ", absl::StrJoin(texts, "; "));
  }
  auto warnings = report.find("warnings");
  if (warnings != report.end() && warnings->is_array() && !warnings->empty()) {
    std::vector<std::string> texts;
    for (const Json& warning : *warnings) {
      if (warning.is_string()) texts.push_back(warning.get<std::string>());
    }
    absl::StrAppend(&line, "; warnings: ", absl::StrJoin(texts, "; "));
  }
  // Not a problem of the store, but what a reader of its history must know.
  auto notes = report.find("quarantine_notes");
  if (notes != report.end() && notes->is_array()) {
    std::vector<std::string> interrupted;
    for (const Json& note : *notes) {
      if (note.is_object() && !note.value("complete", true)) {
        interrupted.push_back(note.value("file", std::string("?")));
      }
    }
    if (!interrupted.empty()) {
      absl::StrAppend(&line, "; an interrupted recovery left its findings in ",
                      absl::StrJoin(interrupted, ", "));
    }
  }
  return line + "\n";
}

int RunVerify(const VerifyFlags& flags) {
  absl::StatusOr<Json> report =
      internal::VerifyStore(flags.dir, Env::Default());
  if (!report.ok()) return FailOpen("verify", report.status());
  const bool ok = VerifiedOk(*report);
  absl::Status printed =
      flags.compact_output ? PrintJsonLine(*report) : PrintJsonPretty(*report);
  if (!printed.ok()) return Fail("verify", printed, ExitCode::kIoError);
  std::fputs(VerifySummary(*report, ok).c_str(), stderr);
  return static_cast<int>(ok ? ExitCode::kOk : ExitCode::kCorruption);
}

struct CompactFlags {
  std::string dir;
  RecoveryMode recovery_mode = RecoveryMode::kTolerateTornTail;
  double wait_seconds = 0;
};

int RunCompact(const CompactFlags& flags) {
  Options options;
  options.recovery_mode = flags.recovery_mode;
  absl::StatusOr<OpenResult> opened =
      OpenWaitingForLock(flags.dir, options, flags.wait_seconds);
  if (!opened.ok()) return FailOpen("compact", opened.status());
  NoteRecovery("compact", opened->report);
  Store& store = *opened->store;
  absl::Status compacted = store.Compact();
  if (!compacted.ok()) {
    return Fail("compact", compacted, ExitCodeForOperationError(compacted));
  }
  // A read-only open (no lock needed; we still hold it, so nothing changes
  // meanwhile) names the snapshot recovery now starts from.
  Options read_only;
  read_only.read_only = true;
  absl::StatusOr<OpenResult> check = Store::Open(flags.dir, read_only);
  if (!check.ok()) return FailOpen("compact", check.status());
  absl::Status printed = PrintJsonLine(
      {{"seq", store.LastSeq()},
       {"snapshot", check->report.snapshot_used},
       {"snapshot_seq", check->report.snapshot_seq},
       {"records_after_snapshot", check->report.records_replayed}});
  if (!printed.ok()) return Fail("compact", printed, ExitCode::kIoError);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

void AddVerifyCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* command = AddCommand(
      app, "verify", "Check every snapshot and journal segment",
      "Reads the whole store without changing anything or taking the\n"
      "lock. Prints a JSON report (indented unless --compact) and a\n"
      "one-line verdict on stderr. Exits 3 if anything is damaged, a\n"
      "torn tail included.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  command->add_flag("--compact", flags->compact_output,
                    "Print the report on one line");
  command->callback(
      [run, flags] { *run = [flags] { return RunVerify(*flags); }; });
}

void AddCompactCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<CompactFlags>();
  CLI::App* command = AddCommand(
      app, "compact", "Fold the journal into a new snapshot",
      "Writes a snapshot of the current state, then drops the snapshots\n"
      "and journal segments no longer needed. Needs the lock. Prints\n"
      "{\"seq\":N,\"snapshot\":FILE,\"snapshot_seq\":N,...}.\n");
  command->add_option("DIR", flags->dir, "Store directory")->required();
  AddRecoveryModeFlag(command, &flags->recovery_mode);
  AddWaitFlag(command, &flags->wait_seconds);
  command->callback(
      [run, flags] { *run = [flags] { return RunCompact(*flags); }; });
}

}  // namespace statelog::cli
