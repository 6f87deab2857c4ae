// store/store_impl.cc
//
// StoreImpl: applying transactions (group commit through CommitLocked),
// reads, the lazily built state, and poisoning. Compaction and retention
// are in store/compaction.cc.

#include "store/store_impl.h"

#include <algorithm>
#include <chrono>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "journal/format.h"
#include "journal/record.h"
#include "recovery/recovery.h"
#include "store/snapshot_builder.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/json_util.h"
#include "util/status_macros.h"

namespace statelog::internal {

absl::Status OutOfMemory() {
  return absl::ResourceExhaustedError(
      "out of memory; the transaction was not applied");
}

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
      last_seq_(init.last_seq),
      last_chain_(init.last_chain),
      schema_version_(init.schema_version),
      written_seq_(init.last_seq),
      durable_seq_(init.last_seq),
      snapshot_seq_(init.snapshots.empty() ? 0 : init.snapshots.front().seq),
      snapshots_(std::move(init.snapshots)),
      report_(std::move(init.report)),
      writer_(std::move(init.writer)) {
  if (!read_only_ && options_.durability == Durability::kInterval) {
    sync_thread_ = std::thread([this] { SyncLoop(); });
  }
  if (!read_only_ && options_.compact_in_background &&
      (options_.compact_after_records > 0 ||
       options_.compact_after_bytes > 0)) {
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
  {
    std::lock_guard<std::mutex> pace(pace_mu_);
    pace_stop_ = true;
  }
  pace_cv_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  // A compaction that is running finishes first: closing never leaves a
  // half-published snapshot behind (a crash may, and recovery handles it).
  if (compaction_thread_.joinable()) compaction_thread_.join();
}

void StoreImpl::SyncLoop() {
  using Clock = std::chrono::steady_clock;
  const Clock::duration interval = std::chrono::duration_cast<Clock::duration>(
      absl::ToChronoNanoseconds(options_.sync_interval));
  Clock::time_point next = Clock::now() + interval;
  for (;;) {
    {
      std::unique_lock<std::mutex> pace(pace_mu_);
      if (pace_cv_.wait_until(pace, next, [this] { return pace_stop_; })) {
        return;
      }
    }
    // Paced from the start of each sync, not from its end: a record
    // acknowledged while one fdatasync runs is in the next, which starts
    // one interval after the previous one started (at once if the disk
    // took longer than that). A power cut then loses at most the last
    // interval plus the fdatasync in flight, not the interval plus two.
    next = Clock::now() + interval;
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (!poison_.ok()) continue;
    if (durable_seq_ < last_seq_) CommitLocked(last_seq_, true).IgnoreError();
  }
}

absl::Status StoreImpl::EnsureState() {
  // Once built, the state stays: no lock needed to see that.
  if (state_loaded_.load(std::memory_order_acquire)) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  return EnsureStateLocked();
}

absl::Status StoreImpl::EnsureStateLocked() {
  while (!state_loaded_.load(std::memory_order_relaxed)) {
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
    std::vector<SnapshotAttempt> tried;
    absl::StatusOr<TextState> state =
        BuildState(env_, dir_, store_id_, snapshots_, last_seq_, last_chain_,
                   &tried, /*held=*/nullptr, ChangedMembers::kTrees);
    ForgetSnapshotsLocked(tried);
    if (!state.ok()) {
      // The report keeps what the open found: no state was built from the
      // snapshot `tried` would name as used.
      return absl::Status(
          state.status().code(),
          absl::StrCat("building the state of ", dir_,
                       " (opened lazily): ", state.status().message()));
    }
    STATELOG_RETURN_IF_ERROR(ReportLateFallbackLocked(tried));
    state_ = std::move(*state);
    state_loaded_.store(true, std::memory_order_release);
  }
  return absl::OkStatus();
}

absl::Status StoreImpl::ReportLateFallbackLocked(
    const std::vector<SnapshotAttempt>& tried) {
  if (!AnyPassedOver(tried)) return absl::OkStatus();
  // The open used the newest snapshot on the strength of its header; the
  // report now says what building the state found.
  std::vector<SnapshotAttempt>& attempts = report_.snapshots_tried;
  const uint64_t opened_from = report_.snapshot_seq;
  for (const SnapshotAttempt& attempt : tried) {
    auto it = std::find_if(
        attempts.begin(), attempts.end(),
        [&](const SnapshotAttempt& a) { return a.file == attempt.file; });
    if (it == attempts.end()) {
      attempts.push_back(attempt);
    } else {
      *it = attempt;
    }
    if (attempt.used) {
      report_.snapshot_used = attempt.file;
      report_.snapshot_seq = attempt.seq;
      report_.records_replayed = report_.last_seq - attempt.seq;
      // The records between the two snapshots were skipped at open, as
      // covered by the one it meant to use; now they are replayed.
      const uint64_t now_replayed =
          opened_from > attempt.seq ? opened_from - attempt.seq : 0;
      report_.records_skipped -=
          std::min<uint64_t>(report_.records_skipped, now_replayed);
    } else if (report_.snapshot_used == attempt.file) {
      report_.snapshot_used.clear();
      report_.snapshot_seq = 0;
    }
  }
  if (read_only_) return absl::OkStatus();
  STATELOG_RETURN_IF_ERROR(CheckInPlaceLocked());
  return WriteReport(env_, dir_, report_);
}

RecoveryReport StoreImpl::recovery_report() const {
  absl::MutexLock lock(&mu_);
  return report_;
}

absl::Status StoreImpl::CheckWritable() const {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat("store ", dir_, " is open read-only"));
  }
  return poison_;
}

absl::StatusOr<std::string> StoreImpl::EncodePayload(const Transaction& txn,
                                                     size_t* value_at) const {
  return EncodeRecordPayload(txn, options_.max_record_bytes, value_at);
}

absl::StatusOr<uint64_t> StoreImpl::Apply(const Transaction& txn,
                                          Values values) {
  if (txn.empty()) {
    absl::MutexLock lock(&mu_);
    return AcknowledgeEmptyLocked();
  }
  // Encoded before anything moves out of it.
  absl::StatusOr<std::string> payload;
  size_t value_at = std::string::npos;
  try {
    payload = EncodePayload(txn, &value_at);
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  if (!payload.ok()) return payload.status();
  uint64_t seq;
  bool compact;
  {
    absl::MutexLock lock(&mu_);
    STATELOG_ASSIGN_OR_RETURN(seq,
                              ApplyLocked(txn, *payload, value_at, values));
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
    STATELOG_ASSIGN_OR_RETURN(const Json* whole, state_.Whole());
    Transaction txn;
    STATELOG_RETURN_IF_ERROR(fn(*whole, &txn));
    if (txn.empty()) return AcknowledgeEmptyLocked();
    size_t value_at = std::string::npos;
    STATELOG_ASSIGN_OR_RETURN(std::string payload,
                              EncodePayload(txn, &value_at));
    // `txn` is this call's own.
    STATELOG_ASSIGN_OR_RETURN(
        seq, ApplyLocked(txn, payload, value_at, Values::kMove));
    compact = CompactionDue();
  }
  MaybeCompact(compact);
  return seq;
}

absl::StatusOr<uint64_t> StoreImpl::ApplyLocked(const Transaction& txn,
                                                const std::string& payload,
                                                size_t value_at,
                                                Values values) {
  STATELOG_RETURN_IF_ERROR(PrepareFrameLocked(payload));
  // The state is changed first: a transaction that does not apply is never
  // framed, so it can never reach the journal. Without the state (opened
  // lazily), merge patches need none: they apply to any state. Either step
  // that runs out of memory has changed nothing (text_state.h).
  if (state_loaded_.load(std::memory_order_relaxed) ||
      !AppliesToAnyState(txn)) {
    try {
      STATELOG_RETURN_IF_ERROR(EnsureStateLocked());
      STATELOG_RETURN_IF_ERROR(state_.Apply(txn, Validation::kAlreadyValidated,
                                            values,
                                            OnlyValueText(payload, value_at)));
    } catch (const std::bad_alloc&) {
      return OutOfMemory();
    }
  }
  return FrameLocked(payload);
}

absl::Status StoreImpl::PrepareFrameLocked(const std::string& payload) {
  STATELOG_RETURN_IF_ERROR(CheckWritable());
  // Room for the record's frame first: framing it once the state has
  // changed then allocates nothing, so memory running out cannot leave the
  // state ahead of the journal.
  try {
    pending_.reserve(pending_.size() + kRecordHeaderSize + payload.size());
  } catch (const std::bad_alloc&) {
    return OutOfMemory();
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> StoreImpl::FrameLocked(const std::string& payload) {
  const uint64_t seq = ++last_seq_;
  const size_t before = pending_.size();
  last_chain_ = EncodeRecord(last_chain_, seq, durable_seq_,
                             RecordType::kTransaction, payload, &pending_);
  journal_bytes_since_snapshot_ += pending_.size() - before;
  const bool sync = options_.durability == Durability::kSync;
  STATELOG_RETURN_IF_ERROR(CommitLocked(seq, sync, /*gather=*/sync));
  return seq;
}

absl::StatusOr<uint64_t> StoreImpl::AcknowledgeEmptyLocked() {
  STATELOG_RETURN_IF_ERROR(CheckWritable());
  // No record: the answer is the newest sequence number, given once the
  // policy holds for it, as it would be for a record of its own (a
  // concurrent writer's record may still be on its way to the disk).
  const uint64_t seq = last_seq_;
  STATELOG_RETURN_IF_ERROR(CommitLocked(
      seq, options_.durability == Durability::kSync, /*gather=*/false));
  return seq;
}

bool StoreImpl::GatheredLocked() const {
  return last_seq_ >= gather_target_ || !poison_.ok();
}

absl::Status StoreImpl::CommitLocked(uint64_t seq, bool sync, bool gather) {
  while (true) {
    if (!poison_.ok()) return poison_;
    if (sync ? durable_seq_ >= seq : written_seq_ >= seq) {
      return absl::OkStatus();
    }
    if (io_busy_) {
      io_done_.Wait(&mu_);
      continue;
    }
    if (!sync && writer_->Fits(pending_.size())) {
      // Under kNone and kInterval, a write that stays in the segment only
      // copies the records into the page cache (a mapping, or a pwrite):
      // cheaper done under mu_ than letting it go and taking it back. One
      // that starts a segment (an fdatasync, a rename, a directory fsync)
      // takes the way below, which lets readers and writers in meanwhile.
      absl::Status s = writer_->Write(pending_);
      pending_.clear();  // keeps its buffer for the next record
      if (!s.ok()) {
        PoisonLocked("journal write", s);
        continue;
      }
      written_seq_ = last_seq_;
      continue;
    }
    // Become the leader for everything framed so far.
    io_busy_ = true;
    if (gather && last_seq_ < gather_target_ && !gather_missed_ &&
        options_.max_group_commit_wait > absl::ZeroDuration()) {
      // The writers the last batch released are likely to be back with
      // their next transaction within a fraction of a sync; without this
      // wait they would miss this batch and wait out two syncs, and eight
      // writers would settle into two alternating batches of four. Bounded
      // by half the last sync (Options::max_group_commit_wait); after a
      // wait that timed out (the writers went on to other work), the next
      // leader does not wait.
      const absl::Duration window =
          std::min(last_sync_time_ / 2, options_.max_group_commit_wait);
      gather_missed_ = !mu_.AwaitWithTimeout(
          absl::Condition(this, &StoreImpl::GatheredLocked), window);
    } else {
      gather_missed_ = false;
    }
    std::string batch;
    batch.swap(pending_);
    const uint64_t batch_last = last_seq_;
    const uint64_t released = batch_last - durable_seq_;
    mu_.Unlock();
    absl::Status s = absl::OkStatus();
    if (!batch.empty()) s = writer_->Write(batch);
    if (s.ok() && sync) {
      // Monotonic: a step of the wall clock must not make it negative or
      // huge (it bounds the gathering wait above).
      const auto start = std::chrono::steady_clock::now();
      s = writer_->Sync();
      last_sync_time_ =
          absl::FromChrono(std::chrono::steady_clock::now() - start);
    }
    mu_.Lock();
    io_busy_ = false;
    if (s.ok()) {
      written_seq_ = batch_last;
      if (sync) {
        durable_seq_ = batch_last;
        // Under kSync each writer has one record in flight: `released`
        // writers return now, after what was framed during the sync.
        gather_target_ = last_seq_ + released;
      }
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
  STATELOG_RETURN_IF_ERROR(EnsureState());
  {
    // Readers share the lock once what they read is parsed.
    absl::ReaderMutexLock lock(&mu_);
    if (state_.Prepared(tokens)) return FindLocked(pointer, tokens);
  }
  absl::MutexLock lock(&mu_);
  STATELOG_RETURN_IF_ERROR(state_.Prepare(tokens));
  return FindLocked(pointer, tokens);
}

absl::StatusOr<Json> StoreImpl::FindLocked(
    const std::string& pointer, const std::vector<std::string>& tokens) const {
  STATELOG_RETURN_IF_ERROR(poison_);
  absl::StatusOr<const Json*> value = state_.Find(tokens);
  if (!value.ok()) {
    return absl::Status(value.status().code(),
                        absl::StrCat("no value at \"", pointer,
                                     "\": ", value.status().message()));
  }
  return **value;
}

absl::Status StoreImpl::Read(
    const std::function<void(const Json&, uint64_t)>& fn) {
  STATELOG_RETURN_IF_ERROR(EnsureState());
  // Readers share the lock once the state is one tree. A writer may keep a
  // member put as text again between the two sections (text_state.h); after
  // a few such turns `fn` runs under the write lock, which none can pass.
  constexpr int kSharedTurns = 3;
  for (int turn = 1;; ++turn) {
    {
      absl::MutexLock lock(&mu_);
      STATELOG_RETURN_IF_ERROR(poison_);
      // Parses what is still text, and settles the puts kept as text.
      STATELOG_ASSIGN_OR_RETURN(const Json* whole, state_.Whole());
      if (turn == kSharedTurns) {
        fn(*whole, last_seq_);
        return absl::OkStatus();
      }
    }
    absl::ReaderMutexLock lock(&mu_);
    STATELOG_RETURN_IF_ERROR(poison_);
    if (const Json* tree = state_.tree(); tree != nullptr) {
      fn(*tree, last_seq_);
      return absl::OkStatus();
    }
  }
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

absl::Status StoreImpl::CheckInPlace() {
  if (lock_ == nullptr) return absl::OkStatus();
  absl::Status s = lock_->CheckInPlace();
  if (!s.ok()) {
    absl::MutexLock lock(&mu_);
    PoisonLocked("checking the store directory", s);
  }
  return s;
}

absl::Status StoreImpl::CheckInPlaceLocked() {
  if (lock_ == nullptr) return absl::OkStatus();
  absl::Status s = lock_->CheckInPlace();
  if (!s.ok()) PoisonLocked("checking the store directory", s);
  return s;
}

void StoreImpl::PoisonLocked(absl::string_view what,
                             const absl::Status& cause) {
  if (!poison_.ok()) return;
  poison_ = absl::Status(cause.code(),
                         absl::StrCat(what,
                                      " failed, store is poisoned until "
                                      "reopened: ",
                                      cause.message()));
}

}  // namespace statelog::internal
