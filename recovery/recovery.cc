// recovery/recovery.cc

#include "recovery/recovery.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "io/atomic_file.h"
#include "io/errno_status.h"
#include "journal/format.h"
#include "recovery/damage.h"
#include "recovery/quarantine.h"
#include "util/file_names.h"
#include "util/json_util.h"
#include "util/kill_point.h"
#include "util/printable.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// Unpublished files (snapshot, segment or small-file temps) hold nothing
// that was acknowledged; they are removed so they cannot be mistaken later.
absl::Status RemoveTempFiles(Env* env, const std::string& dir,
                             RecoveryReport* report) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> names, env->ListDir(dir));
  bool removed = false;
  for (const std::string& name : names) {
    if (!IsTempFileName(name)) continue;
    STATELOG_RETURN_IF_ERROR(env->RemoveFile(JoinPath(dir, name)));
    report->removed_temp_files.push_back(Printable(name));
    removed = true;
    KillPoint("recovery.temp-removed");
  }
  if (removed) STATELOG_RETURN_IF_ERROR(env->SyncDir(dir));
  return absl::OkStatus();
}

// The header of snapshot `name` and, with `parse_state`, its verified and
// parsed state.
absl::StatusOr<SnapshotHeader> ReadForRecovery(Env* env, const std::string& dir,
                                               const std::string& store_id,
                                               const SnapshotName& name,
                                               bool parse_state,
                                               TextState* state) {
  if (!parse_state) return ReadSnapshotHeader(env, dir, name.file, store_id);
  STATELOG_ASSIGN_OR_RETURN(VerifiedSnapshot snap,
                            ReadSnapshot(env, dir, name.file, store_id));
  // Checked whole (the same checks and messages as parsing it), indexed,
  // and parsed member by member as they are used.
  STATELOG_ASSIGN_OR_RETURN(
      *state, TextState::FromContents(std::move(snap.contents), snap.state_json,
                                      name.file));
  return snap.header;
}

// Loads the newest snapshot that verifies and parses; records every attempt.
// Without `parse_state` (a lazy open) its state is not read: only what
// ReadSnapshotHeader checks. Older snapshots are checked that way too:
// retention needs to know which of them could serve as a fallback, and
// whichever one is used later is verified in full then.
absl::Status LoadSnapshot(Env* env, const std::string& dir,
                          const std::string& store_id, bool parse_state,
                          RecoveredState* out) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<SnapshotName> names,
                            ListSnapshots(env, dir));
  for (const SnapshotName& name : names) {
    if (!out->report.snapshot_used.empty()) {
      if (ReadSnapshotHeader(env, dir, name.file, store_id).ok()) {
        out->verified_snapshots.push_back(name);
      }
      continue;
    }
    SnapshotAttempt attempt;
    attempt.file = name.file;
    attempt.seq = name.seq;
    TextState state;
    absl::StatusOr<SnapshotHeader> snap =
        ReadForRecovery(env, dir, store_id, name, parse_state, &state);
    // A file that could not be read is not damage: passing it over would
    // hide a permission or disk problem behind an older state. Nor is one
    // a newer statelog wrote, which this build must not build on (nor
    // retention later quarantine as damaged).
    if (CouldNotRead(snap.status()) || IsNewerFormat(snap.status())) {
      return snap.status();
    }
    if (!snap.ok()) {
      attempt.error = std::string(snap.status().message());
      out->report.snapshots_tried.push_back(std::move(attempt));
      continue;
    }
    attempt.used = true;
    out->report.snapshot_used = name.file;
    out->report.snapshot_seq = snap->seq;
    out->state = std::move(state);
    out->last_seq = snap->seq;
    out->last_chain = snap->chain;
    out->schema_version = snap->schema_version;
    out->report.snapshots_tried.push_back(std::move(attempt));
    out->verified_snapshots.push_back(name);
  }
  if (out->report.snapshot_used.empty()) {
    std::string tried;
    for (const SnapshotAttempt& a : out->report.snapshots_tried) {
      absl::StrAppend(&tried, "; ", DescribeAttempt(a));
    }
    return absl::DataLossError(absl::StrCat(
        "no snapshot in ", dir, " verifies (", names.size(), " found)", tried));
  }
  return absl::OkStatus();
}

// Whether a report (in its JSON form) tells of anything beyond a clean
// open: creation, damage, quarantine, removed temp files, a snapshot passed
// over. A report that does not parse counts as eventful.
bool Eventful(const Json& report) {
  auto nonempty = [&](const char* key) {
    auto it = report.find(key);
    if (it == report.end()) return true;
    if (it->is_string()) return !it->get_ref<const std::string&>().empty();
    return !it->is_array() || !it->empty();
  };
  auto tried = report.find("snapshots_tried");
  bool passed_over = tried == report.end() || !tried->is_array();
  if (!passed_over) {
    for (const Json& attempt : *tried) {
      passed_over =
          passed_over || !attempt.is_object() || attempt.contains("error");
    }
  }
  return !report.is_object() || report.value("created", true) ||
         report.value("records_lost", uint64_t{1}) != 0 || nonempty("damage") ||
         nonempty("covered_damage") || nonempty("quarantined") ||
         nonempty("removed_temp_files") || passed_over;
}

}  // namespace

std::string DescribeAttempt(const SnapshotAttempt& attempt) {
  return absl::StartsWith(attempt.error, attempt.file)
             ? attempt.error
             : absl::StrCat(attempt.file, ": ", attempt.error);
}

bool AnyPassedOver(const std::vector<SnapshotAttempt>& attempts) {
  return std::any_of(attempts.begin(), attempts.end(),
                     [](const SnapshotAttempt& a) { return !a.error.empty(); });
}

// The report is rewritten unless both it and the one on disk tell of a
// clean open: then the file stays as it is, and a clean open costs no
// file fsync for it (docs/recovery.md, step 6). Either way the directory
// is fsynced: the process that crashed may have renamed a segment or
// snapshot into place without its directory fsync, and the records
// acknowledged after this recovery must not depend on an entry a power cut
// could still take away (a crash test found this once the report stopped
// being written every time).
absl::Status WriteReport(Env* env, const std::string& dir,
                         const RecoveryReport& report) {
  const Json json = report.ToJson();
  if (!Eventful(json)) {
    absl::StatusOr<std::string> old =
        ReadFileToString(env, JoinPath(dir, kReportFileName));
    absl::StatusOr<Json> previous =
        old.ok() ? ParseJson(*old, kReportFileName) : old.status();
    if (previous.ok() && !Eventful(*previous)) return env->SyncDir(dir);
  }
  STATELOG_ASSIGN_OR_RETURN(std::string text, DumpJson(json));
  return WriteFileAtomically(env, dir, kReportFileName, {text, "\n"});
}

absl::StatusOr<RecoveredState> Recover(Env* env, const std::string& dir,
                                       const std::string& store_id,
                                       const Options& options, bool created) {
  RecoveredState out;
  RecoveryReport& report = out.report;
  report.created = created;
  report.started_at = absl::Now();
  // The wall clock may step meanwhile; the time taken is the monotonic one.
  const auto started = std::chrono::steady_clock::now();
  report.mode = options.recovery_mode;
  report.read_only = options.read_only;

  if (!options.read_only) {
    STATELOG_RETURN_IF_ERROR(RemoveTempFiles(env, dir, &report));
  }
  out.state_loaded = !options.load_state_lazily;
  STATELOG_RETURN_IF_ERROR(
      LoadSnapshot(env, dir, store_id, out.state_loaded, &out));

  const uint64_t snapshot_seq = out.last_seq;
  uint64_t replayed = 0;
  absl::StatusOr<JournalReadResult> journal = ReadJournal(
      env, dir, store_id, out.last_seq, out.last_chain, kMaxRecordPayloadBytes,
      [&](const RecordHeader&, absl::string_view payload) {
        ++replayed;
        if (!out.state_loaded) {
          return CheckRecordPayload(payload);
        }
        return ApplyRecordPayload(payload, &out.state);
      });
  if (!journal.ok() &&
      absl::StrContains(journal.status().message(), kContradictsTheSnapshot)) {
    return absl::DataLossError(absl::StrCat(
        journal.status().message(), " (", report.snapshot_used,
        "): the two are not one history (a file from a copy of the store "
        "that went its own way?). Nothing was changed. Moving that "
        "snapshot out of the store lets an open start from an older one"));
  }
  STATELOG_ASSIGN_OR_RETURN(out.journal, std::move(journal));
  out.last_seq = out.journal.last_seq;
  out.last_chain = out.journal.last_chain;
  report.segments_read = out.journal.segments_read;
  report.records_replayed = replayed;
  report.records_skipped = out.journal.records_skipped;
  report.last_seq = out.last_seq;
  report.covered_damage = out.journal.covered_damage;

  if (!out.journal.covered_damage.empty() &&
      options.recovery_mode != RecoveryMode::kPointInTime) {
    // The state is whole, but the journal is damaged: said, not skipped.
    return absl::DataLossError(absl::StrCat(
        dir, ": mid-log corruption at ", out.journal.covered_damage,
        ", in records the snapshot at seq ", snapshot_seq,
        " covers. Nothing was changed. Open with RecoveryMode::kPointInTime "
        "to read past it: every record after the snapshot is kept."));
  }
  if (!out.journal.covered_damage.empty() && !options.read_only) {
    STATELOG_RETURN_IF_ERROR(KeepCoveredDamage(env, dir, &out));
  }
  if (!out.journal.damage && out.journal.journal_next_seq <= snapshot_seq) {
    STATELOG_RETURN_IF_ERROR(
        HandleShortJournal(env, dir, options, snapshot_seq, &out));
  }
  if (out.journal.damage) {
    STATELOG_RETURN_IF_ERROR(HandleDamage(env, dir, options, &out));
  }
  report.elapsed = absl::FromChrono(std::chrono::steady_clock::now() - started);
  if (!options.read_only) {
    if (!out.quarantine_note.empty()) {
      STATELOG_RETURN_IF_ERROR(WriteQuarantineNote(env, dir, report,
                                                   /*complete=*/true,
                                                   out.quarantine_note)
                                   .status());
    }
    STATELOG_RETURN_IF_ERROR(WriteReport(env, dir, report));
  }
  return out;
}

}  // namespace statelog::internal
