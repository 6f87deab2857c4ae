// tests/testing/workload_runner.h
//
// WorkloadRunner drives a Store on a CrashEnv through workload steps
// (crash_workload.h) while keeping the oracle and the moment (log position)
// of every submission and acknowledgement, for the crash explorer. Under a
// FaultPlan it also enforces, as findings: a call during which the fault
// fired is acknowledged only if a power cut right then keeps it; after a
// failed fsync, fdatasync or journal write that store instance acknowledges
// nothing more; and a fault that fired once leaves a store it did not
// poison working.

#ifndef STATELOG_TESTS_TESTING_WORKLOAD_RUNNER_H_
#define STATELOG_TESTS_TESTING_WORKLOAD_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "statelog/store.h"
#include "tests/testing/crash_env.h"
#include "tests/testing/crash_workload.h"
#include "tests/testing/fault_plan.h"
#include "tests/testing/oracle.h"

namespace statelog::testing {

// One transaction of a run: its sequence number, the log size when it was
// submitted and when it was acknowledged (SIZE_MAX: never).
struct TxnMark {
  uint64_t seq = 0;
  size_t submitted_at = 0;
  size_t acked_at = SIZE_MAX;
};

class WorkloadRunner {
 public:
  // `env`, `oracle` and `findings` must outlive the runner; `plan` may be
  // null (no faults). `context` describes the run in violation messages.
  WorkloadRunner(CrashEnv* env, Options options, Oracle* oracle,
                 FaultPlan* plan, Findings* findings,
                 std::function<std::string()> context);
  ~WorkloadRunner();

  // Opens the store (running recovery) and checks the recovered state
  // against the oracle.
  absl::Status Open();
  // Runs one step, opening the store first if it is not open. Returns the
  // status of the store call. After a fault that fired once, a failing call
  // on a store the fault did not poison is a finding (kStuck).
  absl::Status Run(StepKind step);
  // Closes the store (the destructor syncs).
  void Close();
  // After a faulty run: disarms the plan, then one more transaction must be
  // refused if the store must be poisoned, or else be acknowledged and be
  // followed by a successful compaction (the store is not stuck).
  void FinishAfterFault();

  Store* store() { return store_.get(); }
  const std::vector<TxnMark>& marks() const { return marks_; }

 private:
  absl::Status RunStep(StepKind step);
  absl::Status ApplyStep(const Transaction& txn);
  void AcknowledgeAll();
  bool FiredSince(bool fired_before) const;
  // Whether a power cut now keeps `seq`.
  bool DurableNow(uint64_t seq);

  CrashEnv* env_;
  Options options_;
  Oracle* oracle_;
  FaultPlan* plan_;
  Findings* findings_;
  std::function<std::string()> context_;
  std::unique_ptr<Store> store_;
  bool must_refuse_ = false;  // a failure this store instance saw poisons it
  uint64_t step_index_ = 0;
  std::vector<TxnMark> marks_;
};

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_WORKLOAD_RUNNER_H_
