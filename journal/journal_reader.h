// journal/journal_reader.h
//
// Reads the journal of a store directory: lists the segments, walks the
// chained records in sequence order, and, where the chain stops early,
// describes the damage and whether durable records follow it (the test that
// separates a torn tail from mid-log corruption; docs/recovery.md).
// Read-only: nothing here changes a file.

#ifndef STATELOG_JOURNAL_JOURNAL_READER_H_
#define STATELOG_JOURNAL_JOURNAL_READER_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "journal/record.h"
#include "statelog/env.h"

namespace statelog::internal {

struct SegmentFile {
  std::string name;
  uint64_t first_seq = 0;  // from the name
};

// The segments of `dir`, sorted by first sequence number. Temporary files
// are not listed.
absl::StatusOr<std::vector<SegmentFile>> ListSegments(Env* env,
                                                      const std::string& dir);

struct JournalDamage {
  std::string file;
  uint64_t offset = 0;        // first byte that is not part of a valid record
  uint64_t expected_seq = 0;  // the sequence number that should be there
  std::string reason;
  // Self-consistent records found anywhere after the damage.
  uint64_t records_after = 0;
  // Whether one of them was framed after the damaged sequence number was
  // durable; if so the damage is not a torn tail. `durable_where` names it.
  bool durable_after = false;
  std::string durable_where;

  std::string Describe() const;
};

// Bytes [offset, end) of a segment: its records that the journal does not
// prove durable.
struct UnprovenRange {
  std::string file;
  uint64_t offset = 0;
  uint64_t end = 0;
};

struct JournalReadResult {
  uint64_t last_seq = 0;    // the newest record read (or start_seq if none)
  uint64_t last_chain = 0;  // its checksum
  uint64_t segments_read = 0;
  uint64_t records_skipped = 0;  // valid records at or below start_seq
  // Where appending continues: the last segment with a valid header at or
  // before the damage, and the offset after its last valid record. Empty
  // `tail_file` if there is no such segment.
  std::string tail_file;
  uint64_t tail_first_seq = 0;
  uint64_t tail_offset = 0;
  uint64_t tail_size = 0;
  // Offset in the tail segment of its first record that the journal does
  // not prove durable: the first one whose seq is above the durable
  // watermark of the last valid record (tail_offset if there is none).
  // Those bytes may exist only in the page cache, even as clean pages after
  // a failed fdatasync; whoever continues the segment writes them again.
  uint64_t tail_unproven_offset = 0;
  // The unproven records in segments before the tail, oldest first: a
  // writer leaves a segment unsynced on its way to the next one
  // (journal_writer.h). Whoever continues the tail writes these again too.
  std::vector<UnprovenRange> unproven_before_tail;
  // The sequence number the next record in the tail segment must carry. It
  // differs from last_seq + 1 when the journal ends before the snapshot.
  uint64_t journal_next_seq = 0;
  // Offset after which the tail segment holds nonzero bytes that are not a
  // valid record (end of the damaged region), for quarantine.
  uint64_t tail_dirty_end = 0;
  std::optional<JournalDamage> damage;
  // Damage in records the snapshot covers, read past to the snapshot's
  // edge (JournalDamage::Describe()); empty if none. The bytes read past
  // are [covered_offset, covered_end) of covered_file.
  std::string covered_damage;
  std::string covered_file;
  uint64_t covered_offset = 0;
  uint64_t covered_end = 0;
  // Whole segment files that hold nothing usable: a segment whose header is
  // damaged, and every segment after the damage.
  std::vector<std::string> files_after_damage;
};

// In the message of a chain that contradicts the snapshot the read starts
// from: callers that know the snapshot's file add it.
inline constexpr absl::string_view kContradictsTheSnapshot =
    "does not match the chain value of the snapshot";

using RecordFn = std::function<absl::Status(const RecordHeader& header,
                                            absl::string_view payload)>;

// Where the record passed to a RecordFn sits, for readers that name it
// (`statelog log`): its segment's file name and the offset of its header.
struct RecordPlace {
  std::string segment;
  uint64_t offset = 0;
};

// Reads every valid record with seq > `start_seq` in order and passes it to
// `fn`. `start_chain` is the checksum of record `start_seq` (the chain value
// a snapshot stores), checked where the journal passes that point. Hard
// errors (returned as status): a gap between the snapshot and the journal,
// a segment of another store, a chain that contradicts the snapshot, an
// unknown record type without the ignorable bit, an error from `fn`, I/O.
// Damage in the journal is not an error here: it is described in the
// result, for the caller's recovery mode to judge. With `stop_after_seq`,
// reading ends right after that record (the tail fields of the result then
// mean nothing): for reading a synced prefix while a writer appends.
// With `place`, it says where each record is when `fn` gets it.
absl::StatusOr<JournalReadResult> ReadJournal(
    Env* env, const std::string& dir, absl::string_view store_id,
    uint64_t start_seq, uint64_t start_chain, uint64_t max_record_bytes,
    const RecordFn& fn,
    uint64_t stop_after_seq = std::numeric_limits<uint64_t>::max(),
    RecordPlace* place = nullptr);

}  // namespace statelog::internal

#endif  // STATELOG_JOURNAL_JOURNAL_READER_H_
