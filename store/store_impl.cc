// store/store_impl.cc

#include "store/store_impl.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "journal/journal_reader.h"
#include "journal/record.h"
#include "store/snapshot_builder.h"
#include "txn/apply.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/file_names.h"
#include "util/kill_point.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {
namespace {

// A transaction of merge patches only: it applies to any state (RFC 7386),
// so it can be appended without knowing the state.
bool AppliesToAnyState(const Transaction& txn) {
  for (const Operation& op : txn.ops()) {
    if (op.kind != OpKind::kMerge) return false;
  }
  return !txn.empty();
}

}  // namespace

StoreImpl::StoreImpl(StoreImplInit init)
    : env_(init.env),
      dir_(std::move(init.dir)),
      options_(init.options),
      store_id_(std::move(init.store_id)),
      read_only_(init.writer == nullptr),
      lock_(std::move(init.lock)),
      state_(std::move(init.state)),
      state_loaded_(init.state_loaded),
      state_ready_(init.state_loaded),
      last_seq_(init.last_seq),
      last_chain_(init.last_chain),
      schema_version_(init.schema_version),
      written_seq_(init.last_seq),
      durable_seq_(init.last_seq),
      snapshot_seq_(init.snapshots.empty() ? 0 : init.snapshots.front().seq),
      snapshots_(std::move(init.snapshots)),
      writer_(std::move(init.writer)) {
  if (!read_only_ && options_.durability == Durability::kInterval) {
    sync_thread_ = std::thread([this] { SyncLoop(); });
  }
  if (!read_only_ && options_.compact_in_background &&
      (options_.compact_after_records > 0 || options_.compact_after_bytes > 0)) {
    compaction_thread_ = std::thread([this] { CompactionLoop(); });
  }
}

StoreImpl::~StoreImpl() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    compaction_wanted_cv_.Signal();
    if (!read_only_ && poison_.ok()) {
      // Close makes everything applied durable, whatever the policy.
      CommitLocked(last_seq_, /*sync=*/true).IgnoreError();
    }
  }
  if (sync_thread_.joinable()) sync_thread_.join();
  // A compaction that is running finishes first: closing never leaves a
  // half-published snapshot behind (a crash may, and recovery handles it).
  if (compaction_thread_.joinable()) compaction_thread_.join();
}

void StoreImpl::SyncLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.sync_interval);
    if (stopping_ || !poison_.ok()) continue;
    if (durable_seq_ < last_seq_) CommitLocked(last_seq_, true).IgnoreError();
  }
}

absl::Status StoreImpl::EnsureState() {
  absl::MutexLock lock(&mu_);
  return EnsureStateLocked();
}

absl::Status StoreImpl::EnsureStateLocked() {
  while (!state_loaded_) {
    STATELOG_RETURN_IF_ERROR(poison_);
    // Records appended without the state must be in the file before it is
    // read back. Writing them may wait with mu_ released, and meanwhile
    // another caller may build the state or append more: check again.
    if (written_seq_ < last_seq_) {
      STATELOG_RETURN_IF_ERROR(CommitLocked(last_seq_, /*sync=*/false));
      continue;
    }
    // mu_ stays held from here on: nothing is appended, and no compaction
    // publishes a snapshot (so retention cannot drop the base or the
    // segments after it) while the state is built. The newest snapshot was
    // only checked by its header at open; if its state does not verify, an
    // older one (and more of the journal) serves, as in an eager open.
    std::vector<std::string> unusable;
    absl::StatusOr<Json> state = BuildState(env_, dir_, store_id_, snapshots_,
                                            last_seq_, last_chain_, &unusable);
    ForgetSnapshotsLocked(unusable);
    if (!state.ok()) {
      return absl::Status(state.status().code(),
                          absl::StrCat("building the state of ", dir_,
                                       " (opened lazily): ",
                                       state.status().message()));
    }
    state_ = std::move(*state);
    state_loaded_ = true;
    state_ready_.store(true, std::memory_order_release);
  }
  return absl::OkStatus();
}

absl::Status StoreImpl::CheckWritable() const {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", dir_, " is open read-only"));
  }
  return poison_;
}

absl::StatusOr<std::string> StoreImpl::EncodePayload(
    const Transaction& txn) const {
  if (txn.empty()) {
    return absl::InvalidArgumentError("transaction has no operations");
  }
  STATELOG_RETURN_IF_ERROR(txn.Validate());
  STATELOG_ASSIGN_OR_RETURN(std::string payload, DumpJson(txn.ToJson()));
  if (payload.size() > options_.max_record_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transaction encodes to ", payload.size(),
        " bytes, over the maximum record size of ", options_.max_record_bytes));
  }
  return payload;
}

absl::StatusOr<uint64_t> StoreImpl::Apply(const Transaction& txn) {
  STATELOG_ASSIGN_OR_RETURN(std::string payload, EncodePayload(txn));
  uint64_t seq;
  bool compact;
  {
    absl::MutexLock lock(&mu_);
    STATELOG_ASSIGN_OR_RETURN(seq, ApplyLocked(txn, payload));
    compact = CompactionDue();
  }
  MaybeCompact(compact);
  return seq;
}

absl::StatusOr<uint64_t> StoreImpl::Update(
    const std::function<absl::Status(const Json&, Transaction*)>& fn) {
  uint64_t seq;
  bool compact;
  {
    absl::MutexLock lock(&mu_);
    STATELOG_RETURN_IF_ERROR(CheckWritable());
    STATELOG_RETURN_IF_ERROR(EnsureStateLocked());
    Transaction txn;
    STATELOG_RETURN_IF_ERROR(fn(state_, &txn));
    if (txn.empty()) return last_seq_;
    STATELOG_ASSIGN_OR_RETURN(std::string payload, EncodePayload(txn));
    STATELOG_ASSIGN_OR_RETURN(seq, ApplyLocked(txn, payload));
    compact = CompactionDue();
  }
  MaybeCompact(compact);
  return seq;
}

absl::StatusOr<uint64_t> StoreImpl::ApplyLocked(const Transaction& txn,
                                                const std::string& payload) {
  STATELOG_RETURN_IF_ERROR(CheckWritable());
  // The state is changed first: a transaction that does not apply is never
  // framed, so it can never reach the journal. Without the state (opened
  // lazily), merge patches need none: they apply to any state.
  if (state_loaded_ || !AppliesToAnyState(txn)) {
    STATELOG_RETURN_IF_ERROR(EnsureStateLocked());
    STATELOG_RETURN_IF_ERROR(ApplyTransaction(txn, &state_));
  }
  const uint64_t seq = ++last_seq_;
  const size_t before = pending_.size();
  last_chain_ = EncodeRecord(last_chain_, seq, durable_seq_,
                             RecordType::kTransaction, payload, &pending_);
  journal_bytes_since_snapshot_ += pending_.size() - before;
  STATELOG_RETURN_IF_ERROR(
      CommitLocked(seq, options_.durability == Durability::kSync));
  return seq;
}

absl::Status StoreImpl::CommitLocked(uint64_t seq, bool sync) {
  while (true) {
    if (!poison_.ok()) return poison_;
    if (sync ? durable_seq_ >= seq : written_seq_ >= seq) {
      return absl::OkStatus();
    }
    if (io_busy_) {
      io_done_.Wait(&mu_);
      continue;
    }
    // Become the leader for everything framed so far.
    io_busy_ = true;
    std::string batch;
    batch.swap(pending_);
    const uint64_t batch_last = last_seq_;
    mu_.Unlock();
    absl::Status s = absl::OkStatus();
    if (!batch.empty()) s = writer_->Write(batch);
    if (s.ok() && sync) s = writer_->Sync();
    mu_.Lock();
    io_busy_ = false;
    if (s.ok()) {
      written_seq_ = batch_last;
      if (sync) durable_seq_ = batch_last;
    } else {
      // The kernel may have dropped the dirty pages already; a retried
      // fsync could report success for data that is gone. Only recovery
      // (reopening) knows what reached the disk.
      PoisonLocked("journal write", s);
    }
    io_done_.SignalAll();
  }
}

absl::StatusOr<Json> StoreImpl::Get(const std::string& pointer) {
  STATELOG_ASSIGN_OR_RETURN(std::vector<std::string> tokens,
                            SplitPointer(pointer));
  if (!state_ready_.load(std::memory_order_acquire)) {
    STATELOG_RETURN_IF_ERROR(EnsureState());
  }
  absl::ReaderMutexLock lock(&mu_);
  STATELOG_RETURN_IF_ERROR(poison_);
  // FindValue only walks the document; it never changes it.
  absl::StatusOr<Json*> found =
      FindValue(const_cast<Json*>(&state_), tokens, tokens.size());
  if (!found.ok()) {
    return absl::Status(found.status().code(),
                        absl::StrCat("no value at \"", pointer,
                                     "\": ", found.status().message()));
  }
  return **found;
}

absl::Status StoreImpl::Read(
    const std::function<void(const Json&, uint64_t)>& fn) {
  if (!state_ready_.load(std::memory_order_acquire)) {
    STATELOG_RETURN_IF_ERROR(EnsureState());
  }
  absl::ReaderMutexLock lock(&mu_);
  STATELOG_RETURN_IF_ERROR(poison_);
  fn(state_, last_seq_);
  return absl::OkStatus();
}

absl::Status StoreImpl::Sync() {
  absl::MutexLock lock(&mu_);
  STATELOG_RETURN_IF_ERROR(CheckWritable());
  return CommitLocked(last_seq_, true);
}

uint64_t StoreImpl::LastSeq() const {
  absl::ReaderMutexLock lock(&mu_);
  return last_seq_;
}

absl::Status StoreImpl::status() const {
  absl::ReaderMutexLock lock(&mu_);
  return poison_;
}

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
  std::vector<std::string> unusable;
  absl::StatusOr<std::string> state_json = BuildSnapshotState(
      env_, dir_, store_id_, bases, header.seq, header.chain, &unusable);
  if (!unusable.empty()) {
    absl::MutexLock lock(&mu_);
    ForgetSnapshotsLocked(unusable);
  }
  absl::Status status = state_json.status();
  if (status.ok()) status = PublishSnapshot(header, *state_json);
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

void StoreImpl::ForgetSnapshotsLocked(const std::vector<std::string>& files) {
  // The files stay on disk as evidence (recovery passes over them too);
  // they only stop counting as fallbacks for retention.
  for (const std::string& file : files) {
    snapshots_.erase(std::remove_if(snapshots_.begin(), snapshots_.end(),
                                    [&](const SnapshotName& s) {
                                      return s.file == file;
                                    }),
                     snapshots_.end());
  }
}

void StoreImpl::PoisonLocked(absl::string_view what,
                             const absl::Status& cause) {
  if (!poison_.ok()) return;
  poison_ = absl::Status(
      cause.code(), absl::StrCat(what, " failed, store is poisoned until "
                                       "reopened: ",
                                 cause.message()));
}

absl::Status StoreImpl::PublishSnapshot(const SnapshotHeader& header,
                                        const std::string& state_json) {
  bool outcome_unknown = false;
  absl::StatusOr<std::string> file =
      WriteSnapshot(env_, dir_, header, state_json, &outcome_unknown);
  // A snapshot counts as kept only once it reads back and verifies.
  absl::Status status = file.status();
  if (status.ok()) {
    status = ReadSnapshot(env_, dir_, *file, store_id_).status();
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
  const size_t keep =
      static_cast<size_t>(std::max(2, options_.keep_snapshots));
  if (snapshots.size() <= 1) return absl::OkStatus();
  const size_t kept = std::min(keep, snapshots.size());
  const uint64_t oldest_kept = snapshots[kept - 1].seq;
  // Snapshots whose removal fails stay listed, after the kept ones, so the
  // next compaction tries again; the list never names a deleted file.
  std::vector<SnapshotName> listed(snapshots.begin(), snapshots.begin() + kept);
  absl::Status status = absl::OkStatus();
  bool changed = false;
  for (size_t i = kept; i < snapshots.size(); ++i) {
    absl::Status removed = env_->RemoveFile(JoinPath(dir_, snapshots[i].file));
    if (removed.ok() || absl::IsNotFound(removed)) {
      changed = true;
    } else {
      listed.push_back(snapshots[i]);
      status.Update(removed);
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
