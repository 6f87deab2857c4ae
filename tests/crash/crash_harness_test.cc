// tests/crash/crash_harness_test.cc
//
// The harness under the crash tests, tested on its own: CrashEnv's durable
// view, the crash states it generates (renames half done, torn sectors),
// failed syncs that drop data, and an oracle that does catch a store on a
// disk that lies about fsync and a state that is no prefix. A harness that
// cannot fail proves nothing.

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "statelog/store.h"
#include "tests/testing/battery.h"
#include "tests/testing/crash_explorer.h"
#include "tests/testing/crash_states.h"
#include "tests/testing/test_util.h"
#include "tests/testing/workload_runner.h"

namespace statelog {
namespace {

using namespace ::statelog::testing;  // NOLINT: the harness vocabulary

void Summary(const std::string& what) {
  std::cout << "crash-harness: " << what << std::endl;
}

void WriteFile(CrashEnv* env, const std::string& path, const std::string& data,
               bool sync) {
  absl::StatusOr<std::unique_ptr<File>> f =
      env->OpenFile(path, Env::OpenMode::kCreateExclusive);
  ASSERT_OK(f);
  ASSERT_OK((*f)->Write(0, data));
  if (sync) {
    ASSERT_OK((*f)->Sync());
  }
}

TEST(CrashHarnessTest, DurableViewHoldsOnlySyncedBytesUnderSyncedNames) {
  CrashEnv env;
  ASSERT_OK(env.CreateDir("/d"));
  EXPECT_FALSE(env.DurableImage().dirs.count("/d"));
  ASSERT_OK(env.SyncDir("/"));
  EXPECT_TRUE(env.DurableImage().dirs.count("/d"));

  WriteFile(&env, "/d/a", "x", /*sync=*/false);
  EXPECT_FALSE(env.DurableImage().files.count("/d/a"));  // name not synced
  ASSERT_OK(env.SyncDir("/d"));
  EXPECT_EQ(env.DurableImage().files.at("/d/a"), "");  // bytes not synced
  auto f = env.OpenFile("/d/a", Env::OpenMode::kReadWrite);
  ASSERT_OK(f);
  ASSERT_OK((*f)->Sync());
  EXPECT_EQ(env.DurableImage().files.at("/d/a"), "x");
  ASSERT_OK((*f)->Write(1, "y"));
  EXPECT_EQ(env.DurableImage().files.at("/d/a"), "x");
  EXPECT_EQ(env.LiveImage().files.at("/d/a"), "xy");
  ASSERT_OK(env.RemoveFile("/d/a"));
  EXPECT_TRUE(env.DurableImage().files.count("/d/a"));  // unlink not synced
  Summary("durable view: synced bytes under synced names only");
}

TEST(CrashHarnessTest, FailedSyncDropsItsPagesUntilTheyAreWrittenAgain) {
  CrashEnv env;
  WriteFile(&env, "/a", "old", /*sync=*/true);
  ASSERT_OK(env.SyncDir("/"));
  bool fail = true;
  env.set_fault_hook([&](const FsCall& call) -> std::optional<FsFault> {
    if (call.kind != FsOpKind::kSync || !fail) return std::nullopt;
    fail = false;
    return FsFault{absl::InternalError("EIO"), 0, false};
  });
  auto f = env.OpenFile("/a", Env::OpenMode::kReadWrite);
  ASSERT_OK(f);
  ASSERT_OK((*f)->Write(0, "NEW"));
  EXPECT_FALSE((*f)->Sync().ok());
  // A later fdatasync writes other pages, not the dropped one.
  ASSERT_OK((*f)->Write(2 * kPageSize, "+"));
  ASSERT_OK((*f)->Sync());
  EXPECT_EQ(env.LiveImage().files.at("/a").substr(0, 3), "NEW");
  EXPECT_EQ(env.DurableImage().files.at("/a").substr(0, 3), "old");
  EXPECT_EQ(env.DurableImage().files.at("/a").substr(2 * kPageSize), "+");
  // Writing to the dropped page again dirties all of it.
  ASSERT_OK((*f)->Write(3, "!"));
  ASSERT_OK((*f)->Sync());
  EXPECT_EQ(env.DurableImage().files.at("/a").substr(0, 4), "NEW!");
  Summary(
      "a failed fsync drops its pages until a later write dirties them again");
}

TEST(CrashHarnessTest, CrashStatesIncludeEachIntermediateStateOfARename) {
  CrashEnv env;
  WriteFile(&env, "/f.tmp", "data", /*sync=*/true);
  ASSERT_OK(env.SyncDir("/"));
  WriteFile(&env, "/other", "o", /*sync=*/false);
  ASSERT_OK(env.Rename("/f.tmp", "/f"));
  DurableModel model(FsImage{});
  const std::vector<FsOp> log = env.log();
  for (size_t i = 0; i < log.size(); ++i) model.Advance(log, i);
  std::set<std::pair<bool, bool>> seen;  // (old name, new name)
  std::vector<CrashState> states =
      GenerateCrashStates(model, log, {64, 8, true}, 1);
  for (const CrashState& s : states) {
    seen.insert(
        {s.image.files.count("/f.tmp") > 0, s.image.files.count("/f") > 0});
    if (s.image.files.count("/f")) {
      EXPECT_EQ(s.image.files.at("/f"), "data");
    }
  }
  EXPECT_TRUE(seen.count({true, false}));    // only the old name
  EXPECT_TRUE(seen.count({true, true}));     // both names
  EXPECT_TRUE(seen.count({false, true}));    // only the new name
  EXPECT_FALSE(seen.count({false, false}));  // never neither
  Summary(absl::StrCat("rename: old only, both, new only in ", states.size(),
                       " crash states"));
}

TEST(CrashHarnessTest, TornWritesPersistWholeSectorsAndFillTheRest) {
  CrashEnv env;
  WriteFile(&env, "/f", std::string(2048, 'o'), /*sync=*/true);
  ASSERT_OK(env.SyncDir("/"));
  auto f = env.OpenFile("/f", Env::OpenMode::kReadWrite);
  ASSERT_OK(f);
  ASSERT_OK((*f)->Write(256, std::string(1536, 'N')));  // sectors 0..3
  DurableModel model(FsImage{});
  const std::vector<FsOp> log = env.log();
  for (size_t i = 0; i < log.size(); ++i) model.Advance(log, i);
  size_t mixed = 0, garbage = 0, zeros = 0;
  for (const CrashState& s :
       GenerateCrashStates(model, log, {64, 64, true}, 7)) {
    const std::string& d = s.image.files.at("/f");
    ASSERT_EQ(d.size(), 2048u);
    EXPECT_EQ(d.substr(0, 256), std::string(256, 'o'));  // outside the write
    EXPECT_EQ(d.substr(1792), std::string(256, 'o'));
    std::set<char> sector_kinds;
    for (size_t sector = 0; sector < 4; ++sector) {
      const size_t lo = std::max<size_t>(256, sector * 512);
      const size_t hi = std::min<size_t>(1792, (sector + 1) * 512);
      const std::string piece = d.substr(lo, hi - lo);
      const bool all_new = piece == std::string(piece.size(), 'N');
      const bool all_old = piece == std::string(piece.size(), 'o');
      const bool all_zero = piece == std::string(piece.size(), '\0');
      // Garbage may hold an 'N' by chance, but not a run of them.
      EXPECT_TRUE(all_new || piece.find("NNNNNNNN") == std::string::npos)
          << "sector " << sector << " of \"" << s.kind << "\" is half new";
      sector_kinds.insert(all_new ? 'N' : all_old ? 'o' : all_zero ? '0' : 'g');
    }
    mixed += sector_kinds.count('N') && sector_kinds.size() > 1;
    garbage += sector_kinds.count('g');
    zeros += sector_kinds.count('0');
  }
  EXPECT_GT(mixed, 0u);
  EXPECT_GT(garbage, 0u);
  EXPECT_GT(zeros, 0u);
  Summary(absl::StrCat("torn writes: ", mixed,
                       " states with some sectors new, ", garbage,
                       " with garbage, ", zeros, " with zeros"));
}

TEST(CrashHarnessTest, OracleCatchesAStoreOnADiskThatLiesAboutFsync) {
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  const Fixture fresh = FreshStore(options);
  CrashEnv env(fresh.image);
  // Journal fdatasyncs report success but keep nothing.
  env.set_fault_hook([](const FsCall& call) -> std::optional<FsFault> {
    if (call.kind == FsOpKind::kSync && absl::StrContains(call.path, "wal-")) {
      return FsFault{absl::OkStatus(), 0, true};
    }
    return std::nullopt;
  });
  Oracle oracle = fresh.oracle;
  ExploreStats stats;
  RecordedRun run;
  {
    WorkloadRunner runner(&env, options, &oracle, nullptr, &stats.findings,
                          [] { return std::string("lying disk"); });
    ASSERT_OK(runner.Open());
    for (int i = 0; i < 4; ++i) ASSERT_OK(runner.Run(StepKind::kAppend));
    run.marks = runner.marks();
  }
  env.set_fault_hook(nullptr);
  run.base = fresh.image;
  run.log = env.log();
  run.oracle = &oracle;
  run.options = options;
  CrashExplorer explorer({8, 2, true}, 1);
  explorer.Explore(run, &stats);
  EXPECT_GT(stats.findings.count(Violation::kLostAcked), 0u);
  Summary(absl::StrCat("a disk that lies about fsync: ",
                       stats.findings.count(Violation::kLostAcked),
                       " lost-acked found in ", stats.states, " crash states"));
}

TEST(CrashHarnessTest, OracleCatchesAStateThatIsNoPrefixOfTheSubmitted) {
  Options options;
  options.segment_bytes = 4096;
  // One thread of file operations: the faults below hit exact ones.
  options.compact_in_background = false;
  const Fixture fresh = FreshStore(options);
  CrashEnv env(fresh.image);
  Oracle truth = fresh.oracle;
  Findings findings;
  {
    WorkloadRunner runner(&env, options, &truth, nullptr, &findings,
                          [] { return std::string("truth"); });
    ASSERT_OK(runner.Open());
    ASSERT_OK(runner.Run(StepKind::kAppend));
    ASSERT_OK(runner.Run(StepKind::kAppend));
  }
  // An oracle that believes the second append was a set instead.
  Oracle wrong;
  wrong.Submit(StepTransaction(StepKind::kAppend, wrong.current(), 0));
  wrong.Submit(StepTransaction(StepKind::kSmallSet, wrong.current(), 1));
  CrashEnv copy(env.DurableImage());
  RecoveryCheck check = CheckRecovery(&copy, kStoreDir, options, wrong);
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].first, Violation::kInvented);
  Summary("a state that is no prefix of the submitted transactions is caught");
}

}  // namespace
}  // namespace statelog
