// tests/testing/fault_plan.h
//
// FaultPlan: which call of a CrashEnv fails, and how. Either the call with a
// given number (counting every call: opens, reads, writes, syncs, renames,
// ...), or the k-th fsync/fdatasync of one kind of file. The error is EIO
// (InternalError), ENOSPC (ResourceExhaustedError) or a short write (half
// the bytes land, then ENOSPC); once, or for that call and every later one.
// A failed fdatasync drops the pages it covered (durable_model.h).
//
// A plan records when it fired, so a workload can tell which store call saw
// the failure and whether the failure must poison the store.

#ifndef STATELOG_TESTS_TESTING_FAULT_PLAN_H_
#define STATELOG_TESTS_TESTING_FAULT_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "tests/testing/crash_env.h"

namespace statelog::testing {

enum class FaultError : uint8_t { kEio, kEnospc, kShortWrite };
const char* FaultErrorName(FaultError error);

// What a sync covers.
enum class SyncTarget : uint8_t { kJournal, kSnapshot, kDirectory, kOther };
const char* SyncTargetName(SyncTarget target);
// REQUIRES: call.kind is kSync or kSyncDir.
SyncTarget ClassifySync(const FsCall& call);

// Whether `error` can be injected into a call of `kind`: EIO into any,
// ENOSPC into calls that allocate or write, a short write into writes.
bool Applies(FaultError error, FsOpKind kind);

class FaultPlan {
 public:
  // Call number `index` fails.
  static FaultPlan AtCall(uint64_t index, FaultError error, bool sticky);
  // The k-th (from 0) sync of `target` fails with EIO, once.
  static FaultPlan AtSync(SyncTarget target, uint64_t k);

  // The hook to install. The plan must outlive its use.
  FsFaultHook Hook();
  // No more faults from now on.
  void Disarm() { armed_ = false; }

  bool fired() const { return fired_.has_value(); }
  // The first failed call. REQUIRES: fired().
  const FsCall& fired_call() const { return *fired_; }
  // Whether the store must be poisoned after the failure: any failed fsync
  // or fdatasync, and a failed write to the journal. Not a failure on the
  // spare segment (wal-spare.tmp): it holds no record until it is
  // published, a failed preparation is dropped and the segment made when
  // it starts instead, and a failure while it is being published (its
  // header) fails the journal write, which poisons the store regardless.
  bool MustPoison() const;
  bool sticky() const { return sticky_; }
  // "EIO once at call 37 (fdatasync /s/wal-...log)".
  std::string Describe() const;

 private:
  std::optional<FsFault> Decide(const FsCall& call);

  bool by_sync_ = false;
  uint64_t index_ = 0;
  SyncTarget target_ = SyncTarget::kJournal;
  FaultError error_ = FaultError::kEio;
  bool sticky_ = false;
  bool armed_ = true;
  uint64_t syncs_seen_ = 0;
  std::optional<FsCall> fired_;
};

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_FAULT_PLAN_H_
