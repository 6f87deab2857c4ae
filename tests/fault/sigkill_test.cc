// tests/fault/sigkill_test.cc
//
// Item 5 of the fault battery: a driver forks a child that runs the seeded
// workload (tests/fault/fault_util.h) against a real store directory, with
// small segments and frequent compactions, and reports every transaction
// it submits and every acknowledgement over a pipe. The driver kills the
// child with SIGKILL at a random moment (sometimes while the child is still
// recovering), reopens the store, and checks the oracle:
//
//   * durability: the recovered sequence number is at least the highest
//     one acknowledged so far (by any child);
//   * no invention: it is at most the highest one submitted, and the state
//     equals the model's state after exactly that many transactions;
//   * idempotence: reopening again gives the same number and state;
//   * writability: the next child continues the same workload from there.
//
// Each child picks its durability policy at random: a process crash must
// not lose an acknowledged transaction under any of them (docs/recovery.md).
// It runs on /dev/shm (tmpfs: a kill during a write that crosses a page can
// leave part of a record) and on the real disk ($TMPDIR or /tmp).
//
// Kills at named points inside the library are in kill_point_test.cc.

#include <fcntl.h>
#include <signal.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/fault/crash_oracle.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/workload_child.h"

namespace statelog {
namespace {

using ::statelog::fault::AckMeaning;
using ::statelog::fault::ChildRun;
using ::statelog::fault::CrashOracle;
using ::statelog::fault::CrashTally;
using ::statelog::fault::DriverCrash;
using ::statelog::fault::LongMode;
using ::statelog::fault::PrintSummary;
using ::statelog::fault::Rng;
using ::statelog::fault::RunAndCrashChild;
using ::statelog::fault::TestSeed;
using ::statelog::fault::WithCommas;
namespace fs = std::filesystem;

struct Medium {
  std::string name;  // "tmpfs" or "disk(ext4)" ...
  std::string root;  // where scratch directories go
};

std::string FileSystemName(const std::string& path) {
  struct statfs st;
  if (statfs(path.c_str(), &st) != 0) return "unknown";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0x01021994:
      return "tmpfs";
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794C7630:
      return "overlayfs";
    default:
      return absl::StrCat("fs 0x", absl::Hex(st.f_type));
  }
}

struct LoopResult {
  uint64_t kills = 0;
  uint64_t kills_during_recovery = 0;  // before the child reported ready
  uint64_t acked = 0;                  // highest acknowledged
  uint64_t torn_tails = 0;             // recoveries that found damage
  CrashTally tally;
};

// Kills children working on `dir` `kills` times; checks after each kill.
LoopResult KillLoop(const std::string& dir, uint64_t seed, int kills,
                    const std::string& medium) {
  LoopResult out;
  int reported = 0;
  CrashOracle oracle(seed, [&](const std::string& what) {
    if (reported++ < 10) ADD_FAILURE() << medium << ": " << what;
  });
  Rng rng(seed ^ std::hash<std::string>()(medium));
  for (int k = 0; k < kills; ++k) {
    const std::string what = absl::StrCat(medium, " kill ", k);
    const ChildRun run = RunAndCrashChild(
        dir, seed, AckMeaning::kApplied, &rng, std::chrono::milliseconds(40),
        [](pid_t pid) { kill(pid, SIGKILL); }, &oracle, what);
    if (!run.started) break;
    ++out.kills;
    if (!run.ready) ++out.kills_during_recovery;
    if (run.stopped) break;
    // The next child continues the workload from where this recovery is.
    if (!oracle.Recover(dir, Options(), DriverCrash(), 0, what)) break;
  }
  out.acked = oracle.acked();
  out.torn_tails = oracle.torn_tails();
  out.tally = oracle.tally();
  return out;
}

// Keeps the store of a failed run for inspection.
void KeepOnFailure(const std::string& dir, const std::string& medium,
                   uint64_t seed) {
  if (!::testing::Test::HasFailure()) return;
  const char* tmp = std::getenv("TMPDIR");
  const std::string kept =
      absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/statelog-sigkill-", medium,
                   "-", seed, "-", getpid());
  std::error_code ec;
  fs::copy(dir, kept, fs::copy_options::recursive, ec);
  std::fprintf(stderr, "sigkill: store kept in %s\n", kept.c_str());
}

TEST(SigkillTest, AcknowledgedTransactionsSurviveRandomKills) {
  const uint64_t seed = TestSeed(20261125);
  const int kills_per_medium = LongMode() ? 5000 : fault::kSlowBuild ? 20 : 50;
  std::vector<Medium> media;
  if (fs::is_directory("/dev/shm") && FileSystemName("/dev/shm") == "tmpfs") {
    media.push_back({"tmpfs", "/dev/shm"});
  }
  {
    const char* tmp = std::getenv("TMPDIR");
    const std::string root = tmp && *tmp ? tmp : "/tmp";
    media.push_back({absl::StrCat("disk(", FileSystemName(root), ")"), root});
  }

  std::string line;
  LoopResult total;
  const auto started = std::chrono::steady_clock::now();
  for (const Medium& medium : media) {
    std::string dir_template = medium.root + "/statelog-sigkill-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template.data()), nullptr) << medium.root;
    const std::string dir = dir_template + "/store";
    LoopResult r = KillLoop(dir, seed, kills_per_medium, medium.name);
    KeepOnFailure(dir, medium.name, seed);
    std::error_code ec;
    fs::remove_all(dir_template, ec);
    absl::StrAppend(&line, line.empty() ? "" : ", ", medium.name, " ", r.kills);
    total.kills += r.kills;
    total.kills_during_recovery += r.kills_during_recovery;
    total.acked += r.acked;
    total.torn_tails += r.torn_tails;
    total.tally.Add(r.tally);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  EXPECT_EQ(total.tally.total(), 0u) << total.tally.Counts();
  PrintSummary(absl::StrCat(
      "sigkill: ", WithCommas(total.kills), " kills (", line, "; ",
      total.kills_during_recovery, " before the child finished recovering), ",
      WithCommas(total.acked), " transactions acknowledged, ", total.torn_tails,
      " recoveries found a torn tail, ", total.tally.Counts(), ", ",
      static_cast<int>(seconds), " s, seed=", seed, fault::BuildNote()));
}

}  // namespace
}  // namespace statelog
