// tests/clock/clock_step_test.cc
//
// Steps of the system clock (NTP, `date -s`, a resumed virtual machine)
// must not stall the store: statelog's own waits and paces are timed on
// the monotonic clock, and the wall clock only labels things (a snapshot's
// created_at, a report's started_at, a quarantine file's name). The wall
// clock here is the one tests/testing/clock_shim.h moves: what the process
// reads of it, not the kernel's, so Abseil's timed waits, which hand the
// kernel a wall-clock deadline, are beyond these tests (docs/recovery.md).
// absl::Now() reads the kernel's clock only every second or two and runs
// on the processor's counter in between; the tests that need it to see a
// step wait 2.5 s after it. Each test says what the code did before it
// was timed on the monotonic clock. Durations are measured on
// std::chrono::steady_clock, which the shim leaves alone; the bounds are
// generous (tens of seconds against steps of a minute or an hour), so a
// loaded machine does not make them fail.

#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/store.h"
#include "tests/testing/clock_shim.h"
#include "tests/testing/mem_env.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::MemEnv;
using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::SetWallClockOffset;
using ::statelog::testing::SetWallClockRunningBack;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Every test leaves the wall clock as it found it, even when it fails.
class ClockStepTest : public ::testing::Test {
 protected:
  void TearDown() override {
    SetWallClockRunningBack(absl::ZeroDuration());
    SetWallClockOffset(absl::ZeroDuration());
  }
};

// The shim itself: absl::Now() follows it, the monotonic clock does not.
TEST_F(ClockStepTest, TheShimMovesTheWallClockOnly) {
  const absl::Time before = absl::Now();
  const Clock::time_point steady = Clock::now();
  SetWallClockOffset(absl::Hours(-1));
  EXPECT_LT(absl::Now() - before, absl::Minutes(-59));
  EXPECT_LT(SecondsSince(steady), 60.0);
  SetWallClockOffset(absl::ZeroDuration());
  SetWallClockRunningBack(absl::Seconds(1));
  const absl::Time first = absl::Now();
  EXPECT_LE(absl::Now() - first, absl::Seconds(-1));
}

// A compaction paced while kSync writers commit (compaction_write_rate)
// slept out the share of each piece of the snapshot as measured on the
// wall clock: a step back of a minute during a piece made it sleep a
// minute more (this test took 61 s), and a store being closed waited for
// it (an hour's step, an hour).
TEST_F(ClockStepTest, APacedCompactionIsNotStretchedByAStepBack) {
  MemEnv env;
  std::atomic<bool> armed{false};
  std::atomic<int> snapshot_writes{0};
  env.set_fault_hook([&](const std::string& op, const std::string& path) {
    // The writer is nearly always inside a slow sync, so every piece is
    // paced (compaction_write_rate: pieces are held back while a commit
    // waits for the disk) however the threads are scheduled.
    if (op == "sync" && path.find("wal-") != std::string::npos) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    // The step comes while the snapshot's third piece is being written,
    // between the pacer's two readings of the clock around it.
    if (armed.load() && op == "write" &&
        path.find("snapshot-") != std::string::npos &&
        snapshot_writes.fetch_add(1) == 2) {
      SetWallClockOffset(absl::Minutes(-1));
      // absl::Now() reads the kernel's clock again only every second or
      // two, and runs on the processor's counter in between.
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    }
    return absl::OkStatus();
  });
  Options o;
  o.create_if_missing = true;
  o.env = &env;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  o.compaction_write_rate = 256 << 10;
  auto store = OpenOrDie("/s", o);
  ASSERT_NE(store, nullptr);
  Transaction fill;
  for (int i = 0; i < 320; ++i) {
    fill.Set("/m" + std::to_string(i), std::string(1000, 'a' + i % 26));
  }
  ASSERT_OK(store->Apply(fill));

  testing::BackgroundWriter writer(store.get());
  // About 330 KB at 256 KiB/s: a second and more of paced pieces, and the
  // clock steps back a minute in the middle of them.
  armed = true;
  const Clock::time_point start = Clock::now();
  EXPECT_OK(store->Compact());
  const double took = SecondsSince(start);
  EXPECT_GT(snapshot_writes.load(), 3) << "the snapshot's pieces";
  writer.Stop();
  EXPECT_LT(took, 30.0) << "a paced compaction across a step back of 60 s";
  EXPECT_GE(took, 0.5) << "the compaction was not paced at all";
  EXPECT_EQ(*store->Get("/m7"), std::string(1000, 'a' + 7));
}

// kInterval's background fdatasync waited for a wall-clock deadline: after
// a step back of an hour it synced nothing for an hour while Apply went
// on acknowledging (found by the stop-22 embedding audit).
TEST_F(ClockStepTest, IntervalSyncsGoOnAfterAStepBack) {
  MemEnv env;
  std::atomic<int> syncs{0};
  env.set_fault_hook([&](const std::string& op, const std::string& path) {
    if (op == "sync" && path.find("wal-") != std::string::npos) ++syncs;
    return absl::OkStatus();
  });
  Options o;
  o.create_if_missing = true;
  o.env = &env;
  o.durability = Durability::kInterval;
  o.sync_interval = absl::Milliseconds(10);
  auto store = OpenOrDie("/s", o);
  ASSERT_NE(store, nullptr);
  int i = 0;
  const Clock::time_point started = Clock::now();
  while (syncs.load() == 0 && SecondsSince(started) < 10) {
    ASSERT_OK(store->Apply(Transaction().Set("/n", ++i)));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(syncs.load(), 0) << "no interval sync at all";
  SetWallClockOffset(absl::Hours(-1));
  // Long enough for absl::Now() to read the stepped clock (see above) and
  // for any wait begun before the step to run out.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const int before = syncs.load();
  const Clock::time_point stepped = Clock::now();
  while (syncs.load() < before + 5 && SecondsSince(stepped) < 20) {
    ASSERT_OK(store->Apply(Transaction().Set("/n", ++i)));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(syncs.load(), before + 5)
      << "interval syncs after a step back of an hour";
}

// Nothing on the commit path computes with the wall clock: stepped back
// and forth by a minute every few milliseconds while eight kSync writers
// commit for three seconds (so that absl::Now() reads the stepped clock
// more than once), no commit waits for a step. (Group commit's gathering
// wait gives the kernel a wall-clock deadline; a step of the kernel's
// clock during it, which this shim cannot make, lengthens it: options.h.)
TEST_F(ClockStepTest, GroupCommitIsNotHeldUpBySteps) {
  MemEnv env;
  env.set_fault_hook([](const std::string& op, const std::string& path) {
    if (op == "sync" && path.find("wal-") != std::string::npos) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    return absl::OkStatus();
  });
  Options o;
  o.create_if_missing = true;
  o.env = &env;
  auto store = OpenOrDie("/s", o);
  ASSERT_NE(store, nullptr);
  std::atomic<bool> stop{false};
  std::thread stepper([&] {
    for (int i = 0; !stop.load(); ++i) {
      SetWallClockOffset(absl::Minutes(i % 3 - 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  constexpr int kWriters = 8;
  std::vector<double> slowest(kWriters, 0);
  std::vector<int> last(kWriters, -1);
  std::vector<std::thread> writers;
  const Clock::time_point start = Clock::now();
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; SecondsSince(start) < 3; ++i) {
        const Clock::time_point begun = Clock::now();
        ASSERT_OK(store->Apply(Transaction().Set("/t" + std::to_string(t), i)));
        slowest[t] = std::max(slowest[t], SecondsSince(begun));
        last[t] = i;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  stop = true;
  stepper.join();
  int total = 0;
  for (int t = 0; t < kWriters; ++t) {
    EXPECT_LT(slowest[t], 20.0) << "writer " << t;
    EXPECT_EQ(*store->Get("/t" + std::to_string(t)), last[t]);
    total += last[t] + 1;
  }
  EXPECT_EQ(store->LastSeq(), static_cast<uint64_t>(total));
}

// The report's time taken was the wall clock's difference, negative or
// wildly large when the clock stepped during recovery.
TEST_F(ClockStepTest, RecoveryTimeIsMonotonic) {
  MemEnv env;
  Options o;
  o.create_if_missing = true;
  o.env = &env;
  {
    auto store = OpenOrDie("/s", o);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) {
      ASSERT_OK(store->Apply(Transaction().Set("/n", i)));
    }
  }
  o.durability = Durability::kNone;
  SetWallClockRunningBack(absl::Seconds(1));
  absl::StatusOr<OpenResult> opened = Store::Open("/s", o);
  SetWallClockRunningBack(absl::ZeroDuration());
  ASSERT_OK(opened);
  EXPECT_EQ(opened->report.records_replayed, 20u);
  EXPECT_GE(opened->report.elapsed, absl::ZeroDuration());
  EXPECT_LT(opened->report.elapsed, absl::Seconds(10));
}

// `statelog apply --wait S` on a store another process holds gave up at a
// wall-clock deadline: a clock that steps back kept it waiting past S (a
// clock that only goes back, for ever). The command runs with the shim
// preloaded, its wall clock a second earlier at every reading.
TEST_F(ClockStepTest, TheCommandLinesWaitForALockIsTimedMonotonically) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  Options o;
  o.create_if_missing = true;
  auto holder = OpenOrDie(dir, o);
  ASSERT_NE(holder, nullptr);
  // A sanitizer's runtime wants to come first among the libraries; the shim
  // may come before it here.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string command = absl::StrCat(
      "STATELOG_TEST_CLOCK_BACK_MS=1000 LD_PRELOAD='", STATELOG_CLOCK_SHIM_PATH,
      "' ASAN_OPTIONS='", asan == nullptr ? "" : absl::StrCat(asan, ":"),
      "verify_asan_link_order=0' timeout 60 '", STATELOG_CLI_PATH, "' apply '",
      dir, "' --wait 1 </dev/null >/dev/null 2>&1");
  const Clock::time_point start = Clock::now();
  const int status = std::system(command.c_str());
  const double took = SecondsSince(start);
  ASSERT_TRUE(WIFEXITED(status)) << command;
  EXPECT_EQ(WEXITSTATUS(status), 4) << "exit 4 is \"locked\"; 124 is timeout's";
  EXPECT_LT(took, 30.0);
  EXPECT_GE(took, 0.9) << "gave up before the second it was given";
}

}  // namespace
}  // namespace statelog
