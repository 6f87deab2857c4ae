// tests/testing/crash_workload.h
//
// Workloads for the crash and fault tests: the step vocabulary (small set,
// value over 4 KiB, remove, array append, merge patch, compact,
// close+reopen, sync), the
// transaction each step submits, and the starting stores (fixtures).
// WorkloadRunner (workload_runner.h) runs the steps.

#ifndef STATELOG_TESTS_TESTING_CRASH_WORKLOAD_H_
#define STATELOG_TESTS_TESTING_CRASH_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "statelog/options.h"
#include "statelog/transaction.h"
#include "tests/testing/fs_image.h"
#include "tests/testing/oracle.h"

namespace statelog::testing {

enum class StepKind : uint8_t {
  kSmallSet,
  kBigSet,  // a value over 4 KiB: the record spans sectors and pages
  kRemove,
  kAppend,  // array append: applying it twice shows
  kMerge,   // a root merge patch: appended blind by a lazily opened store
  kCompact,
  kReopen,  // close and open again (recovery)
  kSync,
};
inline constexpr StepKind kShortStepKinds[] = {
    StepKind::kSmallSet, StepKind::kBigSet,  StepKind::kRemove,
    StepKind::kAppend,   StepKind::kCompact, StepKind::kReopen};

const char* StepName(StepKind kind);
// "set,big,compact".
std::string StepsToString(const std::vector<StepKind>& steps);
// `length` steps drawn from `seed`: mostly transactions, with compactions,
// reopens, and (with `with_sync`) syncs.
std::vector<StepKind> RandomSteps(uint64_t seed, size_t length, bool with_sync);

// The transaction a step submits: a function of the step, the current state
// and the step's index, so equal step prefixes submit equal transactions.
Transaction StepTransaction(StepKind kind, const Json& state, uint64_t index);
bool IsTransactionStep(StepKind kind);

// A store at rest (or no store) to start from, and the history in it.
struct Fixture {
  std::string name;
  FsImage image;
  Oracle oracle;  // every transaction in it, all acknowledged
};
inline constexpr char kStoreDir[] = "/s";
// No store directory at all; the workload's Open creates the store.
Fixture NoStore();
// A new store: snapshot 0 and an empty segment.
Fixture FreshStore(const Options& options);
// Snapshots after records 3 and 5 (the one at 0 retired), records 6 and 7
// in the journal after them.
Fixture StoreWithSnapshotsAndTail(const Options& options);

class CrashEnv;

// What AcknowledgeAfterRestartThenCutPower saw.
struct RestartThenPowerCut {
  uint64_t reopened_at = 0;        // the seq the restart recovered
  absl::StatusOr<uint64_t> after;  // the last seq after the power cut
};

// Reopens the store in `env` (a restart in the same boot: page cache as it
// is), acknowledges one more transaction, cuts the power and opens the
// store again; prints one line starting with `label`. Every acknowledged
// transaction must survive: `after` is at least reopened_at + 1. An error
// if the restart or its transaction failed.
absl::StatusOr<RestartThenPowerCut> AcknowledgeAfterRestartThenCutPower(
    CrashEnv* env, Options options, const std::string& label);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_CRASH_WORKLOAD_H_
