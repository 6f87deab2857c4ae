// store/compaction.cc
//
// StoreImpl's compaction and retention: when a compaction is due, the
// compaction itself (one journal fdatasync under the I/O role, then the
// snapshot state rebuilt from the previous snapshot and the synced journal
// off the lock), publication (paced while kSync writers commit), and the
// removal of what no kept snapshot needs (docs/format.md, "Retention";
// docs/tuning.md).

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "journal/journal_reader.h"
#include "recovery/quarantine.h"
#include "recovery/recovery.h"
#include "store/snapshot_builder.h"
#include "store/store_impl.h"
#include "util/file_names.h"
#include "util/kill_point.h"
#include "util/status_macros.h"

namespace statelog::internal {

namespace {

// What a compaction's pacer sees of the writers: the store's last
// sequence number, and whether a commit of it is still waiting for the
// disk.
struct CommitActivity {
  uint64_t last_seq = 0;
  bool waiting = false;
};

// Holds a snapshot's writes to `rate` bytes a second while writers commit:
// called after each piece, it sleeps out what is left of the piece's share
// of time if a transaction was framed since the last call (its sleep
// included) or a commit is waiting for the disk now. Writers that commit
// at all keep every piece paced, however long each of their commits
// takes: one whose fdatasync outlasts the whole compaction frames nothing
// meanwhile, but is waiting (Options::compaction_write_rate). Timed on the
// monotonic clock: with the wall clock, a step back of an hour during a
// piece made the pacer sleep an hour, and closing the store waited for it
// (tests/clock/clock_step_test.cc).
class WritePacer {
 public:
  WritePacer(uint64_t rate, std::function<CommitActivity()> activity)
      : rate_(rate),
        activity_(std::move(activity)),
        seen_(activity_().last_seq) {}

  void operator()(size_t bytes) {
    const CommitActivity now = activity_();
    if (now.last_seq != seen_ || now.waiting) {
      const absl::Duration share = absl::Seconds(static_cast<double>(bytes) /
                                                 static_cast<double>(rate_));
      const absl::Duration spent =
          absl::FromChrono(Clock::now() - piece_start_);
      if (spent < share) absl::SleepFor(share - spent);
    }
    seen_ = now.last_seq;
    piece_start_ = Clock::now();
  }

 private:
  const uint64_t rate_;
  const std::function<CommitActivity()> activity_;
  using Clock = std::chrono::steady_clock;
  uint64_t seen_;
  Clock::time_point piece_start_ = Clock::now();
};

}  // namespace

bool StoreImpl::CompactionDue() const {
  if (compacting_) return false;
  const uint64_t records = last_seq_ - snapshot_seq_;
  return (options_.compact_after_records > 0 &&
          records >= options_.compact_after_records) ||
         (options_.compact_after_bytes > 0 &&
          journal_bytes_since_snapshot_ >= options_.compact_after_bytes);
}

absl::Status StoreImpl::Compact() {
  SnapshotHeader header;
  std::vector<SnapshotName> bases;
  TextState::Source held;
  {
    absl::MutexLock lock(&mu_);
    STATELOG_RETURN_IF_ERROR(CheckWritable());
    // One compaction at a time. A caller that finds one running waits for
    // it and then covers what was applied since: when Compact returns,
    // everything applied before the call is in a snapshot.
    // Take the I/O role too, then read the sequence number: chasing
    // "everything synced" while writers keep framing records would cost
    // one fdatasync per lap. Both conditions are checked together after
    // every wait: another Compact may have started during either.
    while (compacting_ || io_busy_) {
      if (compacting_) {
        compaction_done_.Wait(&mu_);
      } else {
        io_done_.Wait(&mu_);
      }
    }
    STATELOG_RETURN_IF_ERROR(poison_);
    if (last_seq_ == snapshot_seq_ || snapshots_.empty()) {
      return absl::OkStatus();
    }
    compacting_ = true;
    io_busy_ = true;
    header.store_id = store_id_;
    header.seq = last_seq_;
    header.chain = last_chain_;
    header.schema_version = schema_version_;
    bases = snapshots_;
    // The open store's snapshot bytes, if its state still uses them: the
    // rebuild shares them instead of reading the file again.
    if (state_loaded_.load(std::memory_order_relaxed)) held = state_.source();
    std::string batch;
    batch.swap(pending_);
    mu_.Unlock();
    // The journal must hold everything the snapshot covers before the
    // snapshot exists: otherwise a crash could leave a snapshot ahead of a
    // journal that then continues with different records. This sync is the
    // only part of a compaction that writers wait for.
    absl::Status io = batch.empty() ? absl::OkStatus() : writer_->Write(batch);
    if (io.ok()) io = writer_->Sync();
    mu_.Lock();
    io_busy_ = false;
    if (io.ok()) {
      written_seq_ = durable_seq_ = header.seq;
    } else {
      PoisonLocked("journal write during compaction", io);
    }
    io_done_.SignalAll();
    if (!io.ok()) {
      compacting_ = false;
      compaction_done_.SignalAll();
      return poison_;
    }
  }

  KillPoint("compaction.synced");
  // Snapshots and segments are read by path: from a store directory that
  // is no longer at it, they would be another directory's.
  absl::Status status = CheckInPlace();
  if (status.ok()) {
    std::vector<SnapshotAttempt> tried;
    // The state with the members the records change as their new text and
    // the rest as the previous snapshot's: nothing reads it, so no member
    // is kept as a tree.
    absl::StatusOr<TextState> state =
        BuildState(env_, dir_, store_id_, bases, header.seq, header.chain,
                   &tried, &held, ChangedMembers::kText);
    held = TextState::Source();
    // A failure, or a snapshot that did not verify, may be the directory
    // moving during the read; then the snapshots are not to be forgotten.
    if (!state.ok() || AnyPassedOver(tried)) status = CheckInPlace();
    if (status.ok() && AnyPassedOver(tried)) {
      absl::MutexLock lock(&mu_);
      ForgetSnapshotsLocked(tried);
      // A store opened lazily that has not built its state knows of the
      // newest snapshot only its header: the report learns here, as it
      // would from the first Get, which snapshot served instead.
      if (state.ok() && !state_loaded_.load(std::memory_order_relaxed)) {
        status = ReportLateFallbackLocked(tried);
      }
    }
    if (status.ok()) status = state.status();
    if (status.ok()) status = PublishSnapshot(header, std::move(*state));
  }
  absl::MutexLock lock(&mu_);
  compacting_ = false;
  compaction_done_.SignalAll();
  return status;
}

void StoreImpl::CompactionLoop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    while (!stopping_ && !compaction_wanted_) compaction_wanted_cv_.Wait(&mu_);
    if (stopping_) return;
    compaction_wanted_ = false;
    mu_.Unlock();
    // A failure is retried after the next Apply that finds compaction due;
    // a poisoned store shows in status().
    Compact().IgnoreError();
    mu_.Lock();
  }
}

void StoreImpl::MaybeCompact(bool due) {
  if (!due) return;
  if (!options_.compact_in_background) {
    // The transaction is durable whatever happens here; a failed compaction
    // is retried by the next Apply, and a poisoned writer shows in status().
    Compact().IgnoreError();
    return;
  }
  absl::MutexLock lock(&mu_);
  compaction_wanted_ = true;
  compaction_wanted_cv_.Signal();
}

void StoreImpl::ForgetSnapshotsLocked(
    const std::vector<SnapshotAttempt>& tried) {
  // The files stay on disk as evidence (recovery passes over them too);
  // they only stop counting as fallbacks for retention.
  for (const SnapshotAttempt& attempt : tried) {
    if (attempt.error.empty()) continue;
    snapshots_.erase(std::remove_if(snapshots_.begin(), snapshots_.end(),
                                    [&](const SnapshotName& s) {
                                      return s.file == attempt.file;
                                    }),
                     snapshots_.end());
  }
}

absl::Status StoreImpl::PublishSnapshot(const SnapshotHeader& header,
                                        TextState state) {
  STATELOG_RETURN_IF_ERROR(CheckInPlace());
  bool outcome_unknown = false;
  // Paced only where writers wait for the disk.
  std::optional<PieceWritten> pacer;
  if (options_.durability == Durability::kSync &&
      options_.compaction_write_rate > 0) {
    pacer = WritePacer(options_.compaction_write_rate, [this] {
      absl::MutexLock lock(&mu_);
      return CommitActivity{last_seq_, durable_seq_ < last_seq_};
    });
  }
  // Streamed: the new snapshot's text is never whole in memory.
  absl::StatusOr<std::string> file = WriteSnapshot(
      env_, dir_, header,
      [&state](const ByteSink& sink) { return state.DumpTo(sink); },
      &outcome_unknown, pacer ? &*pacer : nullptr);
  state = TextState();
  // A snapshot counts as kept only once it reads back and verifies.
  absl::Status status = file.status();
  if (status.ok()) {
    status = VerifySnapshot(env_, dir_, *file, store_id_).status();
    outcome_unknown = !status.ok();
  }
  if (!status.ok()) {
    // A failed fsync (or a snapshot that does not read back) leaves the
    // directory's durable contents unknown; a retried fsync could report
    // success for pages already lost. Only reopening reads the truth.
    if (outcome_unknown) {
      absl::MutexLock lock(&mu_);
      PoisonLocked("publishing a snapshot", status);
    }
    return status;
  }
  std::vector<SnapshotName> snapshots;
  {
    absl::MutexLock lock(&mu_);
    snapshot_seq_ = header.seq;
    journal_bytes_since_snapshot_ = 0;
    snapshots_.insert(snapshots_.begin(), SnapshotName{*file, header.seq});
    snapshots = snapshots_;
  }
  return Retain(std::move(snapshots));
}

absl::Status StoreImpl::Retain(std::vector<SnapshotName> snapshots) {
  const size_t keep = static_cast<size_t>(std::max(2, options_.keep_snapshots));
  if (snapshots.size() <= 1) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(CheckInPlace());
  const size_t kept = std::min(keep, snapshots.size());
  const uint64_t oldest_kept = snapshots[kept - 1].seq;
  // Snapshots whose removal fails stay listed, after the kept ones, so the
  // next compaction tries again; the list never names a deleted file.
  std::vector<SnapshotName> listed(snapshots.begin(), snapshots.begin() + kept);
  absl::Status status = absl::OkStatus();
  bool changed = false;
  for (size_t i = kept; i < snapshots.size(); ++i) {
    // Only its header was checked when the store was opened; if its state
    // is damaged, that is evidence of a disk fault, and no open has told
    // anyone. It goes to quarantine/ instead of away. (A snapshot that
    // cannot be read at all is retired as before: waiting for it would
    // stop retention.)
    absl::StatusOr<SnapshotHeader> verified =
        VerifySnapshot(env_, dir_, snapshots[i].file, store_id_);
    absl::Status removed =
        absl::IsDataLoss(verified.status())
            ? QuarantineFile(env_, dir_, snapshots[i].file,
                             absl::StrCat("a snapshot retention retired, "
                                          "found damaged: ",
                                          verified.status().message()))
                  .status()
            : env_->RemoveFile(JoinPath(dir_, snapshots[i].file));
    if (removed.ok() || absl::IsNotFound(removed)) {
      changed = true;
    } else {
      listed.push_back(snapshots[i]);
      status.Update(removed);
    }
  }
  // A snapshot file that is not listed is one recovery passed over as
  // damaged (one that could not be read fails the open instead). Once a
  // verified snapshot is newer, it serves no recovery: it goes to
  // quarantine/ as evidence now, while this process knows it is damaged.
  // Left for a later compaction, it was deleted by a process that had not
  // read it and took it for an ordinary old snapshot.
  absl::StatusOr<std::vector<SnapshotName>> on_disk = ListSnapshots(env_, dir_);
  if (status.ok() && !on_disk.ok()) status = on_disk.status();
  if (on_disk.ok()) {
    for (const SnapshotName& name : *on_disk) {
      const bool is_listed = std::any_of(
          listed.begin(), listed.end(),
          [&name](const SnapshotName& l) { return l.file == name.file; });
      if (is_listed || name.seq >= listed.front().seq || !status.ok()) {
        continue;
      }
      status = QuarantineFile(env_, dir_, name.file,
                              "a damaged snapshot a newer one supersedes")
                   .status();
    }
  }
  {
    absl::MutexLock lock(&mu_);
    snapshots_ = std::move(listed);
  }
  KillPoint("retention.snapshots-removed");
  // A segment is dropped only when the next one starts at or before the
  // record after the oldest kept snapshot: every record in it is then
  // covered by every snapshot kept.
  absl::StatusOr<std::vector<SegmentFile>> segments = ListSegments(env_, dir_);
  if (status.ok() && !segments.ok()) status = segments.status();
  if (segments.ok()) {
    for (size_t i = 0; i + 1 < segments->size() && status.ok(); ++i) {
      if ((*segments)[i + 1].first_seq > oldest_kept + 1) break;
      status = env_->RemoveFile(JoinPath(dir_, (*segments)[i].name));
      changed = changed || status.ok();
    }
  }
  if (changed) {
    absl::Status synced = env_->SyncDir(dir_);
    if (!synced.ok()) {
      absl::MutexLock lock(&mu_);
      PoisonLocked("syncing the directory after retention", synced);
      return synced;
    }
  }
  return status;
}

}  // namespace statelog::internal
