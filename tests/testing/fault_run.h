// tests/testing/fault_run.h
//
// One run of a workload under a FaultPlan, with every check the fault tests
// (issue 4, items 3 and 8) make:
//
// - during the run (WorkloadRunner): a call during which the fault fired is
//   acknowledged only if a power cut right then keeps it; after a failed
//   fsync, fdatasync or journal write, that store instance acknowledges
//   nothing more; a store the fault did not poison still takes a
//   transaction and compacts once the fault is gone;
// - after the run, with faults off: a power cut (durable view), and a
//   restart in the same boot (the live view, where the page cache still
//   holds what failed to reach the disk), each recovered and checked
//   against the oracle (durability, no invention, idempotence,
//   writability).

#ifndef STATELOG_TESTS_TESTING_FAULT_RUN_H_
#define STATELOG_TESTS_TESTING_FAULT_RUN_H_

#include <string>
#include <vector>

#include "statelog/options.h"
#include "tests/testing/fault_plan.h"
#include "tests/testing/oracle.h"
#include "tests/testing/workload_runner.h"

namespace statelog::testing {

// Runs `steps` from `fixture` (opening the store first) with `plan`
// installed, then checks as above. `plan` may be null: a clean run. If
// `calls` is not null, every call the run makes before the checks is
// appended to it (the numbering FaultPlan::AtCall uses).
void RunUnderFault(const Fixture& fixture, const std::vector<StepKind>& steps,
                   const Options& options, FaultPlan* plan,
                   const std::string& label, Findings* findings,
                   std::vector<FsCall>* calls = nullptr);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_FAULT_RUN_H_
