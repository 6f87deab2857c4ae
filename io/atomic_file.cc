// io/atomic_file.cc

#include "io/atomic_file.h"

#include "util/file_names.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace statelog::internal {

absl::Status WriteFileAtomically(
    Env* env, const std::string& dir, const std::string& name,
    std::initializer_list<absl::string_view> pieces, bool* outcome_unknown) {
  if (outcome_unknown != nullptr) *outcome_unknown = false;
  const std::string path = JoinPath(dir, name);
  const std::string temp = path + kTempSuffix;
  // A leftover temp was never published: it holds nothing anyone relies on.
  absl::Status removed = env->RemoveFile(temp);
  if (!removed.ok() && !absl::IsNotFound(removed)) return removed;
  STATELOG_ASSIGN_OR_RETURN(std::unique_ptr<File> file,
                            env->OpenFile(temp, Env::OpenMode::kCreateExclusive));
  uint64_t at = 0;
  for (absl::string_view piece : pieces) {
    absl::Status written = file->Write(at, piece);
    if (!written.ok()) {
      // Most often ENOSPC: give the space back.
      file.reset();
      env->RemoveFile(temp).IgnoreError();
      return written;
    }
    at += piece.size();
    KillPoint("atomic-file.partly-written");
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
