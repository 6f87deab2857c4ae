// tests/crash/fsync_failure_test.cc
//
// Issue 4, item 8: fsync failure. For each kind of file a sync covers
// (journal segment, snapshot temp file, directory, and the other small
// files: STORE, the recovery report, quarantine copies), and for every k,
// the k-th sync of that kind fails with EIO, once. As on Linux, a failed
// fdatasync drops the pages it covered: the page cache still shows them,
// the disk gets them only if they are written again (durable_model.h). The
// checks are those of fault_run.h:
// the store acknowledges nothing after the failure, loses nothing it
// acknowledged, and recovers (after a power cut, and after a restart in
// the same boot) to a prefix that satisfies the oracle.

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "statelog/store.h"
#include "tests/testing/battery.h"
#include "tests/testing/fault_run.h"
#include "tests/testing/test_util.h"
#include "util/file_names.h"

namespace statelog {
namespace {

using namespace ::statelog::testing;  // NOLINT: the harness vocabulary

TEST(FsyncFailureTest, AFailedSyncPoisonsTheStoreAndLosesNothingAcknowledged) {
  KeepHeapAcrossStores();
  const absl::Time start = absl::Now();
  const uint64_t seed = BatterySeed();
  Options options;
  options.segment_bytes = 4096;
  options.compact_after_records = 5;
  options.compact_after_bytes = 0;
  const Fixture fixture = StoreWithSnapshotsAndTail(options);
  std::vector<StepKind> steps = RandomSteps(seed, LongRun() ? 120 : 30, false);

  Findings findings;
  std::vector<FsCall> calls;
  RunUnderFault(fixture, steps, options, nullptr, "fault-free run", &findings,
                &calls);
  ASSERT_EQ(findings.total(), 0u) << findings.examples().front();
  std::map<SyncTarget, uint64_t> syncs;
  for (const FsCall& call : calls) {
    if (call.kind == FsOpKind::kSync || call.kind == FsOpKind::kSyncDir) {
      ++syncs[ClassifySync(call)];
    }
  }

  const std::optional<uint64_t> only = OnlyCase();
  uint64_t runs = 0;
  std::string per_target;
  for (SyncTarget target : {SyncTarget::kJournal, SyncTarget::kSnapshot,
                            SyncTarget::kDirectory, SyncTarget::kOther}) {
    const uint64_t before = findings.total();
    for (uint64_t k = 0; k < syncs[target]; ++k) {
      const uint64_t id = runs++;
      if (only && *only != id) continue;
      FaultPlan plan = FaultPlan::AtSync(target, k);
      const std::string label = absl::StrCat(
          "fsync-failure case #", id, ": ", SyncTargetName(target), " sync #",
          k, " of ", syncs[target], " fails with EIO, steps [",
          StepsToString(steps), "]\n  replay: STATELOG_SEED=", seed,
          " STATELOG_ONLY=", id,
          " crash_test --gtest_filter='FsyncFailureTest.*'");
      RunUnderFault(fixture, steps, options, &plan, label, &findings);
    }
    absl::StrAppend(&per_target, per_target.empty() ? "" : ", ",
                    SyncTargetName(target), " ", syncs[target], " (",
                    findings.total() - before, " violations)");
  }
  PrintSummary("fsync-failure", absl::StrCat(runs, " runs: ", per_target),
               findings, seed, start);
  EXPECT_EQ(findings.total(), 0u) << "see the examples printed above";
}

// The smallest case of what the sweep above finds for journal syncs. A
// failed fdatasync poisons the store, and the documented way out is to
// reopen. A reopen in the same boot reads the record whose fdatasync failed
// from the page cache (Linux marks the failed pages clean: they stay
// readable and are not written again unless dirtied again) and recovers it
// as if it were durable. Here that record fills the rest of the segment, so
// the next record goes to a new segment, its fdatasync succeeds, and the
// old page was never written again: after a power cut the journal had a
// hole followed by a record that claimed it was durable, and Open failed
// with DataLoss. Open now writes the unproven tail again before its sync
// (docs/recovery.md, "The recovered tail is written again").
TEST(FsyncFailureTest,
     ReopeningAfterAFailedJournalSyncKeepsLaterAcknowledgements) {
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  const Fixture fresh = FreshStore(options);
  CrashEnv env(fresh.image);
  Options o = options;
  o.env = &env;
  {
    absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, o);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_OK(opened->store->Apply(Transaction().Set("/a", 1)));
    bool fail = true;
    env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
      // The segment's own fdatasync, not the spare's (prepared once the
      // segment is half full).
      if (!fail || call.kind != FsOpKind::kSync ||
          call.path.find(internal::kSpareSegmentName) != std::string::npos) {
        return std::nullopt;
      }
      fail = false;
      return FsFault{absl::InternalError("fdatasync: EIO (injected)"), 0,
                     false};
    });
    // Nearly fills the 4 KiB segment (and its only page).
    EXPECT_FALSE(
        opened->store->Apply(Transaction().Set("/b", std::string(3850, 'b')))
            .ok());
    env.set_fault_hook(nullptr);
  }
  absl::StatusOr<RestartThenPowerCut> r = AcknowledgeAfterRestartThenCutPower(
      &env, options, "fsync-failure (reopen in the same boot)");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->after.ok()) << r->after.status();
  EXPECT_GE(*r->after, r->reopened_at + 1);
}

// A failed fsync of the snapshot temp file (or of the directory after the
// snapshot's rename) fails the compaction, but the store goes on
// acknowledging transactions: docs/recovery.md and DESIGN.md ("an error from
// write or fsync poisons the writer") say it is poisoned until reopened.
void CompactionSyncFailurePoisons(SyncTarget target) {
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  const Fixture fresh = FreshStore(options);
  CrashEnv env(fresh.image);
  Options o = options;
  o.env = &env;
  absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, o);
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = *opened->store;
  ASSERT_OK(store.Apply(Transaction().Set("/a", 1)));
  bool fail = true;
  env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
    if (!fail ||
        (call.kind != FsOpKind::kSync && call.kind != FsOpKind::kSyncDir) ||
        ClassifySync(call) != target) {
      return std::nullopt;
    }
    // The directory fsync that publishes the snapshot, not the rotation's.
    if (target == SyncTarget::kDirectory &&
        env.LiveImage().files.count(std::string(kStoreDir) + "/" +
                                    internal::SnapshotFileName(1)) == 0) {
      return std::nullopt;
    }
    fail = false;
    return FsFault{absl::InternalError("fsync: EIO (injected)"), 0, true};
  });
  EXPECT_FALSE(store.Compact().ok());
  env.set_fault_hook(nullptr);
  absl::StatusOr<uint64_t> next = store.Apply(Transaction().Set("/a", 2));
  std::cout << "fsync-failure (" << SyncTargetName(target)
            << " sync in a compaction): the next Apply "
            << (next.ok() ? "was acknowledged"
                          : "was refused: " + next.status().ToString())
            << std::endl;
  EXPECT_FALSE(next.ok()) << "acknowledged after a failed fsync";
  EXPECT_FALSE(store.status().ok());
}

TEST(FsyncFailureTest, AFailedSnapshotSyncPoisonsTheStore) {
  CompactionSyncFailurePoisons(SyncTarget::kSnapshot);
}

TEST(FsyncFailureTest, AFailedDirectorySyncPublishingASnapshotPoisonsTheStore) {
  CompactionSyncFailurePoisons(SyncTarget::kDirectory);
}

}  // namespace
}  // namespace statelog
