// tests/store/lazy_state_test.cc
//
// Options::load_state_lazily: Open verifies the store without building the
// state, merge-patch transactions are appended blind, and the first call
// that needs the state builds it from the newest snapshot and the journal.
// Each test compares what a lazy store shows with what an eager one shows.

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::MemEnv;
using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ReadFileOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;
using ::testing::HasSubstr;

Options Eager() {
  Options o;
  o.create_if_missing = true;
  o.segment_bytes = 16 << 10;
  return o;
}

Options Lazy() {
  Options o = Eager();
  o.load_state_lazily = true;
  return o;
}

Json StateOf(const std::string& dir) {
  Options o;
  o.read_only = true;
  absl::StatusOr<OpenResult> r = Store::Open(dir, o);
  EXPECT_OK(r);
  if (!r.ok()) return Json();
  absl::StatusOr<Json> state = r->store->Get("");
  EXPECT_OK(state);
  return state.ok() ? *state : Json();
}

// A store with two snapshots and a journal tail after the newest.
void MakeHistory(const std::string& dir) {
  auto store = OpenOrDie(dir, Eager());
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 30; ++i) {
    ASSERT_OK(store->Apply(Transaction().Set(absl::StrCat("/k", i % 7), i)));
    if (i == 10 || i == 20) {
      ASSERT_OK(store->Compact());
    }
  }
  ASSERT_OK(store->Apply(Transaction().Set("/list", Json::array({1, 2}))));
}

TEST(LazyStateTest, MergesAreAppendedAndTheStateIsBuiltOnFirstRead) {
  ScratchDir tmp;
  const std::string lazy_dir = tmp.Sub("lazy");
  const std::string eager_dir = tmp.Sub("eager");
  MakeHistory(lazy_dir);
  MakeHistory(eager_dir);
  for (const std::string& dir : {lazy_dir, eager_dir}) {
    auto store = OpenOrDie(dir, dir == lazy_dir ? Lazy() : Eager());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->LastSeq(), 31u);
    EXPECT_EQ(*store->Apply(
                  Transaction().Merge({{"k1", nullptr}, {"m", {{"a", 1}}}})),
              32u);
    EXPECT_EQ(*store->Apply(Transaction().Merge({{"m", {{"b", 2}}}})), 33u);
    EXPECT_EQ(*store->Apply(Transaction().Merge(
                  {{"m", {{"a", nullptr}}}, {"list", "replaced"}})),
              34u);
    EXPECT_EQ(*store->Get("/m"), Json::parse(R"({"b":2})"));
  }
  const Json expected = StateOf(eager_dir);
  EXPECT_EQ(StateOf(lazy_dir), expected);
  EXPECT_FALSE(expected.contains("k1"));
  EXPECT_EQ(expected["list"], "replaced");
}

TEST(LazyStateTest, ATransactionThatNeedsTheStateSeesEveryBlindMerge) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  auto store = OpenOrDie(dir, Lazy());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(Transaction().Merge({{"step", 41}})));
  // A test op that does not hold fails, and changes nothing.
  EXPECT_THAT(store->Apply(Transaction().Test("/step", 40).Set("/step", 0)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("/step")));
  EXPECT_EQ(*store->Apply(Transaction().Test("/step", 41).Set("/step", 42)),
            33u);
  EXPECT_THAT(store->Apply(Transaction().Add("/list/5", 0)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("out of range")));
  EXPECT_EQ(*store->Apply(Transaction().Add("/list/-", 3)), 34u);
  EXPECT_EQ(*store->Get("/list"), Json::array({1, 2, 3}));
  EXPECT_EQ(*store->Get("/step"), 42);
  store.reset();
  EXPECT_EQ(StateOf(dir)["step"], 42);
  EXPECT_EQ(StateOf(dir)["list"], Json::array({1, 2, 3}));
}

TEST(LazyStateTest, UpdateSeesTheStateAfterBlindMerges) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  auto store = OpenOrDie(dir, Lazy());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(Transaction().Merge({{"count", 5}})));
  absl::StatusOr<uint64_t> seq =
      store->Update([](const Json& state, Transaction* txn) {
        txn->Set("/count", state.at("count").get<int>() + 1);
        return absl::OkStatus();
      });
  ASSERT_OK(seq);
  EXPECT_EQ(*store->Get("/count"), 6);
}

// Under kNone the blind records are written but not synced when the state
// is built from the files.
TEST(LazyStateTest, UnsyncedBlindRecordsAreInTheBuiltState) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  Options o = Lazy();
  o.durability = Durability::kNone;
  auto store = OpenOrDie(dir, o);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 50; ++i) {
    ASSERT_OK(
        store->Apply(Transaction().Merge({{absl::StrCat("n", i % 3), i}})));
  }
  EXPECT_EQ(*store->Get("/n0"), 48);
  EXPECT_EQ(*store->Get("/n1"), 49);
  EXPECT_EQ(*store->Get("/k6"), 27);
}

// Automatic compactions run (in the background) while nothing has the
// state: they build snapshots from the journal alone.
TEST(LazyStateTest, CompactionsWhileLazyCoverTheBlindMerges) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  Options o = Lazy();
  o.compact_after_records = 7;
  o.compact_after_bytes = 0;
  {
    auto store = OpenOrDie(dir, o);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 100; ++i) {
      ASSERT_OK(store->Apply(
          Transaction().Merge({{"i", i}, {absl::StrCat("x", i % 9), i}})));
    }
    ASSERT_OK(store->Compact());
    EXPECT_EQ(*store->Get("/i"), 99);
    ASSERT_OK(store->status());
  }
  absl::StatusOr<OpenResult> r = Store::Open(dir, Options());
  ASSERT_OK(r);
  EXPECT_EQ(r->report.records_replayed, 0u);  // the last Compact covers all
  const Json state = *r->store->Get("");
  EXPECT_EQ(state["i"], 99);
  for (int j = 0; j < 9; ++j) {
    EXPECT_EQ(state[absl::StrCat("x", j)], 99 - (99 - j) % 9);
  }
  EXPECT_EQ(state["k6"], 27);
}

// Writers keep appending merges while a reader makes the state be built:
// every merge lands exactly once, in order, including those framed but not
// yet written when the build starts.
TEST(LazyStateTest, ConcurrentMergesAndFirstReads) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  Options o = Lazy();
  o.durability = Durability::kNone;
  o.compact_after_records = 25;
  auto store = OpenOrDie(dir, o);
  ASSERT_NE(store, nullptr);
  constexpr int kWriters = 4, kEach = 200;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        // Each writer's key only grows, so the last value must be kEach-1.
        if (!store->Apply(Transaction().Merge({{absl::StrCat("w", w), i}}))
                 .ok()) {
          failed = true;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 20; ++i) {
      if (!store->Get("/k0").ok()) failed = true;
    }
  });
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(store->LastSeq(), 31u + kWriters * kEach);
  ASSERT_OK(store->Sync());
  store.reset();
  const Json state = StateOf(dir);
  for (int w = 0; w < kWriters; ++w)
    EXPECT_EQ(state[absl::StrCat("w", w)], kEach - 1);
}

// A lazy open checks only the newest snapshot's header. If its state turns
// out damaged when the state is built, the older snapshot and the journal
// after it serve, as they would for an eager open, and compaction passes
// over it too.
// Flips a byte inside the state of MakeHistory's newest snapshot, whose
// header stays good; returns the damaged file's bytes.
std::string DamageNewestState(const std::string& newest) {
  std::string data = ReadFileOrDie(newest);
  data[data.size() - 8] ^= 0x01;
  WriteFileOrDie(newest, data);
  return data;
}

TEST(LazyStateTest, DamagedNewestSnapshotFallsBackWhenTheStateIsBuilt) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  const Json expected = StateOf(dir);
  const std::string newest = dir + "/snapshot-00000000000000000021.json";
  const std::string data = DamageNewestState(newest);
  // What an open that builds the state at once reports (read-only, so
  // nothing changes).
  Options read_only;
  read_only.read_only = true;
  absl::StatusOr<OpenResult> eager_view = Store::Open(dir, read_only);
  ASSERT_OK(eager_view);
  const RecoveryReport eager_report = eager_view->report;
  eager_view->store.reset();

  absl::StatusOr<OpenResult> r = Store::Open(dir, Lazy());
  ASSERT_OK(r);
  EXPECT_EQ(r->report.snapshot_seq, 21u);  // its header is fine
  ASSERT_OK(r->store->Apply(Transaction().Merge({{"blind", true}})));
  EXPECT_EQ(r->store->recovery_report().snapshot_seq, 21u);  // not built yet
  absl::StatusOr<Json> state = r->store->Get("");
  ASSERT_OK(state);
  Json with_blind = expected;
  with_blind["blind"] = true;
  EXPECT_EQ(*state, with_blind);
  // Building the state found the damage: the report, in memory and on
  // disk, names it and the snapshot used instead, as an eager open's would.
  const RecoveryReport report = r->store->recovery_report();
  EXPECT_EQ(report.snapshot_used, "snapshot-00000000000000000011.json");
  EXPECT_EQ(report.snapshot_seq, 11u);
  EXPECT_EQ(report.records_replayed, 31u - 11u);
  EXPECT_EQ(report.records_replayed, eager_report.records_replayed);
  EXPECT_EQ(report.records_skipped, eager_report.records_skipped);
  ASSERT_EQ(report.snapshots_tried.size(), 2u);
  EXPECT_EQ(report.snapshots_tried[0].file,
            "snapshot-00000000000000000021.json");
  EXPECT_FALSE(report.snapshots_tried[0].used);
  EXPECT_THAT(report.snapshots_tried[0].error,
              HasSubstr("snapshot-00000000000000000021.json"));
  EXPECT_TRUE(report.snapshots_tried[1].used);
  const Json on_disk =
      Json::parse(ReadFileOrDie(dir + "/recovery-report.json"));
  EXPECT_EQ(on_disk, report.ToJson());
  ASSERT_OK(r->store->Compact());
  ASSERT_OK(r->store->status());
  r->store.reset();

  absl::StatusOr<OpenResult> eager = Store::Open(dir, Eager());
  ASSERT_OK(eager);
  EXPECT_EQ(eager->report.snapshot_seq, 32u);  // the new one
  EXPECT_EQ(*eager->store->Get(""), with_blind);
  // Superseded by a snapshot that verifies, it went to quarantine/ as
  // evidence, byte for byte.
  EXPECT_FALSE(std::filesystem::exists(newest));
  bool kept = false;
  for (const auto& entry :
       std::filesystem::directory_iterator(dir + "/quarantine")) {
    if (absl::StartsWith(entry.path().filename().string(),
                         "snapshot-00000000000000000021.json")) {
      kept = ReadFileOrDie(entry.path().string()) == data;
    }
  }
  EXPECT_TRUE(kept) << "the damaged snapshot is not in quarantine/";
}

// The same damage found by a compaction before any read (found by the
// headers audit, stop 23): the compaction passed over the damaged snapshot
// and moved it to quarantine/, but the report went on naming it as used.
TEST(LazyStateTest, ACompactionBeforeTheFirstReadReportsTheFallback) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  const Json expected = StateOf(dir);
  DamageNewestState(dir + "/snapshot-00000000000000000021.json");

  absl::StatusOr<OpenResult> r = Store::Open(dir, Lazy());
  ASSERT_OK(r);
  EXPECT_EQ(r->report.snapshot_seq, 21u);  // its header is fine
  ASSERT_OK(r->store->Compact());
  const RecoveryReport report = r->store->recovery_report();
  EXPECT_EQ(report.snapshot_used, "snapshot-00000000000000000011.json");
  EXPECT_EQ(report.snapshot_seq, 11u);
  ASSERT_EQ(report.snapshots_tried.size(), 2u);
  EXPECT_FALSE(report.snapshots_tried[0].used);
  EXPECT_THAT(report.snapshots_tried[0].error,
              HasSubstr("snapshot-00000000000000000021.json"));
  EXPECT_TRUE(report.snapshots_tried[1].used);
  EXPECT_EQ(Json::parse(ReadFileOrDie(dir + "/recovery-report.json")),
            report.ToJson());
  // The state is built from the compaction's snapshot, and the report
  // stays as it is.
  EXPECT_EQ(*r->store->Get(""), expected);
  EXPECT_EQ(r->store->recovery_report().ToJson(), report.ToJson());
}

// Building the state fails when the older snapshot's journal is damaged
// too. The report (found by the forensics audit, stop 23) then said the
// state had been built from the older snapshot, with no damage, and
// `statelog apply` printed so beside the DataLoss. It now keeps what the
// open found, and the caller has the error.
TEST(LazyStateTest, AFailedBuildLeavesTheReportAsTheOpenWroteIt) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  Options o = Eager();
  o.segment_bytes = 4096;
  {
    auto store = OpenOrDie(dir, o);
    ASSERT_NE(store, nullptr);
    for (int i = 1; i <= 200; ++i) {
      ASSERT_OK(store->Apply(Transaction().Set(absl::StrCat("/k", i % 7), i)));
      if (i == 50 || i == 151) {
        ASSERT_OK(store->Compact());
      }
    }
  }
  // The newest snapshot's state, and a record of the segment that holds
  // seq 100 (between the two snapshots, before the segment the lazy open
  // reads from).
  DamageNewestState(dir + "/snapshot-00000000000000000151.json");
  uint64_t first = 0;
  std::string segment;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    uint64_t seq = 0;
    if (absl::StartsWith(name, "wal-") &&
        absl::SimpleAtoi(name.substr(4, 20), &seq) && seq <= 100 &&
        seq > first) {
      first = seq;
      segment = entry.path().string();
    }
  }
  ASSERT_GT(first, 50u) << "the damaged segment must follow the old snapshot";
  std::string wal = ReadFileOrDie(segment);
  wal[64 + 60] ^= 0x01;  // in its first record
  WriteFileOrDie(segment, wal);

  absl::StatusOr<OpenResult> r = Store::Open(dir, Lazy());
  ASSERT_OK(r);
  const Json opened = r->report.ToJson();
  EXPECT_EQ(r->report.snapshot_seq, 151u);
  ASSERT_OK(r->store->Apply(Transaction().Merge({{"blind", true}})));
  EXPECT_THAT(r->store->Get("/k1"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("lazily")));
  EXPECT_EQ(r->store->recovery_report().ToJson(), opened);
  EXPECT_EQ(Json::parse(ReadFileOrDie(dir + "/recovery-report.json")), opened);
}

TEST(LazyStateTest, ReadOnlyLazyStoreReads) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  MakeHistory(dir);
  Options o;
  o.read_only = true;
  o.load_state_lazily = true;
  auto store = OpenOrDie(dir, o);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Get("/list"), Json::array({1, 2}));
  EXPECT_THAT(store->Apply(Transaction().Merge({{"a", 1}})),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
}

// A power cut after every acknowledged blind merge keeps it, and a lazy
// reopen of each crash image builds the state an eager one shows.
TEST(LazyStateTest, PowerCutAfterEveryBlindMergeLosesNothing) {
  MemEnv env;
  Options o = Lazy();
  o.env = &env;
  o.segment_bytes = 4096;
  o.compact_after_records = 6;
  o.compact_in_background = false;
  {
    auto store = OpenOrDie("/s", o);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->Apply(Transaction().Set("/base", Json::array())));
  }
  auto store = OpenOrDie("/s", o);
  ASSERT_NE(store, nullptr);
  Json expected = Json::parse(R"({"base":[]})");
  for (int i = 0; i < 40; ++i) {
    const Json patch = {
        {absl::StrCat("p", i % 4), i % 5 == 0 ? Json() : Json(i)},
        {"big", std::string(300 + 37 * i, 'x')}};
    ASSERT_OK(store->Apply(Transaction().Merge(patch)));
    expected.merge_patch(patch);
    std::unique_ptr<MemEnv> image = env.CrashImage();
    for (bool lazy : {true, false}) {
      Options r = lazy ? o : Eager();
      r.env = image.get();
      absl::StatusOr<OpenResult> reopened = Store::Open("/s", r);
      ASSERT_OK(reopened);
      EXPECT_EQ(reopened->store->LastSeq(), 2u + i) << "after merge " << i;
      EXPECT_EQ(*reopened->store->Get(""), expected) << "after merge " << i;
    }
  }
}

}  // namespace
}  // namespace statelog
