// statelog/env.h
//
// The file-system seam. Every byte statelog reads or writes goes through an
// `Env`, so tests can substitute one that records operations, injects errors
// or simulates a crash. `Env::Default()` is the POSIX file system.
//
// All paths are plain strings. Files are created 0600 and directories 0700;
// opens use O_NOFOLLOW | O_CLOEXEC, so a symlink where a file should be is an
// error (FailedPrecondition naming the path), never followed.
//
// Thread-safety: an Env is safe to use from several threads. A File is not;
// its owner serializes calls.
//
// Errors: an implementation reports every failure as a Status and never
// throws. statelog does not catch exceptions from an Env: one thrown on a
// store's background thread ends the process (std::terminate), and one
// thrown while a store writes its journal leaves the store's lock state
// broken (an embedding audit saw both).

#ifndef STATELOG_ENV_H_
#define STATELOG_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace statelog {

// An open regular file with positional I/O.
class File {
 public:
  virtual ~File() = default;

  // Writes all of `data` at `offset`. A short write is retried until done or
  // an error; the error names the file and offset.
  [[nodiscard]] virtual absl::Status Write(uint64_t offset,
                                           absl::string_view data) = 0;
  // Reads up to `n` bytes at `offset` into `out` (resized to what was read;
  // fewer bytes only at end of file).
  [[nodiscard]] virtual absl::Status Read(uint64_t offset, size_t n,
                                          std::string* out) = 0;
  // fdatasync: data, and the metadata needed to read it back.
  [[nodiscard]] virtual absl::Status Sync() = 0;
  // For a large file written in pieces: writes the range to the device
  // and waits until it is written, so that the final Sync has little left
  // and a concurrent Sync of another file does not wait behind all of it.
  // Promises nothing about durability (only Sync does; the device's cache
  // is not flushed). The default does nothing; PosixEnv uses
  // sync_file_range on Linux.
  [[nodiscard]] virtual absl::Status WriteBack(uint64_t offset, uint64_t n) {
    (void)offset;
    (void)n;
    return absl::OkStatus();
  }
  // A hint for a file that gets many small writes below `end`, a length
  // the file already has (a preallocated journal segment): Write may then
  // copy small pieces into a shared memory mapping of the file instead of
  // making a system call for each. The bytes land in the same page cache
  // either way, so a crash of the process loses none of them, and Sync
  // makes them durable. Returns whether the hint is taken; the default
  // ignores it. PosixEnv takes it where the kernel can prefault a mapping
  // for writing with an error instead of a signal (Linux 5.14 and later).
  // The file must keep its length while it is open (statelog never
  // truncates a segment it writes).
  virtual bool MapWrites(uint64_t end) {
    (void)end;
    return false;
  }
  [[nodiscard]] virtual absl::StatusOr<uint64_t> Size() = 0;
  [[nodiscard]] virtual absl::Status Truncate(uint64_t size) = 0;
  [[nodiscard]] virtual absl::Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// The whole contents of a file as one read-only range, valid while the
// object lives.
class FileContents {
 public:
  virtual ~FileContents() = default;
  virtual absl::string_view data() const = 0;
  // Whether the bytes are a private copy in memory, which nothing done to
  // the file afterwards can change or take away. A mapping's bytes are not
  // (reading them after someone truncated the file faults), so holders
  // that keep contents long copy them unless this is true.
  virtual bool private_copy() const { return false; }
};

// Held while alive; released by the destructor (and by the kernel when the
// process dies).
class FileLock {
 public:
  virtual ~FileLock() = default;
  // OK while the directory holding the locked file is still the one found
  // at the path the lock was taken by. Files are made, renamed and removed
  // by path: once the directory has been moved or renamed (or the process
  // has changed its working directory under a relative path), they would
  // land in whatever is at the old path now, perhaps another store. Then
  // FailedPrecondition naming the path; the store checks before each such
  // step and stops writing. The default answers OK (not known).
  [[nodiscard]] virtual absl::Status CheckInPlace() const {
    return absl::OkStatus();
  }
};

class Env {
 public:
  enum class OpenMode {
    kRead,            // existing file, read-only
    kReadWrite,       // existing file
    kCreateExclusive  // new file, fails with AlreadyExists if present
  };

  virtual ~Env() = default;

  // The POSIX file system. Never null; lives forever.
  static Env* Default();

  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<File>> OpenFile(
      const std::string& path, OpenMode mode) = 0;

  // Names (not paths) of the entries of `dir`, without "." and "..".
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) = 0;
  // Creates `dir` (0700). OK if it exists as a directory; FailedPrecondition
  // if it is a symlink or not a directory.
  [[nodiscard]] virtual absl::Status CreateDir(const std::string& dir) = 0;
  // NotFound if absent, FailedPrecondition if a symlink or not a
  // directory, else OK.
  [[nodiscard]] virtual absl::Status CheckDir(const std::string& dir) = 0;
  // OK if `path` is a regular file, NotFound if absent, FailedPrecondition
  // for a symlink or anything else.
  [[nodiscard]] virtual absl::Status CheckFile(const std::string& path) = 0;
  [[nodiscard]] virtual absl::Status Rename(const std::string& from,
                                            const std::string& to) = 0;
  [[nodiscard]] virtual absl::Status RemoveFile(const std::string& path) = 0;
  // fsync of the directory itself, so created, renamed and removed entries
  // survive a power loss.
  [[nodiscard]] virtual absl::Status SyncDir(const std::string& dir) = 0;

  // The whole of the regular file `path` (no symlink). The default reads
  // it through OpenFile and File::Read. The POSIX Env maps a file below
  // 4 MiB read-only (no copy), and reads a larger one into memory aligned
  // to and advised for transparent huge pages: on a VM a page fault costs
  // microseconds, and faulting in 4 KiB pages was most of the time to load
  // a 10 MiB snapshot. A file truncated by someone else while it is mapped
  // ends the process with SIGBUS; statelog itself never truncates a
  // store's files.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<FileContents>> ReadWhole(
      const std::string& path);

  // Takes an exclusive, non-blocking flock on `path` (created 0600 if absent)
  // and writes `holder` into it. If another open file description holds it,
  // FailedPrecondition whose message names the holder recorded in the file.
  // The POSIX Env also flocks the directory holding `path` (where the file
  // system allows), so that deleting a held lock file does not let a second
  // opener in.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path, const std::string& holder) = 0;

  // Whether some opener may hold a lock on `path` now, as a writer holds
  // LOCK. For readers that take no lock: only while a writer works can what
  // they read change under them (a file its retention deleted, a record it
  // is copying), and only then is a read that found damage worth
  // repeating. The default answers true (not known). The POSIX Env looks
  // the file's inode up in /proc/locks (true if that cannot be read).
  virtual bool MayBeLocked(const std::string& path);
};

}  // namespace statelog

#endif  // STATELOG_ENV_H_
