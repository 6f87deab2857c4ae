// cli/demo_crash.cc
//
// Process plumbing for the demo: fork/exec of the child, the report pipe,
// the kill and the reaping.

#include "cli/demo_crash.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/demo_protocol.h"

namespace statelog::cli {
namespace {

constexpr int kChildReportFd = 3;
constexpr absl::Duration kReadyTimeout = absl::Seconds(30);

absl::Status ErrnoError(const char* what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Starts the child with the write end of the pipe as its fd 3. Returns its
// pid.
absl::StatusOr<pid_t> StartChild(const CrashPlan& plan, int write_fd) {
  // Everything exec needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<std::string> args = {"statelog",
                                   "__demo-child",
                                   plan.dir,
                                   "--report-fd",
                                   absl::StrCat(kChildReportFd),
                                   "--compact-after",
                                   absl::StrCat(plan.compact_after_records)};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    if (write_fd == kChildReportFd) {
      fcntl(write_fd, F_SETFD, 0);  // dup2 onto itself keeps FD_CLOEXEC
    } else if (dup2(write_fd, kChildReportFd) < 0) {
      _exit(127);
    }
    execv("/proc/self/exe", argv.data());
    static const char kMessage[] = "statelog demo: cannot exec the child\n";
    ssize_t ignored = write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    (void)ignored;
    _exit(127);
  }
  return pid;
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return absl::StrCat("died of signal ", WTERMSIG(wait_status));
  }
  return "stopped";
}

// Reads the child's reports into `*outcome` until `deadline` (or, before the
// child is ready, until it is). Returns false at end of input.
class ReportReader {
 public:
  explicit ReportReader(int fd) : fd_(fd) {}

  bool ready() const { return ready_; }
  absl::Time ready_at() const { return ready_at_; }

  // Reads whatever arrives until `deadline`. False on EOF or error.
  bool ReadUntil(absl::Time deadline, CrashOutcome* outcome) {
    for (;;) {
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) return true;
      pollfd pfd = {fd_, POLLIN, 0};
      int timeout_ms = static_cast<int>(
          std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1000));
      int n = poll(&pfd, 1, timeout_ms);
      if (n < 0 && errno != EINTR) return false;
      if (n <= 0) continue;
      if (!ReadOnce(outcome)) return false;
      if (!ready_) continue;
      if (stop_at_ready_) return true;
    }
  }

  // Waits for the ready report, at most until `deadline`.
  bool WaitReady(absl::Time deadline, CrashOutcome* outcome) {
    stop_at_ready_ = true;
    bool alive = ReadUntil(deadline, outcome);
    stop_at_ready_ = false;
    return alive && ready_;
  }

  // Reads to end of input (the child is dead).
  void Drain(CrashOutcome* outcome) {
    while (ReadOnce(outcome)) {
    }
  }

 private:
  bool ReadOnce(CrashOutcome* outcome) {
    unsigned char chunk[4096];
    ssize_t n;
    do {
      n = read(fd_, chunk, sizeof(chunk));
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    pending_.append(reinterpret_cast<const char*>(chunk),
                    static_cast<size_t>(n));
    size_t used = 0;
    while (pending_.size() - used >= kDemoMessageBytes) {
      const auto* message =
          reinterpret_cast<const unsigned char*>(pending_.data() + used);
      Handle(static_cast<DemoMessage>(message[0]), DecodeDemoValue(message),
             outcome);
      used += kDemoMessageBytes;
    }
    pending_.erase(0, used);
    return true;
  }

  void Handle(DemoMessage tag, uint64_t value, CrashOutcome* outcome) {
    switch (tag) {
      case DemoMessage::kReady:
        ready_ = true;
        ready_at_ = absl::Now();
        outcome->start_seq = outcome->highest_attempt = outcome->highest_ack =
            value;
        break;
      case DemoMessage::kAttempt:
        outcome->highest_attempt = std::max(outcome->highest_attempt, value);
        break;
      case DemoMessage::kAck:
        outcome->highest_ack = std::max(outcome->highest_ack, value);
        break;
    }
  }

  int fd_;
  std::string pending_;
  bool ready_ = false;
  bool stop_at_ready_ = false;
  absl::Time ready_at_;
};

}  // namespace

absl::StatusOr<CrashOutcome> RunCrash(const CrashPlan& plan) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  absl::StatusOr<pid_t> pid = StartChild(plan, fds[1]);
  close(fds[1]);  // the child's copy is the only writer: EOF means it died
  if (!pid.ok()) {
    close(fds[0]);
    return pid.status();
  }

  CrashOutcome outcome;
  ReportReader reader(fds[0]);
  const bool ready = reader.WaitReady(absl::Now() + kReadyTimeout, &outcome);
  bool alive_until_kill = false;
  absl::Time killed_at = absl::Now();
  if (ready) {
    alive_until_kill =
        reader.ReadUntil(reader.ready_at() + plan.kill_after, &outcome);
    killed_at = absl::Now();
  }
  kill(*pid, SIGKILL);
  reader.Drain(&outcome);
  close(fds[0]);

  int wait_status = 0;
  while (waitpid(*pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  const bool died_of_our_kill =
      WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL;
  if (!ready) {
    return absl::InternalError(absl::StrCat(
        "the demo child never became ready (",
        died_of_our_kill ? "timed out" : DescribeExit(wait_status), ")"));
  }
  if (!alive_until_kill || !died_of_our_kill) {
    return absl::InternalError(
        absl::StrCat("the demo child stopped before it was killed: ",
                     DescribeExit(wait_status)));
  }
  outcome.checkpointing = killed_at - reader.ready_at();
  return outcome;
}

}  // namespace statelog::cli
