// store/store_impl.h
//
// The machinery behind statelog::Store: the in-memory state, sequencing,
// group commit, compaction and retention. Store (store/store.cc) forwards to
// it; opening and creating a store directory live in store/open.cc.
//
// Concurrency: `mu_` guards the state and everything that orders records.
// Writers apply their transaction to the state and frame its record under
// `mu_`, so the state and the journal order agree. The journal itself is
// written by one I/O leader at a time (`io_busy_`), outside `mu_`: whoever
// finds no leader takes every framed record waiting and writes and syncs
// them in one go (group commit); the others wait on `io_done_`.

#ifndef STATELOG_STORE_STORE_IMPL_H_
#define STATELOG_STORE_STORE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "journal/journal_writer.h"
#include "snapshot/snapshot_file.h"
#include "statelog/env.h"
#include "statelog/options.h"
#include "statelog/recovery_report.h"
#include "statelog/transaction.h"
#include "store/fork_guard.h"
#include "store/text_state.h"

namespace statelog::internal {

struct StoreImplInit {
  Env* env = nullptr;
  std::string dir;
  Options options;
  std::string store_id;
  std::unique_ptr<FileLock> lock;         // null when read-only
  std::unique_ptr<JournalWriter> writer;  // null when read-only
  TextState state;
  bool state_loaded = true;  // false: Options::load_state_lazily
  uint64_t last_seq = 0;
  uint64_t last_chain = 0;
  int64_t schema_version = 0;
  std::vector<SnapshotName> snapshots;  // verified, newest first
  RecoveryReport report;                // Open's
};

// What Apply (and Save) return when memory runs out before the
// transaction is framed: nothing was changed.
absl::Status OutOfMemory();

class StoreImpl {
 public:
  explicit StoreImpl(StoreImplInit init);
  ~StoreImpl();

  // With kMove, `txn` must be the caller's to give up (txn/apply.h).
  absl::StatusOr<uint64_t> Apply(const Transaction& txn, Values values);
  absl::StatusOr<uint64_t> Update(
      const std::function<absl::Status(const Json&, Transaction*)>& fn);
  // Store::Save (store/save.cc).
  absl::StatusOr<uint64_t> Save(const Json& target);
  // Store::SetJsonText (store/set_text.cc).
  absl::StatusOr<uint64_t> SetJsonText(const std::string& pointer,
                                       absl::string_view text);
  // Not const: a store opened lazily builds its state on first use.
  absl::StatusOr<Json> Get(const std::string& pointer);
  absl::Status Read(const std::function<void(const Json&, uint64_t)>& fn);
  absl::Status Sync();
  absl::Status Compact();
  uint64_t LastSeq() const;
  absl::Status status() const;
  RecoveryReport recovery_report() const;
  // The same, for a caller on a thread that holds mu_ already (inside an
  // Update or Read callback), where taking it again would deadlock.
  uint64_t LastSeqHeld() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return last_seq_;
  }
  absl::Status StatusHeld() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return poison_;
  }
  RecoveryReport RecoveryReportHeld() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return report_;
  }
  const std::string& dir() const { return dir_; }

  // After fork(), in the child (store/fork_guard.h): every call fails with
  // ForkedError, and closing the store only closes the child's copies of
  // the lock's descriptors (so the child does not keep the lock once the
  // parent lets it go) and leaves the rest: its threads are not in the
  // child, and its mutex may have been held by one of them at the fork.
  bool Forked() const { return fork_guard_.Forked(); }
  absl::Status ForkedError(const char* method) const {
    return fork_guard_.ForkedError(method);
  }
  void CloseLockInChild() ABSL_NO_THREAD_SAFETY_ANALYSIS { lock_.reset(); }

 private:
  // Encodes a validated transaction; InvalidArgument if it is too large.
  // `*value_at` as EncodeJournalForm's (txn/journal_form.h).
  absl::StatusOr<std::string> EncodePayload(const Transaction& txn,
                                            size_t* value_at) const;
  // Applies and frames one transaction, then waits for the durability
  // policy. REQUIRES: mu_ held; `payload` and `value_at` are
  // EncodePayload(txn)'s, which validated `txn`.
  absl::StatusOr<uint64_t> ApplyLocked(const Transaction& txn,
                                       const std::string& payload,
                                       size_t value_at, Values values)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // ApplyLocked's steps around its change of the state: before it, checks
  // that the store is writable and makes room to frame `payload`, so that
  // nothing can fail between the change and the record; after it, frames
  // `payload` as the next record and waits for the durability policy.
  // REQUIRES: mu_ held.
  absl::Status PrepareFrameLocked(const std::string& payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint64_t> FrameLocked(const std::string& payload)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An empty transaction's answer: it writes nothing, and returns the
  // newest sequence number once the durability policy is met for it.
  absl::StatusOr<uint64_t> AcknowledgeEmptyLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Returns once record `seq` is written (and synced if `sync`), acting as
  // the I/O leader when no one else is. A leader that may `gather` first
  // waits (briefly) for the writers the previous batch released to frame
  // their next records. REQUIRES: mu_ held.
  absl::Status CommitLocked(uint64_t seq, bool sync, bool gather = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the records a gathering leader waits for are framed.
  bool GatheredLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status CheckWritable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Get's lookup of `pointer` (split into `tokens`). REQUIRES: mu_ held,
  // state_.Prepared(tokens).
  absl::StatusOr<Json> FindLocked(const std::string& pointer,
                                  const std::vector<std::string>& tokens) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Builds state_ from the newest snapshot and the journal if the store was
  // opened with Options::load_state_lazily and it is not built yet.
  absl::Status EnsureStateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EnsureState() ABSL_LOCKS_EXCLUDED(mu_);
  // Drops the snapshots `tried` found not to verify from snapshots_.
  void ForgetSnapshotsLocked(const std::vector<SnapshotAttempt>& tried)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Brings report_ up to date after a lazily opened store built its state
  // passing over the snapshots in `tried` that failed, and rewrites
  // recovery-report.json (unless read-only). REQUIRES: mu_ held.
  absl::Status ReportLateFallbackLocked(
      const std::vector<SnapshotAttempt>& tried)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool CompactionDue() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Writes `state` as a snapshot (streamed from it, and released once
  // written), verifies it, records it, then applies retention.
  // REQUIRES: compacting_ set by the caller.
  absl::Status PublishSnapshot(const SnapshotHeader& header, TextState state);
  // Drops snapshots beyond the kept ones and segments no kept snapshot
  // needs.
  absl::Status Retain(std::vector<SnapshotName> snapshots);
  // Makes every later call fail with `cause` (naming `what`) until the
  // store is reopened; the first cause wins. REQUIRES: mu_ held.
  void PoisonLocked(absl::string_view what, const absl::Status& cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // lock_->CheckInPlace() before a step that makes, renames or removes a
  // file by path outside the journal writer: OK, or the error, which also
  // poisons the store (no later write could be placed right). The first
  // takes mu_ to poison; the second holds it already.
  absl::Status CheckInPlace() ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status CheckInPlaceLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SyncLoop();
  // Runs Compact whenever compaction_wanted_ is set, until stopping_.
  void CompactionLoop();
  // After a transaction: compacts (inline or by waking the background
  // thread, per Options::compact_in_background) if `due`. REQUIRES: mu_ not
  // held.
  void MaybeCompact(bool due);

  Env* const env_;
  const std::string dir_;
  const Options options_;
  const std::string store_id_;
  const bool read_only_;
  const ForkGuard fork_guard_;
  std::unique_ptr<FileLock> lock_;

  mutable absl::Mutex mu_;
  absl::CondVar io_done_;
  TextState state_ ABSL_GUARDED_BY(mu_);
  // False while a store opened lazily has not built state_. Set (once,
  // never cleared) under mu_; read without it by EnsureState.
  std::atomic<bool> state_loaded_;
  uint64_t last_seq_ ABSL_GUARDED_BY(mu_);
  uint64_t last_chain_ ABSL_GUARDED_BY(mu_);
  int64_t schema_version_ ABSL_GUARDED_BY(mu_);
  std::string pending_ ABSL_GUARDED_BY(mu_);  // framed, not yet written
  uint64_t written_seq_ ABSL_GUARDED_BY(mu_);
  uint64_t durable_seq_ ABSL_GUARDED_BY(mu_);
  bool io_busy_ ABSL_GUARDED_BY(mu_) = false;
  // Group commit's gathering (CommitLocked): the last_seq_ at which every
  // writer the last synced batch released has framed again, whether the
  // last wait for that timed out.
  uint64_t gather_target_ ABSL_GUARDED_BY(mu_) = 0;
  bool gather_missed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status poison_ ABSL_GUARDED_BY(mu_);
  uint64_t journal_bytes_since_snapshot_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t snapshot_seq_ ABSL_GUARDED_BY(mu_);
  bool compacting_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar compaction_done_;
  bool compaction_wanted_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar compaction_wanted_cv_;
  std::vector<SnapshotName> snapshots_ ABSL_GUARDED_BY(mu_);
  RecoveryReport report_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The sync thread's pacing (kInterval), on the monotonic clock. absl's
  // timed waits (in Debian's Abseil) wait for a CLOCK_REALTIME deadline,
  // and a step of the wall clock back (NTP, `date -s`) moves that deadline
  // away: emulating a step of an hour, the embedding audit saw no sync at
  // all while Apply went on acknowledging. std::condition_variable waits
  // on CLOCK_MONOTONIC for a steady_clock deadline.
  std::mutex pace_mu_;
  std::condition_variable pace_cv_;
  bool pace_stop_ = false;  // guarded by pace_mu_

  // Touched only by the I/O leader (io_busy_ set).
  absl::Duration last_sync_time_;  // of the journal, the last time
  std::unique_ptr<JournalWriter> writer_;
  std::thread sync_thread_;
  std::thread compaction_thread_;
};

}  // namespace statelog::internal

#endif  // STATELOG_STORE_STORE_IMPL_H_
