// tests/fault/powercut_test.cc
//
// Item 6 of the fault battery: real power cuts, where the kernel decides
// what survives. In a private mount namespace, an ext4 file system on a
// loop device over a sparse file in /dev/shm; a child runs the seeded
// workload (tests/fault/workload_child.h) with a random durability policy
// and reports what is durable under it (Apply under kSync, a Sync or
// Compact under the others); at a seeded moment the driver takes the file
// system down with EXT4_IOC_SHUTDOWN and EXT4_GOING_FLAGS_NOLOGFLUSH (no
// later write reaches the device, and the ext4 journal is not committed),
// kills the child, unmounts, mounts (replaying the ext4 journal as the next
// boot would), and checks the oracle (tests/fault/crash_oracle.h) with a
// power cut between each of its recoveries.
//
// Needs root (mount, loop devices) and mkfs.ext4 (e2fsprogs); where either
// is missing the test says why and is skipped, never passed.

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/fault/crash_oracle.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/isolated_run.h"
#include "tests/fault/scratch_fs.h"
#include "tests/fault/workload_child.h"

namespace statelog {
namespace {

using ::statelog::fault::AckMeaning;
using ::statelog::fault::ChildRun;
using ::statelog::fault::CrashOracle;
using ::statelog::fault::DriverCrash;
using ::statelog::fault::Ext4Image;
using ::statelog::fault::Rng;
using ::statelog::fault::RunAndCrashChild;
using ::statelog::fault::ScenarioReport;
using ::statelog::fault::WithCommas;

constexpr uint64_t kImageBytes = 64 << 20;

void PowerCutScenario(uint64_t seed, int cuts, const std::string& scratch,
                      ScenarioReport* report) {
  const std::string mount_point = scratch + "/ext4";
  mkdir(mount_point.c_str(), 0700);
  Ext4Image image;
  if (absl::Status made = image.Create(kImageBytes, 4096, mount_point);
      !made.ok()) {
    report->Skip(
        absl::StrCat("cannot make ext4 on a loop device: ", made.message()));
    return;
  }
  const std::string dir = mount_point + "/store";
  int reported = 0;
  CrashOracle oracle(seed, [&](const std::string& what) {
    if (reported++ < 10) report->Fail(what);
  });
  const DriverCrash power_cut{[&] { return image.Cut(); },
                              [&] { return image.Restart(); }};
  Rng rng(seed ^ 0x706f776572637574ull);
  const auto started = std::chrono::steady_clock::now();
  int done = 0;
  int during_recovery = 0;
  // Sanitizer builds run the workload some ten times slower.
  const std::chrono::milliseconds max_delay(fault::kSlowBuild ? 250 : 60);
  for (; done < cuts; ++done) {
    const std::string what = absl::StrCat("power cut ", done);
    absl::Status cut;
    // Cut first, then kill: every acknowledgement the driver reads, even
    // after the cut, was durable before it.
    const ChildRun run = RunAndCrashChild(
        dir, seed, AckMeaning::kDurable, &rng, max_delay,
        [&](pid_t pid) {
          cut = image.Cut();
          kill(pid, SIGKILL);
        },
        &oracle, what);
    if (run.stopped) {
      // For the diagnosis: what the store directory held (the cut has
      // happened since, so this is what survived it).
      std::string names;
      std::error_code ec;
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        absl::StrAppend(&names, " ", entry.path().filename().string());
      }
      oracle.Fail(
          absl::StrCat(what, ": the store directory after the cut:", names));
    }
    if (!run.started || run.stopped) break;
    if (!run.ready) ++during_recovery;
    if (cut.ok()) cut = image.Restart();
    if (!cut.ok()) {
      oracle.Fail(absl::StrCat(what, ": ", cut.ToString()));
      break;
    }
    Options options;
    options.segment_bytes = 16 << 10;
    if (!oracle.Recover(dir, options, power_cut, 3, what)) {
      ++done;
      break;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  report->Summary(absl::StrCat(
      "powercut: ", WithCommas(done), " cuts on ext4 (loop, /dev/shm; ",
      during_recovery,
      " before the child finished recovering; each followed "
      "by 2 more in the driver's checks), ",
      WithCommas(oracle.acked()), " transactions acknowledged durable, ",
      oracle.torn_tails(), " recoveries found a torn tail, ",
      oracle.tally().Counts(), "; e2fsck repaired ext4 itself after ",
      image.repairs(), " of ", image.restarts(), " restarts, ",
      static_cast<int>(seconds), " s, seed=", seed));
}

TEST(PowerCutTest, AcknowledgedTransactionsSurviveRealPowerCutsOnExt4) {
  const uint64_t seed = fault::TestSeed(20261125);
  const int cuts = fault::LongMode() ? 1000 : 20;
  fault::RunIsolatedTest(
      "powercut", [&](const std::string& scratch, ScenarioReport* report) {
        PowerCutScenario(seed, cuts, scratch, report);
      });
}

}  // namespace
}  // namespace statelog
