// recovery/beside_writer.h
//
// Readers that take no lock (read-only opens, `statelog verify`) may run
// beside a writer in another process. Two things that writer does look
// like damage to them, though the store is whole:
//   - retention deletes a snapshot or segment between the reader's listing
//     of the directory and its open of the file: a missing file, a gap in
//     the journal, a journal that ends before the newest snapshot;
//   - the records being written may be half copied when the reader reads
//     them: a torn tail, sometimes with whole records after it.
// A reader that finds something wrong while there are signs of a writer
// (LOCK held, or the directory's entries changing) therefore reads again, a
// few times and briefly apart, and reports only what persists. A damaged
// store that no writer touches is reported after one read.

#ifndef STATELOG_RECOVERY_BESIDE_WRITER_H_
#define STATELOG_RECOVERY_BESIDE_WRITER_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "statelog/env.h"
#include "util/file_names.h"

namespace statelog::internal {

inline constexpr int kReadsBesideWriter = 5;

// Evidence that a writer may have been at work during a read of `dir`.
class WriterWatch {
 public:
  WriterWatch(Env* env, const std::string& dir)
      : env_(env), dir_(dir), lock_(JoinPath(dir, kLockFileName)) {}

  // Call before each read.
  void Start() {
    held_ = env_->MayBeLocked(lock_);
    names_ = Names();
  }
  // After the read: whether LOCK was held when it started or is held now,
  // or the directory's entries changed meanwhile (a writer that started
  // and exited within the read, its retention deleting what was listed).
  bool SawWriter() const {
    return held_ || env_->MayBeLocked(lock_) || Names() != names_;
  }

 private:
  std::vector<std::string> Names() const {
    absl::StatusOr<std::vector<std::string>> names = env_->ListDir(dir_);
    if (!names.ok()) return {};
    std::sort(names->begin(), names->end());
    return *std::move(names);
  }

  Env* const env_;
  const std::string dir_;
  const std::string lock_;
  bool held_ = false;
  std::vector<std::string> names_;
};

// Calls `read` until `damaged(result)` is false, or a read saw no writer
// (WriterWatch), or it has been called kReadsBesideWriter times, sleeping
// 1, 2, 4, 8 ms between calls. Returns the last result.
template <typename Read, typename Damaged>
auto ReadBesideWriter(Env* env, const std::string& dir, const Read& read,
                      const Damaged& damaged) {
  WriterWatch watch(env, dir);
  watch.Start();
  auto result = read();
  absl::Duration pause = absl::Milliseconds(1);
  for (int i = 1;
       i < kReadsBesideWriter && damaged(result) && watch.SawWriter(); ++i) {
    absl::SleepFor(pause);
    pause *= 2;
    watch.Start();
    result = read();
  }
  return result;
}

}  // namespace statelog::internal

#endif  // STATELOG_RECOVERY_BESIDE_WRITER_H_
