// tests/fault/workload_child.h
//
// The child process of the crash loops (kill loop, power cut): it recovers
// the store and applies the seeded workload from where the store is, with
// small segments, frequent compactions and a random durability policy per
// session, reporting every step over a pipe (tests/fault/child_channel.h);
// and the driver's side, which lets it run until a seeded moment and then
// crashes it. Header-only, like fault_util.h.

#ifndef STATELOG_TESTS_FAULT_WORKLOAD_CHILD_H_
#define STATELOG_TESTS_FAULT_WORKLOAD_CHILD_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
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
#include "tests/fault/scratch_fs.h"

namespace statelog::fault {

// What an acknowledgement means to the test.
enum class AckMeaning {
  // Apply returned: what a process crash must keep, under every policy.
  kApplied,
  // Durable: Apply returned under kSync, or a later Sync() returned. What a
  // power cut must keep.
  kDurable,
};

// Small segments and frequent compactions, so that a crash often lands in a
// rotation, a snapshot or a retention; a random policy.
inline Options WorkloadChildOptions(Rng* rng) {
  Options o;
  o.create_if_missing = true;
  o.segment_bytes = 16 << 10;
  o.compact_after_records = 10 + rng->Uniform(30);
  o.compact_after_bytes = 48 << 10;
  switch (rng->Uniform(4)) {
    case 0:
      o.durability = Durability::kNone;
      break;
    case 1:
      o.durability = Durability::kInterval;
      o.sync_interval = absl::Milliseconds(1 + rng->Uniform(5));
      break;
    default:
      o.durability = Durability::kSync;
      break;
  }
  return o;
}

// The child: recover, then apply the workload from where the store is,
// reporting each step, until killed. Now and then it compacts explicitly or
// closes and reopens the store. On an error it reports kStopped with the
// status code (and prints the error, unless it is one every call gets after
// a power cut) and waits to be killed. Never returns.
[[noreturn]] inline void RunWorkloadChild(const std::string& dir,
                                          uint64_t workload_seed,
                                          uint64_t child_seed, AckMeaning acks,
                                          int fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  Rng rng(child_seed);
  // After a power cut every call fails; other errors are news.
  auto stop = [fd, acks](const absl::Status& status, const char* what) {
    if (acks == AckMeaning::kApplied || !Ext4Image::IsCutError(status)) {
      std::fprintf(stderr, "workload child: %s: %s\n", what,
                   status.ToString().c_str());
    }
    Send(fd, Message::kStopped, static_cast<uint64_t>(status.code()));
    while (true) pause();
  };
  while (true) {
    const Options options = WorkloadChildOptions(&rng);
    const bool ack_on_apply =
        acks == AckMeaning::kApplied || options.durability == Durability::kSync;
    absl::StatusOr<OpenResult> opened = Store::Open(dir, options);
    if (!opened.ok()) stop(opened.status(), "Open");
    std::unique_ptr<Store> store = std::move(opened->store);
    uint64_t seq = store->LastSeq();
    Send(fd, Message::kReady, seq);
    const uint64_t session = 20 + rng.Uniform(400);
    for (uint64_t i = 0; i < session; ++i) {
      ++seq;
      Send(fd, Message::kSubmitted, seq);
      absl::StatusOr<uint64_t> applied =
          store->Apply(WorkloadTxn(workload_seed, seq));
      if (!applied.ok()) stop(applied.status(), "Apply");
      if (*applied != seq) stop(absl::InternalError("wrong seq"), "Apply");
      if (ack_on_apply) Send(fd, Message::kAcked, seq);
      if (!ack_on_apply && rng.OneIn(8)) {
        absl::Status synced = store->Sync();
        if (!synced.ok()) stop(synced, "Sync");
        Send(fd, Message::kAcked, seq);
      }
      if (rng.OneIn(50)) {
        absl::Status compacted = store->Compact();
        if (!compacted.ok()) stop(compacted, "Compact");
        // The snapshot covers everything applied, durably.
        Send(fd, Message::kAcked, seq);
      }
    }
    // Closing syncs everything and releases the lock; reopening recovers.
  }
}

// What the driver saw of one child.
struct ChildRun {
  bool started = false;  // the fork worked; the child was crashed and reaped
  bool ready = false;    // it finished recovering before the crash
  bool stopped = false;  // it failed or ended by itself before the crash
};

// Forks a workload child on `dir`, lets it run until a seeded moment drawn
// from `rng` (one crash in six 0-6 ms after the fork, mostly inside the
// child's recovery; the others 0-`max_delay` after it reports that it has
// recovered), then calls `crash` with its pid (which must end it: a SIGKILL,
// after a power cut if the test wants one), reads what is left and reaps
// it. Every step goes to `oracle`, which also checks the child's own
// recovery; a child that stops with an error is crashed at once and
// reported to `oracle` as a failure named by `what`.
inline ChildRun RunAndCrashChild(const std::string& dir, uint64_t seed,
                                 AckMeaning acks, Rng* rng,
                                 std::chrono::microseconds max_delay,
                                 const std::function<void(pid_t)>& crash,
                                 CrashOracle* oracle, const std::string& what) {
  ChildRun run;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    oracle->Fail(absl::StrCat("pipe: ", std::strerror(errno)));
    return run;
  }
  const uint64_t child_seed = rng->Next();
  const bool early = rng->OneIn(6);
  const std::chrono::microseconds delay(
      rng->Uniform(early ? 6000 : static_cast<uint64_t>(max_delay.count())));
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    oracle->Fail(absl::StrCat("fork: ", std::strerror(errno)));
    close(fds[0]);
    close(fds[1]);
    return run;
  }
  if (pid == 0) {
    close(fds[0]);
    RunWorkloadChild(dir, seed, child_seed, acks, fds[1]);
  }
  close(fds[1]);
  ChildChannel channel(fds[0]);
  run.started = true;
  bool crashed = false;
  uint64_t stop_code = 0;
  const auto started = std::chrono::steady_clock::now();
  auto deadline = early ? started + delay : started + std::chrono::minutes(1);
  auto handle = [&](Message type, uint64_t value) {
    oracle->Observe(type, value);
    if (type == Message::kReady && !run.ready) {
      oracle->CheckBounds(value, what + " (the child's recovery)");
      run.ready = !crashed;
      if (!early) deadline = std::chrono::steady_clock::now() + delay;
    }
    if (type == Message::kStopped && !crashed) {
      run.stopped = true;
      stop_code = value;
      deadline = std::chrono::steady_clock::now();
    }
  };
  while (std::chrono::steady_clock::now() < deadline &&
         channel.Next(deadline, handle)) {
  }
  crash(pid);
  crashed = true;
  channel.Drain(handle);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!run.stopped && (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)) {
    oracle->Fail(absl::StrCat(what,
                              ": the child ended by itself (wait "
                              "status ",
                              status, ") before the crash"));
    run.stopped = true;
  } else if (run.stopped) {
    oracle->Fail(absl::StrCat(
        what, ": the child stopped with ",
        absl::StatusCodeToString(static_cast<absl::StatusCode>(stop_code)),
        " before the crash"));
  }
  return run;
}

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_WORKLOAD_CHILD_H_
