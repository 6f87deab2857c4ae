// tests/fault/lock_test.cc
//
// Item 11 of the fault battery: the one-writer rule (DESIGN.md rule 9,
// docs/recovery.md step 1) between real processes.
//
//   * 16 processes released at once race to open the same store, 200 times
//     (some rounds on a directory that does not exist yet, so they also
//     race to create it): exactly one wins each time, every other one gets
//     FailedPrecondition, and the store the winner created opens afterwards;
//   * after SIGKILL of the holder the next Open succeeds within a second;
//   * neither the lock nor any store file descriptor survives an exec: a
//     program exec'ed by the holder sees none of them (a descriptor opened
//     without O_CLOEXEC in the same process shows that the check sees
//     inherited descriptors), and while that program runs the store can be
//     opened by someone else.
//
// The racers are fork()ed copies of this test process; nothing here starts
// a store before forking, so no child inherits a lock.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/fault/fault_util.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::fault::LongMode;
using ::statelog::fault::PrintSummary;
using ::statelog::fault::WithCommas;
using ::statelog::testing::ScratchDir;
using ::testing::HasSubstr;

constexpr int kRacers = 16;

Options SmallStore(bool create) {
  Options o;
  o.create_if_missing = create;
  o.segment_bytes = 4096;
  return o;
}

// What a racer reports, one atomic pipe write.
struct RaceResult {
  char kind;  // 'W' opened, 'L' FailedPrecondition (locked), 'E' other error
  int32_t pid;
  char message[250];
};
static_assert(sizeof(RaceResult) <= PIPE_BUF, "must be one atomic write");

void WriteAll(int fd, const void* data, size_t n) {
  if (write(fd, data, n) != static_cast<ssize_t>(n)) _exit(5);
}

// Takes one byte from `fd`; exits the process if the pipe is gone.
void TakeToken(int fd) {
  char c;
  if (read(fd, &c, 1) != 1) _exit(0);
}

// The directory of round `round`: every fourth round races to create a
// store that does not exist yet.
std::string RaceDir(const std::string& root, int round) {
  return round % 4 == 3 ? absl::StrCat(root, "/new", round) : root + "/store";
}

// Pipes between the driver and the racers. Each round: the driver puts one
// start token per racer into `start` at once; each racer takes one and
// opens; reports on `results`; takes a `release` token (the winner holds
// the store until the driver hands those out, after every racer has
// tried); closes the store and says so on `done`.
struct RacePipes {
  int start[2], results[2], release[2], done[2];
};

// A racer: the same process races in every round, so a lock or descriptor
// it leaked in one round would show in the next.
[[noreturn]] void Racer(const std::string& root, int rounds,
                        const RacePipes& p) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (int round = 0; round < rounds; ++round) {
    const std::string dir = RaceDir(root, round);
    TakeToken(p.start[0]);
    absl::StatusOr<OpenResult> r = Store::Open(dir, SmallStore(round % 4 == 3));
    RaceResult result = {};
    result.pid = getpid();
    result.kind = r.ok()                                   ? 'W'
                  : absl::IsFailedPrecondition(r.status()) ? 'L'
                                                           : 'E';
    if (!r.ok()) {
      std::snprintf(result.message, sizeof(result.message), "%s",
                    r.status().ToString().c_str());
    }
    WriteAll(p.results[1], &result, sizeof(result));
    TakeToken(p.release[0]);
    if (r.ok()) r->store.reset();
    WriteAll(p.done[1], "d", 1);
  }
  _exit(0);
}

// Reads exactly `n` bytes from `fd`, waiting at most 30 s in all.
bool ReadExactly(int fd, void* out, size_t n) {
  char* p = static_cast<char*>(out);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (n > 0) {
    struct pollfd pfd = {fd, POLLIN, 0};
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (poll(&pfd, 1, 100) <= 0) continue;
    const ssize_t got = read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= got;
  }
  return true;
}

TEST(LockTest, SixteenProcessesRaceToOpenExactlyOneWinsEachTime) {
  const int rounds = LongMode() ? 1000 : 200;
  ScratchDir tmp;
  const std::string root = tmp.path();
  RacePipes p;
  for (int* fds : {p.start, p.results, p.release, p.done}) {
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  }
  ASSERT_OK(Store::Open(RaceDir(root, 0), SmallStore(true)));
  std::vector<pid_t> racers;
  std::fflush(nullptr);
  for (int i = 0; i < kRacers; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) Racer(root, rounds, p);
    racers.push_back(pid);
  }
  const std::string tokens(kRacers, 't');

  int single_winner = 0, create_rounds = 0;
  // What the refusals say holds the lock: the winner, nobody (its LOCK file
  // was empty), or a pid from an earlier round.
  int holder_named = 0, holder_unknown = 0, holder_stale = 0;
  uint64_t losers = 0;
  int reported = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    const bool create = round % 4 == 3;
    create_rounds += create;
    ASSERT_EQ(write(p.start[1], tokens.data(), tokens.size()),
              static_cast<ssize_t>(tokens.size()));  // go
    std::vector<RaceResult> got(kRacers);
    ASSERT_TRUE(
        ReadExactly(p.results[0], got.data(), sizeof(RaceResult) * kRacers))
        << "round " << round << ": a racer did not report";
    ASSERT_EQ(write(p.release[1], tokens.data(), tokens.size()),
              static_cast<ssize_t>(tokens.size()));
    std::string done(kRacers, '\0');
    ASSERT_TRUE(ReadExactly(p.done[0], done.data(), done.size()))
        << "round " << round << ": a racer did not finish";

    int winners = 0;
    int32_t winner = 0;
    for (const RaceResult& r : got) {
      if (r.kind == 'W') {
        ++winners;
        winner = r.pid;
      }
    }
    if (winners == 1) ++single_winner;
    for (const RaceResult& r : got) {
      if (r.kind == 'W') continue;
      ++losers;
      if (r.kind != 'L' && reported++ < 10) {
        ADD_FAILURE() << "round " << round << ": a racer failed with "
                      << r.message;
      }
      const std::string message(r.message);
      if (message.find(absl::StrCat("pid ", winner, " on host")) !=
          std::string::npos) {
        ++holder_named;
      } else if (message.find("unknown holder") != std::string::npos) {
        ++holder_unknown;
      } else {
        ++holder_stale;
      }
    }
    if (winners != 1 && reported++ < 10) {
      ADD_FAILURE() << "round " << round << ": " << winners
                    << " racers opened the store";
    }
    if (create) {
      // The store created under the race is whole.
      absl::StatusOr<OpenResult> r =
          Store::Open(RaceDir(root, round), SmallStore(false));
      EXPECT_OK(r) << "round " << round;
      if (r.ok()) {
        EXPECT_EQ(r->store->LastSeq(), 0u);
      }
    }
  }
  for (int* fds : {p.start, p.results, p.release, p.done}) {
    close(fds[0]);
    close(fds[1]);
  }
  for (pid_t pid : racers) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "racer " << pid << " status " << status;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  EXPECT_EQ(single_winner, rounds);
  PrintSummary(absl::StrCat(
      "lock(race): ", rounds, " rounds of ", kRacers, " processes (",
      create_rounds, " racing to create), ", single_winner,
      " with exactly one winner, ", WithCommas(losers),
      " losers refused with FailedPrecondition (naming the winner's "
      "pid ",
      holder_named, ", an earlier round's pid ", holder_stale, ", no holder ",
      holder_unknown, "), ", static_cast<int>(seconds), " s"));
}

TEST(LockTest, OpenSucceedsWithinASecondOfSigkillingTheHolder) {
  const int repeats = LongMode() ? 200 : 20;
  ScratchDir tmp;
  const std::string dir = tmp.Sub("store");
  ASSERT_OK(Store::Open(dir, SmallStore(true)));
  double slowest = 0;
  for (int rep = 0; rep < repeats; ++rep) {
    int ready[2];
    ASSERT_EQ(pipe2(ready, O_CLOEXEC), 0);
    std::fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(ready[0]);
      absl::StatusOr<OpenResult> r = Store::Open(dir, SmallStore(false));
      if (!r.ok()) _exit(3);
      const char c = 'W';
      WriteAll(ready[1], &c, 1);
      // Keep writing until killed, so the kill also lands mid-transaction.
      for (uint64_t i = 0;; ++i) {
        if (!r->store->Apply(Transaction().Set("/i", i)).ok()) _exit(3);
      }
    }
    close(ready[1]);
    char c = 0;
    ASSERT_EQ(read(ready[0], &c, 1), 1) << "the holder did not open the store";
    close(ready[0]);
    EXPECT_THAT(Store::Open(dir, SmallStore(false)),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr(absl::StrCat("pid ", pid, " on host"))));
    std::this_thread::sleep_for(std::chrono::milliseconds(rep % 5));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    const auto killed = std::chrono::steady_clock::now();
    // No waitpid before trying: the kernel drops the lock as the process
    // exits, whether or not anyone has reaped it.
    absl::StatusOr<OpenResult> r;
    double waited = 0;
    while (true) {
      r = Store::Open(dir, SmallStore(false));
      waited = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             killed)
                   .count();
      if (r.ok() || !absl::IsFailedPrecondition(r.status()) || waited > 1.0)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_OK(r) << "repeat " << rep << ", " << waited << " s after the kill";
    EXPECT_LT(waited, 1.0);
    slowest = std::max(slowest, waited);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;
  }
  PrintSummary(absl::StrCat(
      "lock(sigkill): ", repeats,
      " holders killed mid-write; the next Open succeeded after at "
      "most ",
      static_cast<int>(slowest * 1e6), " us (limit 1 s)"));
}

// Reads what `fd` delivers until `marker` has arrived or five seconds pass.
std::string ReadUntil(int fd, const std::string& marker) {
  std::string out;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (out.find(marker) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, n);
  }
  return out;
}

TEST(LockTest, NoStoreDescriptorIsInheritedAcrossExec) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("store");
  {
    auto r = Store::Open(dir, SmallStore(true));
    ASSERT_OK(r);
    ASSERT_OK(r->store->Apply(Transaction().Set("/a", 1)));
  }
  // A file opened without O_CLOEXEC: the exec'ed program must see it, which
  // shows that the listing does show inherited descriptors.
  const std::string control = tmp.Sub("control-inherited");
  ::statelog::testing::WriteFileOrDie(control, "x");

  int out[2], in[2];
  ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(in, O_CLOEXEC), 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    absl::StatusOr<OpenResult> r = Store::Open(dir, SmallStore(false));
    if (!r.ok()) _exit(3);
    if (open(control.c_str(), O_RDONLY) < 0) _exit(4);
    // The store stays open (lock, journal segment) across the exec.
    dup2(out[1], STDOUT_FILENO);
    dup2(in[0], STDIN_FILENO);
    execl("/bin/sh", "sh", "-c", "ls -l /proc/self/fd; echo listed; read x",
          nullptr);
    _exit(6);
  }
  close(out[1]);
  close(in[0]);
  const std::string listing = ReadUntil(out[0], "listed");
  ASSERT_THAT(listing, HasSubstr("listed")) << "the exec'ed shell did not run";
  EXPECT_THAT(listing, HasSubstr(control)) << listing;
  std::vector<std::string> leaked;
  size_t at = 0;
  while ((at = listing.find(dir, at)) != std::string::npos) {
    const size_t end = listing.find('\n', at);
    leaked.push_back(listing.substr(at, end - at));
    at = end;
  }
  EXPECT_TRUE(leaked.empty()) << "descriptors of the store survived exec: "
                              << ::testing::PrintToString(leaked);
  // While the exec'ed program still runs, the lock is free.
  absl::StatusOr<OpenResult> r = Store::Open(dir, SmallStore(false));
  EXPECT_OK(r) << "the lock was inherited across exec";
  if (r.ok()) {
    EXPECT_EQ(*r->store->Get("/a"), 1);
  }
  close(in[1]);  // the shell's `read` ends
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status)) << status;
  PrintSummary(absl::StrCat(
      "lock(exec): the exec'ed program saw ", leaked.size(),
      " store descriptors (a control descriptor without O_CLOEXEC was ",
      listing.find(control) != std::string::npos ? "seen" : "NOT seen",
      "), and the store opened ",
      r.ok() ? "while it ran" : "NOT while it ran"));
}

}  // namespace
}  // namespace statelog
