// tests/crash/io_fault_test.cc
//
// Issue 4, item 3: an I/O error at every operation. A workload (open with
// recovery, transactions big and small, appends, automatic and explicit
// compactions, a reopen) runs once to number its calls; then, for every
// call n and every error that call can return (EIO as InternalError; ENOSPC
// as ResourceExhaustedError; a short write, half the bytes then ENOSPC),
// once and from then on, it runs again with call n failing. EINTR needs no
// case of its own: the POSIX Env retries it, so what reaches the store is
// an error on read like EIO. The checks are those of fault_run.h.

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "statelog/store.h"
#include "tests/testing/battery.h"
#include "tests/testing/fault_run.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using namespace ::statelog::testing;  // NOLINT: the harness vocabulary

struct Sweep {
  uint64_t runs = 0;
  uint64_t fired = 0;
  uint64_t calls = 0;
  Findings findings;
};

// Numbers the calls of `steps` from `fixture`, then runs them once for
// every call and every error it can take, once and from then on.
void SweepEveryCall(const std::string& name, const Fixture& fixture,
                    const std::vector<StepKind>& steps, const Options& options,
                    uint64_t seed, Sweep* sweep) {
  std::vector<FsCall> calls;
  RunUnderFault(fixture, steps, options, nullptr, name + ": fault-free run",
                &sweep->findings, &calls);
  sweep->calls += calls.size();
  const std::optional<uint64_t> only = OnlyCase();
  for (uint64_t n = 0; n < calls.size(); ++n) {
    for (FaultError error :
         {FaultError::kEio, FaultError::kEnospc, FaultError::kShortWrite}) {
      if (!Applies(error, calls[n].kind)) continue;
      for (bool sticky : {false, true}) {
        const uint64_t id = sweep->runs++;
        if (only && *only != id) continue;
        FaultPlan plan = FaultPlan::AtCall(n, error, sticky);
        const std::string label = absl::StrCat(
            "io-faults case #", id, " (", name, "): ", FaultErrorName(error),
            sticky ? " from" : " once at", " call ", n, " of ", calls.size(),
            " (", FsOpName(calls[n].kind), " ", calls[n].path, "), steps [",
            StepsToString(steps), "]\n  replay: STATELOG_SEED=", seed,
            " STATELOG_ONLY=", id,
            " crash_test --gtest_filter='IoFaultTest.*'");
        RunUnderFault(fixture, steps, options, &plan, label, &sweep->findings);
        sweep->fired += plan.fired();
      }
    }
  }
}

TEST(IoFaultTest, FailingAnyCallOnceOrForGoodLosesNothingAcknowledged) {
  KeepHeapAcrossStores();
  const absl::Time start = absl::Now();
  const uint64_t seed = BatterySeed();
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  options.compact_after_records = 4;
  options.compact_after_bytes = 0;
  using S = StepKind;
  std::vector<StepKind> steps = {S::kSmallSet, S::kBigSet,  S::kAppend,
                                 S::kSmallSet, S::kCompact, S::kRemove,
                                 S::kAppend,   S::kBigSet,  S::kSmallSet,
                                 S::kReopen,   S::kAppend,  S::kSmallSet};
  if (LongRun()) {
    for (StepKind k : RandomSteps(seed, 30, false)) steps.push_back(k);
  }
  Sweep sweep;
  // Creating a store, then a few steps.
  SweepEveryCall("creation", NoStore(),
                 {S::kSmallSet, S::kAppend, S::kCompact, S::kSmallSet}, options,
                 seed, &sweep);
  // Recovering a store with snapshots and a tail, then the workload.
  SweepEveryCall("workload", StoreWithSnapshotsAndTail(options), steps, options,
                 seed, &sweep);
  PrintSummary("io-faults",
               absl::StrCat(WithCommas(sweep.runs),
                            " runs (EIO, ENOSPC, short write; once and from "
                            "then on; at each of ",
                            sweep.calls, " calls), ", WithCommas(sweep.fired),
                            " faults fired"),
               sweep.findings, seed, start);
  EXPECT_EQ(sweep.findings.total(), 0u) << "see the examples printed above";
}

// The smallest case of what the sweep above finds as "stuck". Retention
// (after a compaction) deletes old snapshots, then old segments, then syncs
// the directory; if a segment removal (or the listing, or that directory
// sync) fails once, the store's list of kept snapshots still names the
// snapshot already deleted. Every later compaction then fails with NotFound
// on it before trimming anything, until the store is reopened.
TEST(IoFaultTest, CompactionWorksAgainAfterRetentionFailedOnce) {
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  options.compact_after_records = 0;
  const Fixture fresh = FreshStore(options);
  CrashEnv env(fresh.image);
  Options o = options;
  o.env = &env;
  absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, o);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = *opened->store;
  // Values of 3,000 bytes: every record fills a 4 KiB segment, so every
  // compaction has a segment to drop.
  auto big = [](int i) {
    return std::string(3000, static_cast<char>('a' + i));
  };
  for (int i = 1; i <= 2; ++i) {
    ASSERT_OK(store.Apply(Transaction().Set("/a", big(i))));
    ASSERT_OK(store.Compact());
  }
  ASSERT_OK(store.Apply(Transaction().Set("/a", big(3))));
  bool fail = true;
  env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
    if (!fail || call.kind != FsOpKind::kRemove ||
        !absl::StartsWith(BaseName(call.path), "wal-") ||
        absl::EndsWith(call.path, ".tmp")) {
      return std::nullopt;
    }
    fail = false;
    return FsFault{absl::InternalError("unlink: EIO (injected)"), 0, false};
  });
  EXPECT_FALSE(store.Compact().ok());
  env.set_fault_hook(nullptr);
  ASSERT_TRUE(store.status().ok());
  ASSERT_OK(store.Apply(Transaction().Set("/a", big(4))));
  absl::Status again = store.Compact();
  std::cout << "io-faults (retention failed once): the next compaction "
            << (again.ok() ? std::string("succeeded")
                           : "failed: " + again.ToString())
            << std::endl;
  EXPECT_OK(again);
}

// The smallest case of what the creation sweep finds. Open creates the
// store directory and fsyncs its parent only when it made the directory
// itself. If that parent fsync fails (or the process dies between mkdir and
// the fsync), the next Open finds the directory, creates the store in it
// and acknowledges transactions, but nothing ever makes the directory's own
// entry durable: a power cut takes the whole store.
TEST(IoFaultTest, AStoreCreatedAfterAFailedParentSyncSurvivesAPowerCut) {
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  options.create_if_missing = true;
  CrashEnv env;
  options.env = &env;
  bool fail = true;
  env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
    if (!fail || call.kind != FsOpKind::kSyncDir || call.path != "/") {
      return std::nullopt;
    }
    fail = false;
    return FsFault{absl::InternalError("fsync /: EIO (injected)"), 0, false};
  });
  EXPECT_FALSE(Store::Open(kStoreDir, options).ok());
  env.set_fault_hook(nullptr);
  {
    absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_OK(opened->store->Apply(Transaction().Set("/a", 1)));
  }
  CrashEnv cut(env.DurableImage());
  options.env = &cut;
  absl::StatusOr<OpenResult> after = Store::Open(kStoreDir, options);
  ASSERT_TRUE(after.ok()) << after.status();
  std::cout
      << "io-faults (parent fsync failed at creation): seq 1 acknowledged, "
      << "after a power cut the store is at seq " << after->store->LastSeq()
      << (cut.base().dirs.count(kStoreDir) ? "" : " (its directory is gone)")
      << std::endl;
  EXPECT_EQ(after->store->LastSeq(), 1u);
}

}  // namespace
}  // namespace statelog
