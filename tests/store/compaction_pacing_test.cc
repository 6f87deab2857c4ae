// tests/store/compaction_pacing_test.cc
//
// Options::compaction_write_rate: under kSync, while transactions are
// being committed, compaction writes the new snapshot no faster than the
// rate; with nothing committed, or under a policy whose writers do not
// wait for the disk, it is not held back. The rates are chosen so that
// the two cases differ by two orders of magnitude: the bounds asserted
// hold on a machine of any speed (a sleep is never shorter than asked).

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "statelog/store.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::MemEnv;
using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ScratchDir;
using ::testing::HasSubstr;

constexpr int kMembers = 320;  // of about 1 KiB each: a 330 KB snapshot

Options Paced(Durability durability, uint64_t rate) {
  Options o;
  o.create_if_missing = true;
  o.durability = durability;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  o.compaction_write_rate = rate;
  return o;
}

void Fill(Store* store) {
  Transaction txn;
  for (int i = 0; i < kMembers; ++i) {
    txn.Set("/m" + std::to_string(i), std::string(1000, 'a' + i % 26));
  }
  ASSERT_OK(store->Apply(txn));
}

// Runs Compact() while a writer commits transactions as fast as it can;
// returns how long the compaction took and how many transactions the
// writer committed meanwhile.
struct Timed {
  absl::Duration compaction;
  int committed = 0;
};
Timed CompactWhileWriting(
    Store* store, const std::function<void()>& after = [] {}) {
  testing::BackgroundWriter writer(store);
  const int before = writer.committed();
  const absl::Time start = absl::Now();
  EXPECT_OK(store->Compact());
  Timed timed;
  timed.compaction = absl::Now() - start;
  timed.committed = writer.committed() - before;
  after();
  writer.Stop();
  return timed;
}

TEST(CompactionPacingTest, HeldToTheRateWhileWritersCommit) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  auto store = OpenOrDie(dir, Paced(Durability::kSync, 256 << 10));
  ASSERT_NE(store, nullptr);
  Fill(store.get());
  const Timed timed = CompactWhileWriting(store.get());
  // About 330 KB at 256 KiB/s: six pieces, each held to its share of time
  // (a quarter of a second for a full one) when the writer committed since
  // the previous piece, which it does within a quarter of a second even
  // on a loaded machine. Unpaced, this compaction takes milliseconds.
  EXPECT_GE(timed.compaction, absl::Milliseconds(700));
  // The writer kept going all along.
  EXPECT_GE(timed.committed, 10);
  // What was compacted reads back.
  const absl::StatusOr<Json> got = store->Get("/m7");
  ASSERT_OK(got);
  EXPECT_EQ(*got, std::string(1000, 'a' + 7));
  store.reset();
  auto reopened = OpenOrDie(dir, Paced(Durability::kSync, 0));
  ASSERT_NE(reopened, nullptr);
  const absl::StatusOr<Json> again = reopened->Get("/m319");
  ASSERT_OK(again);
  EXPECT_EQ(*again, std::string(1000, 'a' + 319 % 26));
}

// A writer whose fdatasync outlasts the compaction frames nothing while
// the snapshot is written, but it is committing all the same: every piece
// is paced. Counting only framed transactions left all but the first piece
// or two unpaced, and a loaded disk's slow syncs made the test above flaky.
TEST(CompactionPacingTest, HeldToTheRateWhileACommitWaitsForTheDisk) {
  MemEnv env;
  std::atomic<bool> armed{false};
  std::atomic<bool> slow{false};
  std::atomic<bool> in_slow_sync{false};
  env.set_fault_hook([&](const std::string& op, const std::string& path) {
    // Once armed, the snapshot's first write marks the compaction past its
    // own journal sync: from then on the writer's syncs take three seconds,
    // and the compaction goes on once the writer is inside one (so that
    // the test does not depend on when the writer's thread gets to run).
    if (armed.load() && op == "write" &&
        path.find("snapshot-") != std::string::npos && !slow.exchange(true)) {
      const absl::Time deadline = absl::Now() + absl::Seconds(10);
      while (!in_slow_sync.load() && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(1));
      }
    }
    if (op == "sync" && path.find("wal-") != std::string::npos && slow.load()) {
      in_slow_sync = true;
      absl::SleepFor(absl::Seconds(3));
    }
    return absl::OkStatus();
  });
  Options o = Paced(Durability::kSync, 256 << 10);
  o.env = &env;
  auto store = OpenOrDie("/s", o);
  ASSERT_NE(store, nullptr);
  Fill(store.get());
  armed = true;
  const Timed timed = CompactWhileWriting(store.get(), [&] {
    armed = false;
    slow = false;
  });
  // Six pieces, five of them full at a quarter of a second each; with
  // only the framed transactions counted, at most two were held.
  EXPECT_GE(timed.compaction, absl::Milliseconds(1000));
  const absl::StatusOr<Json> got = store->Get("/m7");
  ASSERT_OK(got);
  EXPECT_EQ(*got, std::string(1000, 'a' + 7));
}

// At 64 KiB/s, the slowest rate Options allow, a paced compaction of this
// store would take five seconds; unpaced it takes milliseconds.
TEST(CompactionPacingTest, NotHeldBackWithoutCommitsOrUnderOtherPolicies) {
  ScratchDir tmp;
  {
    auto store = OpenOrDie(tmp.Sub("idle"), Paced(Durability::kSync, 64 << 10));
    ASSERT_NE(store, nullptr);
    Fill(store.get());
    const absl::Time start = absl::Now();
    ASSERT_OK(store->Compact());
    EXPECT_LT(absl::Now() - start, absl::Milliseconds(2500));
  }
  for (Durability durability : {Durability::kNone, Durability::kInterval}) {
    auto store = OpenOrDie(
        tmp.Sub(durability == Durability::kNone ? "none" : "interval"),
        Paced(durability, 64 << 10));
    ASSERT_NE(store, nullptr);
    Fill(store.get());
    const Timed timed = CompactWhileWriting(store.get());
    EXPECT_LT(timed.compaction, absl::Milliseconds(2500));
    EXPECT_GE(timed.committed, 1);
  }
}

TEST(CompactionPacingTest, ARateThatWouldStallCompactionIsRefused) {
  ScratchDir tmp;
  for (const uint64_t rate : {uint64_t{1}, uint64_t{(64 << 10) - 1}}) {
    EXPECT_THAT(Store::Open(tmp.Sub("s"), Paced(Durability::kSync, rate)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("compaction_write_rate")));
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("s")));
}

}  // namespace
}  // namespace statelog
