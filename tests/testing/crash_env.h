// tests/testing/crash_env.h
//
// CrashEnv: an in-memory Env that records every mutating operation (create,
// mkdir, write with offset and bytes, truncate, fdatasync, rename, remove,
// directory fsync) and keeps a DurableModel of what a power cut would leave
// (tests/testing/durable_model.h has the rules). From the log, the crash-
// state generator (crash_states.h) builds every interesting image at every
// operation boundary.
//
// A fault hook sees every call, mutating or not, numbered from 0, and may
// make it fail: with an error, after writing part of the data (a short
// write). A failed fdatasync drops the pages it covered; `drop` does that
// while returning OK (a disk that lies).
//
// Locks are held in memory; no LOCK file is created. Paths are absolute.
// Thread-safe, like every Env.

#ifndef STATELOG_TESTS_TESTING_CRASH_ENV_H_
#define STATELOG_TESTS_TESTING_CRASH_ENV_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "statelog/env.h"
#include "tests/testing/durable_model.h"
#include "tests/testing/fs_image.h"

namespace statelog::testing {

// What the fault hook is shown before a call runs.
struct FsCall {
  FsOpKind kind;
  std::string path;
  uint64_t index = 0;  // calls before this one, of every kind
  size_t bytes = 0;    // write: the size of the data
};

// What the fault hook makes of a call.
struct FsFault {
  absl::Status status;       // not OK: the call fails with it
  size_t partial_bytes = 0;  // write: bytes that land before the failure
  bool drop = false;         // sync: drop its pages even if status is OK
};

using FsFaultHook = std::function<std::optional<FsFault>(const FsCall&)>;

class CrashEnv : public Env {
 public:
  // Starts from `image`, all of it durable, with an empty log.
  explicit CrashEnv(const FsImage& image = FsImage());
  // Starts from `base` with the first `n` operations of `log` (recorded by a
  // CrashEnv that started from `base`) replayed: the state of that env right
  // after them, page cache and all. For "the process died here and started
  // again in the same boot".
  CrashEnv(const FsImage& base, const std::vector<FsOp>& log, size_t n);
  ~CrashEnv() override;

  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path,
                                                 OpenMode mode) override;
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override;
  absl::Status CreateDir(const std::string& dir) override;
  absl::Status CheckDir(const std::string& dir) override;
  absl::Status CheckFile(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status RemoveFile(const std::string& path) override;
  absl::Status SyncDir(const std::string& dir) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) override;
  bool MayBeLocked(const std::string& path) override;

  // What a power cut leaves now: only what is durable.
  FsImage DurableImage() const;
  // What a process crash leaves now: everything, synced or not.
  FsImage LiveImage() const;

  // The image the env started from.
  const FsImage& base() const { return base_; }
  // The mutating operations so far, oldest first.
  std::vector<FsOp> log() const;
  size_t log_size() const;
  // Calls so far, of every kind (the numbering the fault hook sees).
  uint64_t call_count() const;

  // Replaces the hook; nullptr removes it.
  void set_fault_hook(FsFaultHook hook);

 private:
  friend class CrashFile;
  struct Dir {
    std::map<std::string, int> entries;  // name -> inode, or kDirInode
  };

  // Numbers the call and asks the hook. Returns the fault to apply, if any.
  std::optional<FsFault> Call(FsOpKind kind, const std::string& path,
                              size_t bytes);
  void Record(FsOp op) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The inode of the file at `path`; NotFound or FailedPrecondition (a
  // directory) otherwise.
  absl::StatusOr<int> FindFile(const std::string& path) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const FsImage base_;
  mutable absl::Mutex mu_;
  std::map<std::string, Dir> dirs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> inodes_ ABSL_GUARDED_BY(mu_);  // live bytes
  std::vector<FsOp> log_ ABSL_GUARDED_BY(mu_);
  DurableModel model_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> locked_ ABSL_GUARDED_BY(mu_);
  uint64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  FsFaultHook hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_CRASH_ENV_H_
