// tests/testing/durable_model.h
//
// The operation log of a simulated file system and the model of what a
// power cut keeps of it. The rules (those of Linux ext4/xfs without
// assuming any ordering between unsynced operations):
//
// - A write or truncate of a file becomes durable when a later fdatasync of
//   that file succeeds; until then it is *pending*.
// - A create, mkdir, rename or remove becomes durable when a later fsync of
//   a directory it touches succeeds (a rename touches both directories and
//   is one unit: a journaled file system commits it whole).
// - Writeback is by 4 KiB page: a successful fdatasync writes every page a
//   pending write touched, as the page cache holds it then.
// - An fdatasync that fails *drops* the writes it covered: Linux marks
//   their pages clean, so the live view (the page cache) still shows them
//   and the disk never gets them, unless a later write to the same page
//   dirties it again. This is why an fsync must never be retried.
// - A directory fsync that fails leaves its changes pending: the directory
//   block in memory still holds them, and the next successful fsync of that
//   directory writes them.
// - A power cut keeps everything durable plus any subset of the pending
//   operations; a pending write may also be torn at 512-byte sectors, and a
//   pending rename may leave both names.

#ifndef STATELOG_TESTS_TESTING_DURABLE_MODEL_H_
#define STATELOG_TESTS_TESTING_DURABLE_MODEL_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/fs_image.h"

namespace statelog::testing {

inline constexpr uint64_t kSectorSize = 512;
inline constexpr uint64_t kPageSize = 4096;
// The inode number of a directory entry that names a subdirectory.
inline constexpr int kDirInode = -1;

enum class FsOpKind : uint8_t {
  // Mutating operations; these are recorded in the log.
  kCreate,
  kMkdir,
  kWrite,
  kTruncate,
  kSync,  // fdatasync of a file
  kRename,
  kRemove,
  kSyncDir,  // fsync of a directory
  // Operations that change nothing; counted only for fault injection.
  kOpen,
  kRead,
  kSize,
  kClose,
  kList,
  kStat,
  kLock,
};

const char* FsOpName(FsOpKind kind);
// Write and truncate.
bool IsDataOp(FsOpKind kind);
// Create, mkdir, rename and remove.
bool IsNameOp(FsOpKind kind);

// One recorded mutating operation.
struct FsOp {
  FsOpKind kind = FsOpKind::kWrite;
  std::string path;     // file or directory; for a rename the source
  std::string to;       // rename: the target
  int inode = -1;       // the file concerned (not for mkdir and syncdir)
  uint64_t offset = 0;  // write: offset; truncate: the new size
  std::string data;     // write: the bytes that reached the page cache
  bool failed = false;  // sync, syncdir: failed (see the rules above)

  // "write /s/wal-...log @64+120", for failure messages.
  std::string Describe() const;
};

class DurableModel {
 public:
  // Every directory and file of `base` is durable. Files are numbered
  // 0..n-1 in path order; CrashEnv numbers them the same way.
  explicit DurableModel(const FsImage& base);

  // Takes `log[index]` into account. REQUIRES: called for 0, 1, 2, ... in
  // order, with the same log.
  void Advance(const std::vector<FsOp>& log, size_t index);

  // Indices into the log of the operations neither durable nor dropped,
  // oldest first.
  const std::vector<size_t>& pending() const { return pending_; }

  // What becomes of one pending operation in a crash state.
  enum class Fate : uint8_t {
    kLost,
    kPersisted,
    kBothNames,  // rename only: the target exists and the source remains
    kTorn,       // write only: some sectors persisted (see TornWrite)
  };
  // What an unpersisted sector of a torn write holds.
  enum class TornFill : uint8_t { kOld, kZero, kGarbage };
  struct TornWrite {
    // One flag per 512-byte sector the write touches, first to last.
    std::vector<bool> persisted;
    TornFill fill = TornFill::kOld;
    uint64_t garbage_seed = 0;
  };

  // The tree a power cut leaves now if pending operation k meets fates[k]
  // (missing entries: kLost). `torn` describes every kTorn write.
  FsImage Materialize(const std::vector<FsOp>& log,
                      const std::vector<Fate>& fates,
                      const TornWrite* torn) const;

 private:
  using Entries = std::map<std::string, std::map<std::string, int>>;
  static void ApplyName(const FsOp& op, Fate fate, Entries* entries);

  std::map<int, std::string> live_;  // page-cache bytes per inode
  std::map<int, std::string> data_;  // durable bytes per inode
  Entries entries_;                  // durable entries per directory
  std::vector<size_t> pending_;
};

// Number of sectors a write of `size` bytes at `offset` touches.
size_t SectorsTouched(uint64_t offset, uint64_t size);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_DURABLE_MODEL_H_
