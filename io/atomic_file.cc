// io/atomic_file.cc

#include "io/atomic_file.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "util/file_names.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

// A streamed file is written in pieces of about this size, each written
// back to the device before the next (File::WriteBack). A writer's
// fdatasync that meets a snapshot being written then waits behind one
// piece, not behind the whole snapshot in the final fdatasync: writer p99
// during back-to-back compactions of the benchmark's 10.6 MB state went
// from about 3.6 ms to 1.1-1.4 ms (docs/tuning.md); 1 MiB pieces gave
// about 2.5 ms. Unpaced, 64 KiB did no better than 256 KiB; paced
// (Options::compaction_write_rate), the smaller piece is what a writer's
// fdatasync meets at most.
constexpr size_t kStreamWriteBytes = 64 << 10;

// Writes what a ByteSource gives to `file`: with a buffer, in writes of
// about `buffer_bytes`, each written back before the next and followed by
// `written` (if not null); without one (0), a write per piece and nothing
// more.
class FileAppender {
 public:
  FileAppender(File* file, size_t buffer_bytes, const PieceWritten* written)
      : file_(file), buffer_bytes_(buffer_bytes), written_(written) {}

  absl::Status Append(absl::string_view piece) {
    if (buffer_bytes_ == 0) return WriteNow(piece);
    // Every write but the last is exactly buffer_bytes_ long, whatever the
    // source's pieces: page-aligned, and no piece larger than the pacing
    // expects.
    while (!piece.empty()) {
      const size_t take =
          std::min(piece.size(), buffer_bytes_ - buffer_.size());
      buffer_.append(piece.data(), take);
      piece.remove_prefix(take);
      if (buffer_.size() == buffer_bytes_) STATELOG_RETURN_IF_ERROR(Flush());
    }
    return absl::OkStatus();
  }

  absl::Status Flush() {
    if (buffer_.empty()) return absl::OkStatus();
    absl::Status written = WriteNow(buffer_);
    buffer_.clear();
    return written;
  }

 private:
  absl::Status WriteNow(absl::string_view bytes) {
    STATELOG_RETURN_IF_ERROR(file_->Write(at_, bytes));
    if (buffer_bytes_ > 0) {
      STATELOG_RETURN_IF_ERROR(file_->WriteBack(at_, bytes.size()));
    }
    at_ += bytes.size();
    KillPoint("atomic-file.partly-written");
    if (buffer_bytes_ > 0 && written_ != nullptr) (*written_)(bytes.size());
    return absl::OkStatus();
  }

  File* file_;
  const size_t buffer_bytes_;
  const PieceWritten* written_;
  uint64_t at_ = 0;
  std::string buffer_;
};

absl::Status WriteAtomically(Env* env, const std::string& dir,
                             const std::string& name, const ByteSource& source,
                             size_t buffer_bytes, bool* outcome_unknown,
                             const PieceWritten* piece_written) {
  if (outcome_unknown != nullptr) *outcome_unknown = false;
  const std::string path = JoinPath(dir, name);
  const std::string temp = path + kTempSuffix;
  // A leftover temp was never published: it holds nothing anyone relies on.
  absl::Status removed = env->RemoveFile(temp);
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  STATELOG_ASSIGN_OR_RETURN(
      std::unique_ptr<File> file,
      env->OpenFile(temp, Env::OpenMode::kCreateExclusive));
  absl::Status written;
  {
    FileAppender appender(file.get(), buffer_bytes, piece_written);
    written = source([&appender](absl::string_view piece) {
      return appender.Append(piece);
    });
    if (written.ok()) written = appender.Flush();
  }
  if (!written.ok()) {
    // Most often ENOSPC: give the space back.
    file.reset();
    env->RemoveFile(temp).IgnoreError();
    return written;
  }
  if (outcome_unknown != nullptr) *outcome_unknown = true;
  // Data durable before the name points at it; the rename durable before
  // the caller acts on the new contents (for a snapshot: trims the journal).
  STATELOG_RETURN_IF_ERROR(file->Sync());
  STATELOG_RETURN_IF_ERROR(file->Close());
  STATELOG_RETURN_IF_ERROR(env->Rename(temp, path));
  KillPoint("atomic-file.renamed");
  STATELOG_RETURN_IF_ERROR(env->SyncDir(dir));
  if (outcome_unknown != nullptr) *outcome_unknown = false;
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFileAtomically(
    Env* env, const std::string& dir, const std::string& name,
    std::initializer_list<absl::string_view> pieces, bool* outcome_unknown) {
  return WriteAtomically(
      env, dir, name,
      [&pieces](const ByteSink& sink) {
        for (absl::string_view piece : pieces) {
          STATELOG_RETURN_IF_ERROR(sink(piece));
        }
        return absl::OkStatus();
      },
      /*buffer_bytes=*/0, outcome_unknown, /*piece_written=*/nullptr);
}

absl::Status WriteFileAtomically(Env* env, const std::string& dir,
                                 const std::string& name,
                                 const ByteSource& source,
                                 bool* outcome_unknown,
                                 const PieceWritten* written) {
  return WriteAtomically(env, dir, name, source, kStreamWriteBytes,
                         outcome_unknown, written);
}

absl::Status ReadRange(File* file, uint64_t from, uint64_t to,
                       absl::string_view name, absl::string_view what,
                       const ByteSink& sink) {
  constexpr uint64_t kPieceBytes = 256 << 10;
  std::string piece;
  for (uint64_t at = from; at < to; at += piece.size()) {
    const uint64_t want = std::min(kPieceBytes, to - at);
    STATELOG_RETURN_IF_ERROR(file->Read(at, want, &piece));
    if (piece.size() != want) {
      return absl::DataLossError(
          absl::StrCat(name, ": short read of ", what, " at offset ", at));
    }
    STATELOG_RETURN_IF_ERROR(sink(piece));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileToString(Env* env,
                                             const std::string& path) {
  STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                            env->OpenFile(path, Env::OpenMode::kRead));
  STATELOG_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string data;
  STATELOG_RETURN_IF_ERROR(file->Read(0, size, &data));
  return data;
}

}  // namespace statelog::internal
