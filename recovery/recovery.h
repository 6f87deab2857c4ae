// recovery/recovery.h
//
// Brings a store directory back to a consistent state: picks the newest
// snapshot that verifies (falling back to older ones), replays the journal
// after it, and deals with damage according to the recovery mode (torn tail
// quarantined and truncated, mid-log corruption refused). Idempotent: a
// crash at any point of recovery leaves a directory that recovers to the
// same state. See docs/recovery.md.

#ifndef STATELOG_RECOVERY_RECOVERY_H_
#define STATELOG_RECOVERY_RECOVERY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "journal/journal_reader.h"
#include "snapshot/snapshot_file.h"
#include "statelog/env.h"
#include "statelog/options.h"
#include "statelog/recovery_report.h"
#include "statelog/transaction.h"
#include "store/text_state.h"

namespace statelog::internal {

struct RecoveredState {
  // Members stay as snapshot text until used (see store/text_state.h);
  // null unless state_loaded.
  TextState state;
  bool state_loaded = true;
  uint64_t last_seq = 0;
  uint64_t last_chain = 0;
  int64_t schema_version = 0;
  // The snapshot used and the older ones whose header and size check out
  // (newest first; their state is verified only if one is used), for
  // retention and as fallbacks when a lazily opened store builds its state.
  std::vector<SnapshotName> verified_snapshots;
  // Where the journal continues (see JournalReadResult).
  JournalReadResult journal;
  RecoveryReport report;
  // The report this recovery left in quarantine/ before it changed the
  // journal (WriteQuarantineNote); empty if it changed nothing there.
  std::string quarantine_note;
};

// Recovers `dir`, whose identity is `store_id`. With `options.read_only`
// nothing in the directory changes: damage that would be quarantined is only
// reported. Writes the report to recovery-report.json otherwise (unless it
// and the report already there both tell of a clean open; `created` says
// whether Open has just created the store). With
// `options.load_state_lazily` the journal records are checked and parsed
// but not applied, and `state` stays null.
absl::StatusOr<RecoveredState> Recover(Env* env, const std::string& dir,
                                       const std::string& store_id,
                                       const Options& options,
                                       bool created = false);

// "<file>: <error>" for a snapshot passed over, the file named once (most
// snapshot errors start with its name). Shared by every message that
// names one: recovery's, the history readers', the CLI's notes.
std::string DescribeAttempt(const SnapshotAttempt& attempt);

// Whether any of `attempts` was passed over (has an error).
bool AnyPassedOver(const std::vector<SnapshotAttempt>& attempts);

// Writes `report` to recovery-report.json in `dir` (see Recover for when a
// clean open leaves the file as it is).
absl::Status WriteReport(Env* env, const std::string& dir,
                         const RecoveryReport& report);

// Record payloads (recovery/record_payload.cc).
//
// Parses a transaction record's payload: InvalidArgument unless it is a
// transaction of at least one operation, as Transaction::FromJson checks.
absl::StatusOr<Transaction> DecodeRecordPayload(absl::string_view payload);
// Whether `payload` decodes (DecodeRecordPayload's status), for readers that
// check records without applying them (verify, a lazy open). The decoded
// values are dropped without allocating (ReleaseWithoutAllocating): a
// record that fills what memory is left would otherwise end the process
// when dropped.
absl::Status CheckRecordPayload(absl::string_view payload);

// What replaying a record returns when the record does not apply: DataLoss
// carrying `applied`'s message (OK stays OK).
absl::Status ReplayFailure(const absl::Status& applied);

// Parses a transaction record's payload and applies it to `*state`.
absl::Status ApplyRecordPayload(absl::string_view payload, Json* state);
// Applies a record DecodeRecordPayload gave, as ApplyRecordPayload does
// (its values move into the state).
absl::Status ApplyDecodedRecord(Transaction* txn, Json* state);
// The same on a state whose members may still be text.
absl::Status ApplyRecordPayload(absl::string_view payload, TextState* state);

}  // namespace statelog::internal

#endif  // STATELOG_RECOVERY_RECOVERY_H_
