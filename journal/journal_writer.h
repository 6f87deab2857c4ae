// journal/journal_writer.h
//
// Appends framed records to preallocated, zero-filled segment files and
// makes them durable. Records arrive already framed (EncodeRecord), in
// sequence order, a batch at a time; the writer places them, starting a new
// segment when the next record does not fit.
//
// Segments are created as `wal-<seq>.log.tmp`, filled with the header and
// zeros to full size, fdatasync'ed, renamed, and the directory fsync'ed: a
// visible segment always has its header and its full size, so an fdatasync
// of a later overwrite never has to commit a file-size change.
//
// A segment left with unsynced records is not synced on the way to the
// next one: that fdatasync (about a millisecond for a full 1 MiB segment)
// was most of a rotation, and a rotation a sixth of a kNone writer's time.
// It is done on a thread of the writer's (Spare::kThread) or, in a fixed
// order, by the next Sync or rotation (otherwise); Sync covers it either
// way. Until then a power cut may take records of the left segment while
// later ones survive. Recovery reads that as a torn tail, not as
// corruption: a later record's durable watermark is below the records no
// completed Sync covered (docs/recovery.md).
//
// Not thread-safe: the store serializes calls (one I/O leader at a time).

#ifndef STATELOG_JOURNAL_JOURNAL_WRITER_H_
#define STATELOG_JOURNAL_JOURNAL_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statelog/env.h"

namespace statelog::internal {

struct JournalWriterOptions {
  uint64_t segment_bytes = 1 << 20;
  // Ask each segment's File to take small writes through a mapping
  // (File::MapWrites). Worth it only where writes are not each followed by
  // an fdatasync (io/write_window.h).
  bool map_writes = false;
  // Whether and where the next segment is prepared (zero-filled and
  // synced, as wal-spare.tmp) once the current one is half full, so that
  // starting it costs a header write, its fdatasync, a rename and a
  // directory fsync instead of writing and syncing a whole segment of
  // zeros then.
  enum class Spare {
    kNone,    // each segment is made when it starts
    kInline,  // by the write that passes half way: the same file
              // operations in a fixed order, which tests that replay exact
              // sequences of them (the crash explorer) need
    kThread,  // on a thread of the writer's, beside the writes
  };
  Spare spare = Spare::kNone;
  // Asked before each step that makes, renames or removes a file by path
  // (a segment, the spare); an error stops the step and is returned. The
  // store checks that its directory is still where it was opened
  // (FileLock::CheckInPlace). Called from the spare's thread too. Null:
  // nothing is checked.
  std::function<absl::Status()> check_place;
};

class JournalWriter {
 public:
  // Waits for a spare being prepared and removes it.
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Continues the existing segment `file` at `offset`. The bytes in
  // [`rewrite_from`, `offset`) are written again (same contents) and the
  // segment counts as unsynced: they may have been read from the page cache
  // of a process that died, or whose fdatasync failed, before they reached
  // the disk; a failed fdatasync can leave such pages clean, so only a new
  // write makes the next Sync cover them.
  static absl::StatusOr<std::unique_ptr<JournalWriter>> OpenTail(
      Env* env, std::string dir, std::string store_id, const std::string& file,
      uint64_t rewrite_from, uint64_t offset,
      const JournalWriterOptions& options);
  // For a segment before the one OpenTail continues: writes bytes
  // [`from`, `to`) of `file` again (same contents) and syncs them, for the
  // same reason OpenTail writes its unproven bytes again. A writer leaves a
  // segment unsynced on its way to the next, so records the journal does
  // not prove durable can begin in a segment before the tail.
  [[nodiscard]] static absl::Status WriteAgainAndSync(Env* env,
                                                      const std::string& dir,
                                                      const std::string& file,
                                                      uint64_t from,
                                                      uint64_t to);
  // Starts a new segment for records from `first_seq` on, chained to
  // `chain_in`.
  static absl::StatusOr<std::unique_ptr<JournalWriter>> CreateSegment(
      Env* env, std::string dir, std::string store_id, uint64_t first_seq,
      uint64_t chain_in, const JournalWriterOptions& options);

  // Writes `records` (one or more whole framed records, consecutive
  // sequence numbers continuing the journal). Not durable until Sync().
  [[nodiscard]] absl::Status Write(absl::string_view records);
  // Whether a Write of `n` bytes stays in the current segment, so that it
  // starts no new one (no fdatasync, rename or directory fsync).
  bool Fits(uint64_t n) const { return n <= capacity_ - offset_; }
  // fdatasync of every segment written since the last Sync (the one left
  // last, if its sync is pending, then the current one).
  [[nodiscard]] absl::Status Sync();
  // Ends the current segment (syncing it) and starts a new one for records
  // from `next_seq` on. Used when recovery read past damage in the current
  // segment, so that later records are read without meeting it.
  [[nodiscard]] absl::Status Rotate(uint64_t next_seq, uint64_t chain_in);

  // Bytes of records written through this writer.
  uint64_t bytes_written() const { return bytes_written_; }
  const std::string& current_file() const { return file_name_; }

 private:
  JournalWriter(Env* env, std::string dir, std::string store_id,
                const JournalWriterOptions& options);
  // `leave_unsynced`: a current segment with unsynced records is handed
  // to Leave instead of being synced here.
  absl::Status StartSegment(uint64_t first_seq, uint64_t chain_in,
                            uint64_t min_bytes, bool leave_unsynced);
  // Makes file_ the left segment, its sync pending, after finishing the
  // sync of the one left before it.
  absl::Status Leave();
  // Under Spare::kThread, starts the pending sync of the left segment on
  // a thread.
  void StartLeftSync();
  // Finishes the pending sync of the left segment, if any, and closes it;
  // its error names the segment.
  absl::Status SyncLeft();
  // The prepared spare if it is ready, good and holds `capacity` bytes;
  // null otherwise (the caller then makes the segment itself).
  std::unique_ptr<File> TakeSpare(uint64_t capacity);
  // Prepares the next spare (or starts to) as options_.spare says, once
  // per segment.
  void PrepareSpare();
  absl::Status WriteRun(absl::string_view run);
  // An error of file_ names the file by the name it was opened under; for
  // a segment made under a temporary name (the spare's) and renamed, the
  // error says which segment that is now.
  absl::Status NameSegment(absl::Status status) const;

  Env* env_;
  std::string dir_;
  std::string store_id_;
  JournalWriterOptions options_;
  std::unique_ptr<File> file_;
  std::string file_name_;
  std::string opened_as_;  // file_'s name when opened, if not file_name_
  uint64_t offset_ = 0;
  uint64_t capacity_ = 0;
  bool dirty_ = false;
  uint64_t bytes_written_ = 0;
  // The spare being prepared; spare_ is the thread's until it is joined.
  std::thread spare_thread_;
  absl::StatusOr<std::unique_ptr<File>> spare_ = std::unique_ptr<File>();
  bool spare_tried_ = false;  // for the current segment
  // The segment left last with unsynced records, until SyncLeft. While
  // left_thread_ is joinable, the thread owns left_ and left_status_.
  std::unique_ptr<File> left_;
  std::string left_name_;
  std::string left_opened_as_;
  absl::Status left_status_;
  std::thread left_thread_;
};

}  // namespace statelog::internal

#endif  // STATELOG_JOURNAL_JOURNAL_WRITER_H_
