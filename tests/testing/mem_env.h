// tests/testing/mem_env.h
//
// An in-memory Env that knows what is durable. Each file keeps its current
// bytes and the bytes its last Sync() made durable; each directory keeps its
// current entries and the entries its last SyncDir() made durable.
// `CrashImage()` returns a new MemEnv holding only what a power cut would
// leave: durable directory entries pointing at durable file contents. A file
// whose data was synced but whose directory entry was not is lost, as on a
// real file system without a directory fsync.
//
// Directories themselves are durable once created (the store directory is
// made durable by Open; subdirectories only ever hold evidence).
//
// `set_fault_hook` lets a test fail any operation: the hook sees the
// operation name ("write", "sync", "create", "rename", "remove", "syncdir",
// "read", "writeback") and the path, and a non-OK result is returned
// instead of doing it.
//
// Thread-safe.

#ifndef STATELOG_TESTS_TESTING_MEM_ENV_H_
#define STATELOG_TESTS_TESTING_MEM_ENV_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/synchronization/mutex.h"
#include "statelog/env.h"

namespace statelog::testing {

class MemEnv : public Env {
 public:
  using FaultHook = std::function<absl::Status(const std::string& op,
                                               const std::string& path)>;

  // Starts with the root directory "/" only.
  MemEnv();

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

  // What survives a power cut now.
  std::unique_ptr<MemEnv> CrashImage() const;
  // What survives a process crash now: everything written, synced or not,
  // with the same durable view as now (a later CrashImage of the result
  // keeps only what had been synced).
  std::unique_ptr<MemEnv> ProcessCrashImage() const;

  void set_fault_hook(FaultHook hook);

  // Direct access for damage tests. GetFile returns false if absent.
  bool GetFile(const std::string& path, std::string* data) const;
  void PutFile(const std::string& path, const std::string& data);

  struct Inode {
    std::string data;
    std::string durable;
  };

 private:
  friend class MemFile;
  struct Dir {
    std::map<std::string, std::shared_ptr<Inode>> live;
    std::map<std::string, std::shared_ptr<Inode>> durable;
  };
  absl::Status Fault(const std::string& op, const std::string& path) const;
  std::unique_ptr<MemEnv> Image(bool power_cut) const;

  mutable absl::Mutex mu_;
  std::map<std::string, Dir> dirs_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> locked_ ABSL_GUARDED_BY(mu_);
  FaultHook hook_ ABSL_GUARDED_BY(mu_);
};

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_MEM_ENV_H_
