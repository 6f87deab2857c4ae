// journal/journal_writer.cc

#include "journal/journal_writer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/atomic_file.h"
#include "journal/format.h"
#include "journal/record.h"
#include "util/coding.h"
#include "util/file_names.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// A new file at `path` of `size` zero bytes, not yet synced. A leftover
// of the same name is from a crash while one was made: never published, it
// holds nothing acknowledged. Real zeros, not a hole or fallocate: the
// blocks are then allocated and written, so later overwrites need no
// metadata in their fdatasync. In 64 KiB writes: after 1 MiB writes a
// later small pwrite into the file cost 5-7 us instead of 2-3 us here
// (ext4 keeps larger page-cache folios), measured with a write probe on
// this kind of machine.
absl::StatusOr<std::unique_ptr<File>> CreateZeroed(Env* env,
                                                   const std::string& path,
                                                   uint64_t size) {
  absl::Status removed = env->RemoveFile(path);
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> file,
      env->OpenFile(path, Env::OpenMode::kCreateExclusive));
  const std::string zeros(std::min<uint64_t>(size, 64 << 10), '\0');
  for (uint64_t at = 0; at < size;) {
    const uint64_t n = std::min<uint64_t>(zeros.size(), size - at);
    STATELOG_RETURN_IF_ERROR(
        file->Write(at, absl::string_view(zeros.data(), n)));
    at += n;
  }
  return file;
}

// `status` of the segment `name`; one made under a temporary name (the
// spare's) and renamed is named as both, since the error names the file
// by the name it was opened under.
absl::Status NamedSegmentStatus(const std::string& name,
                                const std::string& opened_as,
                                absl::Status status) {
  if (status.ok() || opened_as.empty()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(name, " (made as ", opened_as,
                                   " and renamed): ", status.message()));
}

// fdatasync and close of a segment no longer written.
absl::Status SyncAndClose(File* file) {
  absl::Status synced = file->Sync();
  absl::Status closed = file->Close();
  return synced.ok() ? closed : synced;
}

// Writes bytes [from, to) of `file` (named `name`) again, as they are.
absl::Status WriteAgain(File* file, const std::string& name, uint64_t from,
                        uint64_t to) {
  // In pieces: the range can be most of a segment, and a buffer for all of
  // it is that much memory zeroed and faulted in before the read.
  uint64_t at = from;
  return ReadRange(file, from, to, name, "the journal's unproven records",
                   [&](absl::string_view unproven) {
                     STATELOG_RETURN_IF_ERROR(file->Write(at, unproven));
                     at += unproven.size();
                     return absl::OkStatus();
                   });
}

absl::Status CheckPlace(const JournalWriterOptions& options) {
  return options.check_place ? options.check_place() : absl::OkStatus();
}

// A segment's worth of synced zeros under kSpareSegmentName, header
// included (it is written when the spare is taken).
absl::StatusOr<std::unique_ptr<File>> MakeSpare(
    Env* env, const std::string& dir, const JournalWriterOptions& options) {
  STATELOG_RETURN_IF_ERROR(CheckPlace(options));
  const uint64_t capacity = options.segment_bytes;
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> file,
      CreateZeroed(env, JoinPath(dir, kSpareSegmentName), capacity));
  STATELOG_RETURN_IF_ERROR(file->Sync());
  return file;
}

}  // namespace

JournalWriter::JournalWriter(Env* env, std::string dir, std::string store_id,
                             const JournalWriterOptions& options)
    : env_(env),
      dir_(std::move(dir)),
      store_id_(std::move(store_id)),
      options_(options) {}

absl::StatusOr<std::unique_ptr<JournalWriter>> JournalWriter::OpenTail(
    Env* env, std::string dir, std::string store_id, const std::string& file,
    uint64_t rewrite_from, uint64_t offset,
    const JournalWriterOptions& options) {
  std::unique_ptr<JournalWriter> w(
      new JournalWriter(env, std::move(dir), std::move(store_id), options));
  STATELOG_ASSIGN_OR_RETURN(w->file_, env->OpenFile(JoinPath(w->dir_, file),
                                                    Env::OpenMode::kReadWrite));
  STATELOG_ASSIGN_OR_RETURN(w->capacity_, w->file_->Size());
  w->file_name_ = file;
  w->offset_ = offset;
  STATELOG_RETURN_IF_ERROR(
      WriteAgain(w->file_.get(), file, rewrite_from, offset));
  w->dirty_ = true;
  if (options.map_writes) w->file_->MapWrites(w->capacity_);
  return w;
}

absl::Status JournalWriter::WriteAgainAndSync(Env* env, const std::string& dir,
                                              const std::string& file,
                                              uint64_t from, uint64_t to) {
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> f,
      env->OpenFile(JoinPath(dir, file), Env::OpenMode::kReadWrite));
  STATELOG_RETURN_IF_ERROR(WriteAgain(f.get(), file, from, to));
  return SyncAndClose(f.get());
}

absl::StatusOr<std::unique_ptr<JournalWriter>> JournalWriter::CreateSegment(
    Env* env, std::string dir, std::string store_id, uint64_t first_seq,
    uint64_t chain_in, const JournalWriterOptions& options) {
  std::unique_ptr<JournalWriter> w(
      new JournalWriter(env, std::move(dir), std::move(store_id), options));
  STATELOG_RETURN_IF_ERROR(w->StartSegment(first_seq, chain_in, 0, false));
  return w;
}

absl::Status JournalWriter::StartSegment(uint64_t first_seq, uint64_t chain_in,
                                         uint64_t min_bytes,
                                         bool leave_unsynced) {
  STATELOG_RETURN_IF_ERROR(CheckPlace(options_));
  if (file_ != nullptr && leave_unsynced && dirty_) {
    STATELOG_RETURN_IF_ERROR(Leave());
  } else if (file_ != nullptr) {
    STATELOG_RETURN_IF_ERROR(Sync());
    STATELOG_RETURN_IF_ERROR(file_->Close());
    file_.reset();
  }
  const std::string name = SegmentFileName(first_seq);
  const std::string path = JoinPath(dir_, name);
  const uint64_t capacity = std::max<uint64_t>(options_.segment_bytes,
                                               kSegmentHeaderSize + min_bytes);
  std::string header;
  EncodeSegmentHeader(SegmentHeader{store_id_, first_seq, chain_in}, &header);

  // Zeros under a name recovery removes (the spare's, or one made now),
  // then the header, published by the rename.
  std::string temp_name = kSpareSegmentName;
  std::unique_ptr<File> file = TakeSpare(capacity);
  if (file == nullptr) {
    temp_name = name + kTempSuffix;
    STATELOG_ASSIGN_OR_RETURN(
        file, CreateZeroed(env_, JoinPath(dir_, temp_name), capacity));
  }
  const std::string temp = JoinPath(dir_, temp_name);
  STATELOG_RETURN_IF_ERROR(file->Write(0, header));
  STATELOG_RETURN_IF_ERROR(file->Sync());
  KillPoint("segment.filled");
  STATELOG_RETURN_IF_ERROR(env_->Rename(temp, path));
  KillPoint("segment.renamed");
  STATELOG_RETURN_IF_ERROR(env_->SyncDir(dir_));

  file_ = std::move(file);
  spare_tried_ = false;
  if (options_.map_writes) file_->MapWrites(capacity);
  file_name_ = name;
  opened_as_ = temp_name;
  // Only now: the left segment's megabyte on its way to the disk made the
  // new segment's three syncs above wait behind it.
  StartLeftSync();
  offset_ = kSegmentHeaderSize;
  capacity_ = capacity;
  dirty_ = false;
  return absl::OkStatus();
}

std::unique_ptr<File> JournalWriter::TakeSpare(uint64_t capacity) {
  if (capacity != options_.segment_bytes) return nullptr;  // kept for later
  if (spare_thread_.joinable()) spare_thread_.join();
  if (!spare_.ok() || *spare_ == nullptr) return nullptr;
  std::unique_ptr<File> file = std::move(*spare_);
  spare_ = std::unique_ptr<File>();
  return file;
}

void JournalWriter::PrepareSpare() {
  if (options_.spare == JournalWriterOptions::Spare::kNone || spare_tried_ ||
      spare_thread_.joinable()) {  // one is being prepared
    return;
  }
  spare_tried_ = true;
  if (spare_.ok() && *spare_ != nullptr) return;  // one is ready
  if (options_.spare == JournalWriterOptions::Spare::kInline) {
    // A failure is not this write's: the next segment is then made when it
    // starts, and that reports it.
    spare_ = MakeSpare(env_, dir_, options_);
    return;
  }
  // The thread owns spare_ until joined; the writer touches neither the
  // spare's file nor its name meanwhile.
  spare_thread_ =
      std::thread([this] { spare_ = MakeSpare(env_, dir_, options_); });
}

absl::Status JournalWriter::Leave() {
  STATELOG_RETURN_IF_ERROR(SyncLeft());
  left_ = std::move(file_);
  left_name_ = file_name_;
  left_opened_as_ = opened_as_;
  dirty_ = false;
  return absl::OkStatus();
}

void JournalWriter::StartLeftSync() {
  if (options_.spare != JournalWriterOptions::Spare::kThread ||
      left_ == nullptr || left_thread_.joinable()) {
    return;
  }
  left_thread_ = std::thread(
      [this, left = left_.get()] { left_status_ = SyncAndClose(left); });
}

absl::Status JournalWriter::SyncLeft() {
  if (left_thread_.joinable()) {
    left_thread_.join();
  } else if (left_ != nullptr) {
    left_status_ = SyncAndClose(left_.get());
  }
  left_.reset();
  absl::Status status = std::exchange(left_status_, absl::OkStatus());
  return NamedSegmentStatus(left_name_, left_opened_as_, std::move(status));
}

JournalWriter::~JournalWriter() {
  if (left_thread_.joinable()) left_thread_.join();
  // A left segment whose sync was pending is closed unsynced, as the
  // current one is: only Sync promises durability.
  if (left_ != nullptr) left_->Close().IgnoreError();
  if (spare_thread_.joinable()) spare_thread_.join();
  if (spare_.ok() && *spare_ == nullptr) return;  // none made
  // Made, or left half made by a failure: either way unpublished.
  if (spare_.ok()) (*spare_)->Close().IgnoreError();
  // Not in a directory that is no longer this store's: recovery removes
  // the spare where the store is now.
  if (CheckPlace(options_).ok()) {
    env_->RemoveFile(JoinPath(dir_, kSpareSegmentName)).IgnoreError();
  }
}

absl::Status JournalWriter::WriteRun(absl::string_view run) {
  if (run.empty()) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(NameSegment(file_->Write(offset_, run)));
  KillPoint("journal.written");
  offset_ += run.size();
  bytes_written_ += run.size();
  dirty_ = true;
  // Half way is early enough to have the spare ready at the end. A writer
  // must also have written an eighth of a segment itself: a short-lived
  // process (`statelog apply` of a line or two, run by a hook) that
  // continues a segment past its half made a spare of a whole segment of
  // zeros, synced it and removed it at exit, on every run.
  if (offset_ >= capacity_ / 2 && bytes_written_ >= capacity_ / 8) {
    PrepareSpare();
  }
  return absl::OkStatus();
}

absl::Status JournalWriter::Write(absl::string_view records) {
  // Place whole records: a run of those that fit goes out in one write.
  size_t run_start = 0;
  size_t pos = 0;
  uint64_t room = capacity_ - offset_;
  while (pos < records.size()) {
    const char* h = records.data() + pos;
    const uint64_t size = kRecordHeaderSize + GetFixed32(h + 32);
    if (pos - run_start + size > room) {
      STATELOG_RETURN_IF_ERROR(
          WriteRun(records.substr(run_start, pos - run_start)));
      const uint64_t seq = GetFixed64(h + 16);
      const uint64_t prev = GetFixed64(h + 8);
      STATELOG_RETURN_IF_ERROR(
          StartSegment(seq, prev, size, /*leave_unsynced=*/true));
      run_start = pos;
      room = capacity_ - offset_;
    }
    pos += size;
  }
  return WriteRun(records.substr(run_start));
}

absl::Status JournalWriter::Sync() {
  STATELOG_RETURN_IF_ERROR(SyncLeft());
  if (!dirty_) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(NameSegment(file_->Sync()));
  KillPoint("journal.synced");
  dirty_ = false;
  return absl::OkStatus();
}

absl::Status JournalWriter::NameSegment(absl::Status status) const {
  return NamedSegmentStatus(file_name_, opened_as_, std::move(status));
}

absl::Status JournalWriter::Rotate(uint64_t next_seq, uint64_t chain_in) {
  return StartSegment(next_seq, chain_in, 0, /*leave_unsynced=*/false);
}

}  // namespace statelog::internal
