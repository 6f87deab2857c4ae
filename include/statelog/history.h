// statelog/history.h
//
// Forensics over a store's history: the records its journal still holds,
// where each one sits, which of them changed the value at a pointer, and
// the state as of any sequence number a kept snapshot and the journal
// reach. Read-only and without the lock, like verify: nothing in the
// directory changes, and a writer may be at work beside it.
//
// How far back history goes: a state can be rebuilt from a snapshot and the
// records after it, so the oldest sequence number that can be read is the
// oldest kept snapshot's (retention keeps Options::keep_snapshots of them
// and the segments they need). Records older than that may still be in the
// journal's oldest segment: ReadHistory lists them, but can say what they
// changed only from the oldest snapshot on.
//
// The `statelog log` and `statelog get --at` commands are these two
// functions (docs/cli.md).
//
// Example: what a crashed agent saw at its last step, and who set it.
//
//   auto at = statelog::ReadStateAt("agent.state", 1742);
//   if (at.ok()) Inspect(at->state);
//   statelog::HistoryRequest request;
//   request.pointer = "/agent/plan";
//   statelog::ReadHistory("agent.state", request,
//                         [](const statelog::HistoryRecord& r) {
//                           Print(r.seq, r.before, r.after);
//                           return absl::OkStatus();
//                         });

#ifndef STATELOG_HISTORY_H_
#define STATELOG_HISTORY_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "statelog/env.h"
#include "statelog/recovery_report.h"
#include "statelog/transaction.h"

namespace statelog {

struct HistoryRequest {
  // The records from_seq..to_seq, both included.
  uint64_t from_seq = 0;
  uint64_t to_seq = std::numeric_limits<uint64_t>::max();
  // With a pointer, only the records that changed the value there (added,
  // removed or replaced it, or anything inside it), with what it was before
  // and after. The state is rebuilt from the oldest kept snapshot that
  // verifies, so records at or before it are not considered.
  std::optional<std::string> pointer;
};

struct HistoryRecord {
  uint64_t seq = 0;
  std::string segment;  // the file name of its segment
  uint64_t offset = 0;  // of its header in the segment
  Transaction txn;      // what it did
  // With HistoryRequest::pointer: the value there before and after the
  // record; nullopt where there was none.
  std::optional<Json> before;
  std::optional<Json> after;
};

struct HistoryEnd {
  uint64_t first_seq = 0;  // the journal's first record
  uint64_t last_seq = 0;   // the last record read
  // With a pointer: the snapshot the state was rebuilt from, its seq, and
  // the newer-than-usable ones passed over (damaged).
  std::string base_snapshot;
  uint64_t base_seq = 0;
  std::vector<SnapshotAttempt> passed_over;
  // A torn tail after the last record read (where, and what is wrong),
  // not listed: a crash's half-written record, never acknowledged, or a
  // writer's record being written. Empty if none.
  std::string torn_tail;
  // With a pointer: damage in records the snapshot replayed from already
  // covers, read past (recovery refuses it outside point-in-time mode;
  // the state is whole without them). Empty if none.
  std::string covered_damage;
};

// Passes each record of the request, oldest first, to `fn` as it is read.
// Errors (the records before the trouble have been passed to `fn` by
// then): NotFound if `dir` is no store; InvalidArgument for a malformed
// pointer; DataLoss for damage that is not a torn tail (named by segment,
// offset and seq), for a journal that ends before a snapshot (segments
// are missing), or, with a pointer, when no kept snapshot the journal
// reaches verifies; Unavailable if a writer's compaction removed records
// before they were read (a segment it deleted while the read was on its
// way to it; one deleted before anything was read is simply read from
// the new start); an error from `fn`, with its code, its message prefixed
// with the record's segment, offset and seq; other I/O errors as they
// come. `env` null: Env::Default().
[[nodiscard]] absl::StatusOr<HistoryEnd> ReadHistory(
    const std::string& dir, const HistoryRequest& request,
    const std::function<absl::Status(const HistoryRecord&)>& fn,
    Env* env = nullptr);

struct StateAt {
  Json state;
  std::string snapshot;  // the snapshot it was rebuilt from
  uint64_t snapshot_seq = 0;
  uint64_t records_replayed = 0;
  std::vector<SnapshotAttempt> passed_over;  // damaged snapshots skipped
  // Damage in records `snapshot` covers, read past (as HistoryEnd's).
  std::string covered_damage;
};

// The state right after record `seq` (seq 0: the state the store was
// created with): the newest snapshot at or before `seq` that verifies, and
// the records after it up to `seq`. OutOfRange if `seq` is past the
// journal's last record or before the oldest snapshot kept; DataLoss if
// damage stands in the way (named as recovery names it, and naming the
// snapshots passed over), a journal that ends before a snapshot among
// them (segments are missing); Unavailable as ReadHistory's, once reading
// again (up to five times, as for damage) kept meeting it; NotFound if
// `dir`
// is no store. Beside a writer, a read that meets a file its retention
// deleted or a record it is writing is made again, as `statelog verify`
// does (docs/recovery.md, "Reading beside a writer").
[[nodiscard]] absl::StatusOr<StateAt> ReadStateAt(const std::string& dir,
                                                  uint64_t seq,
                                                  Env* env = nullptr);

}  // namespace statelog

#endif  // STATELOG_HISTORY_H_
