// recovery/damage.cc

#include "recovery/damage.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "journal/journal_reader.h"
#include "recovery/quarantine.h"
#include "util/file_names.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// Moves the segment `file` to quarantine/ for `reason`, and reports it;
// a read-only open reports what a read-write one would move.
absl::Status QuarantineSegment(Env* env, const std::string& dir,
                               const Options& options, const std::string& file,
                               const std::string& reason,
                               RecoveryReport* report) {
  if (options.read_only) {
    // The size a read-write open would move (0 if it cannot be read).
    uint64_t bytes = 0;
    absl::StatusOr<std::unique_ptr<File>> opened =
        env->OpenFile(JoinPath(dir, file), Env::OpenMode::kRead);
    if (opened.ok()) bytes = (*opened)->Size().value_or(0);
    report->quarantined.push_back(QuarantineEntry{
        "", file, 0, bytes, reason + " (read-only open: left in place)"});
    return absl::OkStatus();
  }
  STATELOG_ASSIGN_OR_RETURN(QuarantineEntry entry,
                            QuarantineFile(env, dir, file, reason));
  report->quarantined.push_back(std::move(entry));
  return absl::OkStatus();
}

// Does what `planned` lists, for `reason`: a range is copied to quarantine/
// and zeroed, a whole file (bytes 0) moved there. A read-write recovery
// first leaves its note in quarantine/ (WriteQuarantineNote), unless it has
// left one already; a read-only one only reports what it would do.
absl::Status CarryOut(Env* env, const std::string& dir, const Options& options,
                      const std::vector<PlannedQuarantine>& planned,
                      const std::string& reason, RecoveredState* out) {
  RecoveryReport& report = out->report;
  if (!options.read_only && !planned.empty() && out->quarantine_note.empty()) {
    STATELOG_ASSIGN_OR_RETURN(
        out->quarantine_note,
        WriteQuarantineNote(env, dir, report, /*complete=*/false, "", planned));
  }
  for (const PlannedQuarantine& p : planned) {
    if (p.bytes == 0) {
      STATELOG_RETURN_IF_ERROR(
          QuarantineSegment(env, dir, options, p.source, reason, &report));
    } else if (options.read_only) {
      report.quarantined.push_back(
          QuarantineEntry{"", p.source, p.offset, p.bytes,
                          reason + " (read-only open: left in place)"});
    } else {
      STATELOG_ASSIGN_OR_RETURN(QuarantineEntry entry,
                                QuarantineRange(env, dir, p.source, p.offset,
                                                p.offset + p.bytes, reason));
      report.quarantined.push_back(std::move(entry));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status HandleDamage(Env* env, const std::string& dir,
                          const Options& options, RecoveredState* out) {
  const JournalDamage& damage = *out->journal.damage;
  RecoveryReport& report = out->report;
  report.damage = damage.Describe();
  switch (options.recovery_mode) {
    case RecoveryMode::kStrict:
      // What to do instead depends on the damage: a torn tail is what the
      // default mode is for; damage with records after it, point-in-time.
      return absl::DataLossError(absl::StrCat(
          dir, ": journal damaged at ", report.damage,
          " (strict recovery mode allows no damage). Nothing was changed. ",
          damage.durable_after
              ? "Open with RecoveryMode::kPointInTime to keep the state "
                "before the damage (the rest goes to quarantine)"
              : "It is a torn tail: open with RecoveryMode::kTolerateTornTail "
                "(the default) to keep every record before it (its bytes go "
                "to quarantine)"));
    case RecoveryMode::kTolerateTornTail:
      if (damage.durable_after) {
        return absl::DataLossError(absl::StrCat(
            dir, ": mid-log corruption at ", report.damage,
            "; this is not a torn tail, so recovery stops here. Nothing was "
            "changed. Open with RecoveryMode::kPointInTime to keep the state "
            "before the damage (the rest goes to quarantine)"));
      }
      break;
    case RecoveryMode::kPointInTime:
      report.records_lost = damage.records_after;
      break;
  }

  const std::string reason =
      options.recovery_mode == RecoveryMode::kPointInTime
          ? absl::StrCat("point-in-time recovery stopped at ",
                         damage.Describe())
          : absl::StrCat("torn tail: ", damage.Describe());
  const JournalReadResult& journal = out->journal;
  std::vector<PlannedQuarantine> planned;
  if (damage.file == journal.tail_file &&
      journal.tail_dirty_end > damage.offset) {
    planned.push_back(
        {damage.file, damage.offset, journal.tail_dirty_end - damage.offset});
  }
  for (const std::string& file : journal.files_after_damage) {
    planned.push_back({file, 0, 0});
  }
  return CarryOut(env, dir, options, planned, reason, out);
}

// The journal ends before the record the snapshot covers last, which every
// compaction syncs before it publishes the snapshot: segments after the
// journal's end are missing (deleted, or lost with the directory), and with
// them any records after the snapshot. Nothing tells how many there were,
// so only point-in-time recovery goes on, from the snapshot. It moves the
// segments left to quarantine/: every record in them is covered by the
// snapshot, and left in place they would end before the new segment that
// continues the journal from the snapshot, a hole `verify` reports as
// mid-log corruption until retention retired them.
absl::Status HandleShortJournal(Env* env, const std::string& dir,
                                const Options& options, uint64_t snapshot_seq,
                                RecoveredState* out) {
  const uint64_t journal_end = out->journal.journal_next_seq == 0
                                   ? 0
                                   : out->journal.journal_next_seq - 1;
  const std::string what = absl::StrCat(
      out->journal.segments_read == 0
          ? "no journal segment is left"
          : absl::StrCat("the journal ends at seq ", journal_end),
      ", before the snapshot at seq ", snapshot_seq,
      ": segments are missing, and any records after the snapshot with them");
  if (options.recovery_mode != RecoveryMode::kPointInTime) {
    return absl::DataLossError(absl::StrCat(
        dir, ": ", what,
        ". Open with RecoveryMode::kPointInTime to go on from the snapshot"));
  }
  out->report.damage = what;
  STATELOG_ASSIGN_OR_RETURN(std::vector<SegmentFile> segments,
                            ListSegments(env, dir));
  const std::string reason = absl::StrCat(
      "point-in-time recovery: ", what,
      "; every record here is covered by the snapshot, and the journal goes "
      "on from it in a new segment");
  std::vector<PlannedQuarantine> planned;
  for (const SegmentFile& segment : segments) {
    if (segment.first_seq > snapshot_seq) break;
    planned.push_back({segment.name, 0, 0});
  }
  return CarryOut(env, dir, options, planned, reason, out);
}

absl::Status KeepCoveredDamage(Env* env, const std::string& dir,
                               RecoveredState* out) {
  RecoveryReport& report = out->report;
  const JournalReadResult& journal = out->journal;
  STATELOG_ASSIGN_OR_RETURN(
      out->quarantine_note,
      WriteQuarantineNote(env, dir, report, /*complete=*/false, "",
                          {{journal.covered_file, journal.covered_offset,
                            journal.covered_end - journal.covered_offset}}));
  STATELOG_ASSIGN_OR_RETURN(
      QuarantineEntry copy,
      CopyToQuarantine(
          env, dir, journal.covered_file, journal.covered_offset,
          journal.covered_end,
          absl::StrCat("point-in-time recovery read past damage the snapshot "
                       "covers: ",
                       journal.covered_damage,
                       " (a copy: the bytes stay in the segment until "
                       "retention removes it)")));
  report.quarantined.push_back(std::move(copy));
  return absl::OkStatus();
}

}  // namespace statelog::internal
