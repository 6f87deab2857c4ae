// statelog/recovery_report.h
//
// What recovery found and did, returned by `Store::Open`. A read-write open
// also writes it to `recovery-report.json` in the store directory when it
// found or did something, and on the first clean open after that
// (docs/recovery.md); read-only opens never write it.

#ifndef STATELOG_RECOVERY_REPORT_H_
#define STATELOG_RECOVERY_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "statelog/options.h"

namespace statelog {

struct SnapshotAttempt {
  std::string file;  // name inside the store directory
  uint64_t seq = 0;  // sequence number the snapshot covers
  bool used = false;
  std::string error;  // why it was passed over; empty if used or not tried
};

struct QuarantineEntry {
  std::string file;     // path relative to the store directory
  std::string source;   // segment or snapshot the bytes came from
  uint64_t offset = 0;  // offset in `source` of the first quarantined byte
  uint64_t bytes = 0;
  std::string reason;
};

struct RecoveryReport {
  RecoveryMode mode = RecoveryMode::kTolerateTornTail;
  bool read_only = false;
  bool created = false;  // the store was created by this Open

  std::string snapshot_used;  // file name; empty if none verified
  uint64_t snapshot_seq = 0;
  std::vector<SnapshotAttempt> snapshots_tried;  // newest first

  // Of the open. With Options::load_state_lazily the open checks and
  // parses the records after the snapshot without applying them (they are
  // counted in records_replayed all the same), and a later fallback to an
  // older snapshot updates the counts of records, not segments_read.
  uint64_t segments_read = 0;
  uint64_t records_replayed = 0;  // applied on top of the snapshot
  uint64_t records_skipped = 0;   // already covered by the snapshot
  uint64_t last_seq = 0;          // the recovered state is after this record

  // Damage found: empty if the journal ended cleanly.
  std::string damage;
  // Damage in records the snapshot already covers, which the journal was
  // read past (the state needs none of them); empty if none. Its bytes
  // stay where they are, and `statelog verify` reports them until
  // retention drops their segment.
  std::string covered_damage;
  // kPointInTime: valid records found after the damage and not replayed.
  uint64_t records_lost = 0;
  std::vector<QuarantineEntry> quarantined;
  // Leftover temporary files (unpublished snapshots, unfinished segments)
  // that were removed.
  std::vector<std::string> removed_temp_files;

  absl::Time started_at;
  absl::Duration elapsed;

  nlohmann::json ToJson() const;
};

const char* RecoveryModeName(RecoveryMode mode);

}  // namespace statelog

#endif  // STATELOG_RECOVERY_REPORT_H_
