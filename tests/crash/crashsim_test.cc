// tests/crash/crashsim_test.cc
//
// Issue 4, item 1: crash-state exploration. Every workload runs once on a
// CrashEnv that records its operations; then, at every operation boundary,
// each crash state (durable view; plus each prefix of the unsynced
// operations; plus all but one; torn writes; renames half done) is
// recovered and checked against the oracle (tests/testing/oracle.h). At
// every boundary of the short workloads (one in eight of the random ones)
// the process also dies and restarts in the same boot, page cache intact,
// and the oracle's power cut follows the recovery.
//
// Workloads: store creation itself; every sequence of up to three steps
// over {set, big value, remove, append, compact, reopen} from a fresh store
// and from one with snapshots and a journal tail; and random sequences of
// 50 steps (with merge patches) with automatic and explicit compactions,
// small segments, under kSync and kNone, one in five opened with
// Options::load_state_lazily. STATELOG_LONG=1 runs more and larger ones; debug
// and sanitizer builds fewer (sequences of up to two steps, 16 random ones).
// STATELOG_SEED and STATELOG_ONLY=<workload number> replay one.

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "statelog/store.h"
#include "tests/testing/battery.h"
#include "tests/testing/crash_explorer.h"
#include "tests/testing/test_util.h"
#include "tests/testing/workload_runner.h"

namespace statelog {
namespace {

using namespace ::statelog::testing;  // NOLINT: the harness vocabulary

struct Workload {
  const Fixture* fixture;
  std::vector<StepKind> steps;
  Options options;
  bool random = false;
};

// Small segments so rotations happen; compaction after three records so
// that even one-step workloads from the fixture compact.
Options ShortOptions() {
  Options o;
  o.segment_bytes = 4096;
  o.compact_after_records = 3;
  o.compact_after_bytes = 0;
  return o;
}

Options RandomOptions(uint64_t i) {
  Options o;
  const uint64_t segment[] = {4096, 8192, 16384};
  const uint64_t compact[] = {5, 7, 11};
  o.segment_bytes = segment[i % 3];
  o.compact_after_records = compact[(i / 3) % 3];
  o.compact_after_bytes = 0;
  o.durability = i % 4 == 3 ? Durability::kNone : Durability::kSync;
  // One in five opens lazily: merge steps are appended blind, the first
  // other step (and every recovery the oracle checks) builds the state.
  o.load_state_lazily = i % 5 == 1;
  return o;
}

void AllSequences(const Fixture* fixture, const Options& options,
                  size_t max_len, std::vector<StepKind>* prefix,
                  std::vector<Workload>* out) {
  out->push_back(Workload{fixture, *prefix, options});
  if (prefix->size() == max_len) return;
  for (StepKind kind : kShortStepKinds) {
    prefix->push_back(kind);
    AllSequences(fixture, options, max_len, prefix, out);
    prefix->pop_back();
  }
}

std::string Label(const Workload& w, size_t index, uint64_t seed) {
  return absl::StrCat(
      "crashsim workload #", index, " from ", w.fixture->name, ", ",
      w.options.durability == Durability::kNone ? "kNone" : "kSync",
      w.options.load_state_lazily ? ", lazy state" : "",
      ", segment_bytes=", w.options.segment_bytes,
      ", compact_after_records=", w.options.compact_after_records, ", steps [",
      StepsToString(w.steps), "]\n  replay: STATELOG_SEED=", seed,
      " STATELOG_ONLY=", index, " crash_test --gtest_filter='CrashSimTest.*'");
}

TEST(CrashSimTest, EveryCrashStateRecoversAnAcknowledgedPrefixOfTheWorkload) {
  KeepHeapAcrossStores();
  const absl::Time start = absl::Now();
  const uint64_t seed = BatterySeed();
  const bool long_run = LongRun();
  const Options short_options = ShortOptions();
  const Fixture none = NoStore();
  const Fixture fresh = FreshStore(short_options);
  const Fixture tail = StoreWithSnapshotsAndTail(short_options);

  std::vector<Workload> workloads;
  workloads.push_back(Workload{&none, {}, short_options});  // creation
  std::vector<StepKind> prefix;
  const size_t max_len = kSlowBuild && !long_run ? 2 : 3;
  AllSequences(&fresh, short_options, max_len, &prefix, &workloads);
  AllSequences(&tail, short_options, max_len, &prefix, &workloads);
  const size_t random_count = long_run ? 1000 : kSlowBuild ? 16 : 200;
  for (size_t i = 0; i < random_count; ++i) {
    Options o = RandomOptions(i);
    std::vector<StepKind> steps =
        RandomSteps(seed * 1000003 + i, 50, o.durability == Durability::kNone);
    if (o.load_state_lazily) {
      // Longer runs of blind merges between the steps that need the state.
      for (StepKind& step : steps) {
        if (step == StepKind::kSmallSet) step = StepKind::kMerge;
      }
    }
    workloads.push_back(Workload{i % 2 ? &tail : &fresh, steps, o, true});
  }

  // Short workloads: every boundary in depth. Random ones: a sample of
  // states per boundary, and of boundaries for restarts (more in the long
  // mode).
  CrashExplorer deep({/*max_states=*/32, /*max_torn_per_write=*/6, true,
                      /*restart_one_in=*/1},
                     seed);
  CrashExplorer wide(long_run ? CrashStateOptions{16, 4, true, 1}
                              : CrashStateOptions{3, 1, true, 8},
                     seed);
  ExploreStats stats;
  const std::optional<uint64_t> only = OnlyCase();
  size_t ran_short = 0, ran_random = 0;
  for (size_t i = 0; i < workloads.size(); ++i) {
    if (only && *only != i) continue;
    const Workload& w = workloads[i];
    const std::string label = Label(w, i, seed);
    CrashEnv env(w.fixture->image);
    Oracle oracle = w.fixture->oracle;
    RecordedRun run;
    {
      WorkloadRunner runner(&env, w.options, &oracle, nullptr, &stats.findings,
                            [&] { return label; });
      absl::Status s = runner.Open();
      for (StepKind step : w.steps) {
        if (s.ok()) s = runner.Run(step);
      }
      if (!s.ok()) {
        stats.findings.Add(
            Violation::kNotWritable,
            label + "\n  the workload itself failed: " + s.ToString());
      }
      runner.Close();
      run.marks = runner.marks();
    }
    run.label = label;
    run.base = w.fixture->image;
    run.log = env.log();
    run.base_acked = w.fixture->oracle.acknowledged();
    run.base_submitted = w.fixture->oracle.submitted();
    run.oracle = &oracle;
    run.options = w.options;
    (w.random ? wide : deep).Explore(run, &stats);
    ++(w.random ? ran_random : ran_short);
  }

  PrintSummary(
      "crashsim",
      absl::StrCat(ran_short + ran_random, " workloads (", ran_short,
                   " short, ", ran_random, " random), ",
                   WithCommas(stats.states), " crash states and ",
                   WithCommas(stats.restarts), " restarts at ",
                   WithCommas(stats.boundaries), " boundaries (",
                   WithCommas(stats.recoveries), " distinct recovered)"),
      stats.findings, seed, start);
  EXPECT_EQ(stats.findings.total(), 0u) << "see the examples printed above";
}

// The smallest case of the restarts' lost-acked findings. The process dies
// after writing a record and before its fdatasync; it restarts in the same
// boot and recovery replays the record from the page cache as if it were
// durable. The record fills the segment, so the next one goes to a new
// segment. JournalWriter::OpenTail used to start clean (nothing to sync),
// so the old segment's dirty page was never fdatasynced while the new
// records were; after a power cut the journal had a hole before records
// that claimed it was durable, Open failed with DataLoss and the
// acknowledged record was lost. Open now makes the recovered tail durable
// before it acknowledges anything.
TEST(CrashSimTest, RestartAfterAProcessCrashKeepsLaterAcknowledgements) {
  Options options;
  options.segment_bytes = 4096;
  const Fixture fresh = FreshStore(options);
  CrashEnv run(fresh.image);
  Options o = options;
  o.env = &run;
  {
    absl::StatusOr<OpenResult> opened = Store::Open(kStoreDir, o);
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_OK(opened->store->Apply(Transaction().Set("/a", 1)));
    // Nearly fills the 4 KiB segment.
    ASSERT_OK(
        opened->store->Apply(Transaction().Set("/b", std::string(3850, 'b'))));
  }
  // The process dies right after writing the second record.
  const std::vector<FsOp> log = run.log();
  size_t crash_at = 0;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i].kind == FsOpKind::kWrite &&
        log[i].data.find("bbbbbbbb") != std::string::npos) {
      crash_at = i + 1;
    }
  }
  ASSERT_GT(crash_at, 0u);
  CrashEnv restarted(fresh.image, log, crash_at);
  absl::StatusOr<RestartThenPowerCut> r = AcknowledgeAfterRestartThenCutPower(
      &restarted, options, "crashsim (restart after a process crash)");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->after.ok()) << r->after.status();
  EXPECT_GE(*r->after, r->reopened_at + 1);
}

}  // namespace
}  // namespace statelog
