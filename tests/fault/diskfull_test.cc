// tests/fault/diskfull_test.cc
//
// Item 7 of the fault battery: a full disk. In a private mount namespace, a
// 2 MiB tmpfs and a 16 MiB ext4 (1 KiB blocks, on a loop device over a
// sparse file in /dev/shm). For every free-space level from 0 to a little
// over one record, in the file system's allocation unit (every free block
// on ext4, every free page on tmpfs), a child opens the store; the driver
// fills the file system with a ballast file to leave exactly that much; the
// child runs transactions and compactions until one fails, and, if the
// store is poisoned, tries to reopen it on the full disk; the driver frees
// the space; the child reopens if it must and continues; the driver crashes
// it in the middle (SIGKILL on tmpfs; a power cut, EXT4_IOC_SHUTDOWN, on
// ext4), recovers and checks the oracle (tests/fault/crash_oracle.h).
//
// Checked besides the oracle: the failure is ResourceExhausted; a reopen on
// the full disk either works or fails with ResourceExhausted; once the
// space is back the store (reopened if it was poisoned) takes transactions
// and compactions again. Needs root and mkfs.ext4, like the power-cut test.

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/fault/child_channel.h"
#include "tests/fault/crash_oracle.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/isolated_run.h"
#include "tests/fault/scratch_fs.h"

namespace statelog {
namespace {

using ::statelog::fault::Ballast;
using ::statelog::fault::ChildChannel;
using ::statelog::fault::CrashOracle;
using ::statelog::fault::CrashTally;
using ::statelog::fault::DriverCrash;
using ::statelog::fault::Ext4Image;
using ::statelog::fault::FreeBytes;
using ::statelog::fault::Message;
using ::statelog::fault::Rng;
using ::statelog::fault::ScenarioReport;
using ::statelog::fault::Send;
using ::statelog::fault::WithCommas;
using ::statelog::fault::WorkloadTxn;

// The largest workload record is a little over 10 KiB (fault_util.h).
constexpr uint64_t kOneRecord = 12 << 10;
constexpr uint64_t kTxnsUntilFull = 400;
constexpr uint64_t kTxnsAfterFreeing = 30;

// kNote values: what the child's run into the full disk ended with.
constexpr uint64_t kNoteFull = 1ull << 32;        // | the status code
constexpr uint64_t kNotePoisoned = 1ull << 33;    // the store was poisoned
constexpr uint64_t kNoteInCompact = 1ull << 34;   // Compact failed, not Apply
constexpr uint64_t kNeverFull = 1ull << 35;       // no call failed
constexpr uint64_t kNoteReopenFull = 1ull << 36;  // | code of Open on it
constexpr uint64_t kNoteContinued = 1ull << 37;   // all done after freeing

Options StoreOptions(uint64_t case_seed) {
  Rng rng(case_seed);
  Options o;
  o.create_if_missing = true;
  o.segment_bytes = 8 << 10;
  o.compact_after_records = 5 + rng.Uniform(15);
  o.compact_after_bytes = 24 << 10;
  return o;
}

std::string CodeName(uint64_t code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// Blocks until the driver says go; ends the child if the driver is gone.
void AwaitGo(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) _exit(0);
}

[[noreturn]] void Stop(int fd, const absl::Status& status) {
  if (!Ext4Image::IsCutError(status)) {
    std::fprintf(stderr, "diskfull child: %s\n", status.ToString().c_str());
  }
  Send(fd, Message::kStopped, static_cast<uint64_t>(status.code()));
  while (true) pause();
}

// The child: open; (go) run into the full disk; (go) continue with the
// space back; wait to be crashed.
[[noreturn]] void RunChild(const std::string& dir, uint64_t seed,
                           uint64_t case_seed, int out, int in) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const Options options = StoreOptions(case_seed);
  absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
  if (!opened.ok()) Stop(out, opened.status());
  std::unique_ptr<Store> store = std::move(opened->store);
  uint64_t seq = store->LastSeq();
  Send(out, Message::kReady, seq);
  AwaitGo(in);

  uint64_t note = kNeverFull;
  for (uint64_t i = 0; i < kTxnsUntilFull; ++i) {
    Send(out, Message::kSubmitted, seq + 1);
    absl::StatusOr<uint64_t> applied = store->Apply(WorkloadTxn(seed, seq + 1));
    absl::Status failed = applied.status();
    if (applied.ok()) {
      Send(out, Message::kAcked, ++seq);
      if (i % 7 == 6) {
        failed = store->Compact();
        if (!failed.ok()) note = kNoteInCompact;
      }
    }
    if (!failed.ok()) {
      if (!absl::IsResourceExhausted(failed)) {
        std::fprintf(stderr, "diskfull child: %s\n", failed.ToString().c_str());
      }
      note = (note & kNoteInCompact) | kNoteFull |
             static_cast<uint64_t>(failed.code()) |
             (store->status().ok() ? 0 : kNotePoisoned);
      break;
    }
  }
  Send(out, Message::kNote, note);
  if (note & kNotePoisoned) {
    store.reset();
    opened = Store::Open(dir, options);
    Send(out, Message::kNote,
         kNoteReopenFull | static_cast<uint64_t>(opened.status().code()));
    if (opened.ok()) store = std::move(opened->store);
  }
  AwaitGo(in);

  if (store == nullptr || !store->status().ok()) {
    store.reset();
    opened = Store::Open(dir, options);
    if (!opened.ok()) Stop(out, opened.status());
    store = std::move(opened->store);
  }
  seq = store->LastSeq();
  Send(out, Message::kReady, seq);
  for (uint64_t i = 0; i < kTxnsAfterFreeing; ++i) {
    Send(out, Message::kSubmitted, seq + 1);
    absl::StatusOr<uint64_t> applied = store->Apply(WorkloadTxn(seed, seq + 1));
    if (!applied.ok()) Stop(out, applied.status());
    Send(out, Message::kAcked, ++seq);
    if (i == kTxnsAfterFreeing / 2) {
      if (absl::Status s = store->Compact(); !s.ok()) Stop(out, s);
    }
  }
  Send(out, Message::kNote, kNoteContinued);
  while (true) pause();
}

struct SweepResult {
  int cases = 0;
  int exact = 0;  // cases where the ballast left exactly the level asked
  int full_in_apply = 0;
  int full_in_compact = 0;
  int never_full = 0;
  int poisoned = 0;
  int reopened_on_full = 0;  // a reopen on the full disk worked
  int refused_on_full = 0;   // ... failed with ResourceExhausted
  uint64_t unit = 0;         // allocation unit of the sweep
  uint64_t acked = 0;
  CrashTally tally;
};

// One medium: the sweep of free-space levels, `passes` times over, on the
// store in `root`/store. `power_cut` is empty for tmpfs.
SweepResult Sweep(const std::string& name, const std::string& root,
                  uint64_t seed, int passes, const DriverCrash& power_cut,
                  ScenarioReport* report) {
  SweepResult out;
  const std::string dir = root + "/store";
  Ballast ballast(root + "/ballast");
  int reported = 0;
  CrashOracle oracle(seed, [&](const std::string& what) {
    if (reported++ < 10) report->Fail(absl::StrCat(name, ": ", what));
  });
  struct statvfs st = {};
  statvfs(root.c_str(), &st);
  out.unit = st.f_frsize;
  if (out.unit == 0) {
    oracle.Fail("statvfs " + root + ": " + std::strerror(errno));
    return out;
  }
  Rng rng(seed ^ std::hash<std::string>()(name));
  bool go_on = true;
  for (int pass = 0; pass < passes && go_on; ++pass) {
    for (uint64_t level = 0; level <= kOneRecord && go_on; level += out.unit) {
      const std::string what =
          absl::StrCat("pass ", pass, ", ", level, " bytes free");
      const uint64_t case_seed = rng.Next();
      int to_driver[2], to_child[2];
      if (pipe2(to_driver, O_CLOEXEC) != 0 || pipe2(to_child, O_CLOEXEC)) {
        oracle.Fail("pipe: " + std::string(std::strerror(errno)));
        break;
      }
      std::fflush(nullptr);
      const pid_t pid = fork();
      if (pid < 0) {
        oracle.Fail("fork: " + std::string(std::strerror(errno)));
        break;
      }
      if (pid == 0) {
        close(to_driver[0]);
        close(to_child[1]);
        RunChild(dir, seed, case_seed, to_driver[1], to_child[0]);
      }
      close(to_driver[1]);
      close(to_child[0]);
      ChildChannel channel(to_driver[0]);
      ++out.cases;

      bool ready = false;
      bool stopped = false;
      bool freed = false;
      bool continued = false;
      uint64_t full_note = 0;
      uint64_t reopen_note = 0;
      uint64_t stop_code = 0;
      uint64_t acks_after_freeing = 0;
      auto handle = [&](Message type, uint64_t value) {
        oracle.Observe(type, value);
        if (type == Message::kReady) {
          ready = true;
          oracle.CheckBounds(value, what + " (the child's recovery)");
        }
        if (type == Message::kStopped) {
          stopped = true;
          stop_code = value;
        }
        if (type == Message::kAcked && freed) ++acks_after_freeing;
        if (type == Message::kNote && (value & kNoteReopenFull)) {
          reopen_note = value;
        } else if (type == Message::kNote && value == kNoteContinued) {
          continued = true;
        } else if (type == Message::kNote) {
          full_note = value;
        }
      };
      // Reads messages until `done`, or until the child stops, dies or
      // takes over a minute.
      auto wait_for = [&](const std::function<bool()>& done) {
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::minutes(1);
        while (!done() && !stopped && channel.Next(deadline, handle)) {
        }
        return done();
      };
      auto go = [&] {
        if (write(to_child[1], "g", 1) != 1) oracle.Fail("write to the child");
      };

      if (!wait_for([&] { return ready; })) {
        oracle.Fail(absl::StrCat(what, ": the child did not open the store (",
                                 stopped ? CodeName(stop_code) : "it died",
                                 ")"));
        go_on = false;
      }
      if (go_on) {
        if (ballast.LeaveFree(level) == level) ++out.exact;
        go();
        const bool full_reported = wait_for([&] {
          return full_note != 0 &&
                 (!(full_note & kNotePoisoned) || reopen_note != 0);
        });
        if (!full_reported) {
          oracle.Fail(absl::StrCat(what,
                                   ": the child stopped or died while "
                                   "filling the disk"));
          go_on = false;
        }
      }
      if (go_on) {
        const auto exhausted =
            static_cast<uint64_t>(absl::StatusCode::kResourceExhausted);
        if (full_note & kNeverFull) {
          ++out.never_full;
        } else {
          ++(full_note & kNoteInCompact ? out.full_in_compact
                                        : out.full_in_apply);
          if ((full_note & 0xff) != exhausted) {
            oracle.Fail(absl::StrCat(what,
                                     ": a full disk failed the store "
                                     "with ",
                                     CodeName(full_note & 0xff),
                                     ", not RESOURCE_EXHAUSTED"));
          }
        }
        if (full_note & kNotePoisoned) ++out.poisoned;
        if (reopen_note == 0) {
          // Not poisoned: the child goes on with the same store.
        } else if ((reopen_note & 0xff) == 0) {
          ++out.reopened_on_full;
        } else if ((reopen_note & 0xff) == exhausted) {
          ++out.refused_on_full;
        } else {
          oracle.Fail(absl::StrCat(what,
                                   ": reopening on the full disk "
                                   "failed with ",
                                   CodeName(reopen_note & 0xff)));
        }
        // Free the space, let the child go on, crash it at a seeded moment.
        ballast.Remove();
        freed = true;
        ready = false;
        go();
        const uint64_t crash_after = rng.Uniform(kTxnsAfterFreeing + 1);
        wait_for([&] {
          return (ready && acks_after_freeing >= crash_after) || continued;
        });
        if (stopped) {
          oracle.Fail(absl::StrCat(what,
                                   ": after the space was freed the "
                                   "store failed with ",
                                   CodeName(stop_code)));
        }
      }
      absl::Status crashed = power_cut.cut ? power_cut.cut() : absl::OkStatus();
      kill(pid, SIGKILL);
      channel.Drain(handle);
      waitpid(pid, nullptr, 0);
      close(to_child[1]);
      if (crashed.ok() && power_cut.restart) crashed = power_cut.restart();
      if (!crashed.ok()) {
        oracle.Fail(absl::StrCat(what, ": crashing: ", crashed.ToString()));
        go_on = false;
      }
      ballast.Remove();
      if (go_on &&
          !oracle.Recover(dir, StoreOptions(case_seed), power_cut, 3, what)) {
        go_on = false;
      }
    }
  }
  out.acked = oracle.acked();
  out.tally = oracle.tally();
  return out;
}

void DiskFullScenario(uint64_t seed, int passes, const std::string& scratch,
                      ScenarioReport* report) {
  const std::string tmpfs = scratch + "/tmpfs";
  const std::string ext4 = scratch + "/ext4";
  mkdir(tmpfs.c_str(), 0700);
  mkdir(ext4.c_str(), 0700);
  if (absl::Status s = fault::MountTmpfs(tmpfs, 2 << 20); !s.ok()) {
    report->Skip(std::string(s.message()));
    return;
  }
  Ext4Image image;
  if (absl::Status s = image.Create(16 << 20, 1024, ext4); !s.ok()) {
    report->Skip(
        absl::StrCat("cannot make ext4 on a loop device: ", s.message()));
    return;
  }
  const auto started = std::chrono::steady_clock::now();
  const DriverCrash power_cut{[&] { return image.Cut(); },
                              [&] { return image.Restart(); }};
  const SweepResult on_tmpfs =
      Sweep("tmpfs", tmpfs, seed, passes, DriverCrash(), report);
  const SweepResult on_ext4 =
      Sweep("ext4", ext4, seed, passes, power_cut, report);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  CrashTally tally = on_tmpfs.tally;
  tally.Add(on_ext4.tally);
  auto sum = [&](int SweepResult::*field) {
    return on_tmpfs.*field + on_ext4.*field;
  };
  report->Summary(absl::StrCat(
      "diskfull: ", sum(&SweepResult::cases),
      " cases (tmpfs 2 MiB: ", on_tmpfs.cases, ", every ", on_tmpfs.unit,
      " B; ext4 16 MiB: ", on_ext4.cases, ", every ", on_ext4.unit,
      " B; free space 0-", kOneRecord >> 10, " KiB, ", passes, " passes; ",
      sum(&SweepResult::exact), " filled exactly), ENOSPC in Apply ",
      sum(&SweepResult::full_in_apply), ", in Compact ",
      sum(&SweepResult::full_in_compact), ", never ",
      sum(&SweepResult::never_full), "; ", sum(&SweepResult::poisoned),
      " poisoned, reopened on the full disk ",
      sum(&SweepResult::reopened_on_full), " times, refused there ",
      sum(&SweepResult::refused_on_full),
      "; crashes: SIGKILL on tmpfs, power cut on ext4; ",
      WithCommas(on_tmpfs.acked + on_ext4.acked),
      " transactions acknowledged, ", tally.Counts(),
      "; e2fsck repaired ext4 itself after ", image.repairs(), " of ",
      image.restarts(), " restarts, ", static_cast<int>(seconds),
      " s, seed=", seed, fault::BuildNote()));
}

TEST(DiskFullTest, FullDiskLosesNoAcknowledgedTransactionAndRecovers) {
  const uint64_t seed = fault::TestSeed(20261125);
  const int passes = fault::LongMode() ? 40 : fault::kSlowBuild ? 2 : 4;
  fault::RunIsolatedTest(
      "diskfull", [&](const std::string& scratch, ScenarioReport* report) {
        DiskFullScenario(seed, passes, scratch, report);
      });
}

}  // namespace
}  // namespace statelog
