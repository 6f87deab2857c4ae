// tests/fault/isolated_run.h
//
// Runs a test scenario in a child process with a private mount namespace,
// for the tests that mount file systems (power cut, disk full): whatever it
// mounts is invisible to the rest of the machine and is unmounted by the
// kernel when the process ends, however it ends. The scenario reports
// failures, a skip reason and its summary line over a pipe; the test
// process turns them into gtest results. Header-only, like fault_util.h.

#ifndef STATELOG_TESTS_FAULT_ISOLATED_RUN_H_
#define STATELOG_TESTS_FAULT_ISOLATED_RUN_H_

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_util.h"

namespace statelog::fault {

// The scenario's end of the pipe. Every call writes one framed message.
class ScenarioReport {
 public:
  explicit ScenarioReport(int fd) : fd_(fd) {}
  void Fail(const std::string& what) { Write('F', what); }
  // The scenario cannot run here; `why` says what is missing.
  void Skip(const std::string& why) { Write('K', why); }
  void Summary(const std::string& line) { Write('S', line); }

 private:
  void Write(char kind, const std::string& text) {
    std::string frame(1, kind);
    const uint32_t size = static_cast<uint32_t>(text.size());
    frame.append(reinterpret_cast<const char*>(&size), sizeof(size));
    frame += text;
    for (size_t done = 0; done < frame.size();) {
      const ssize_t n = write(fd_, frame.data() + done, frame.size() - done);
      if (n <= 0 && errno != EINTR) _exit(4);
      if (n > 0) done += static_cast<size_t>(n);
    }
  }
  int fd_;
};

struct ScenarioResult {
  std::vector<std::string> failures;
  std::string skip;  // non-empty: the scenario could not run, and why
  std::string summary;
};

// Forks; the child enters a private mount namespace (or reports why it
// cannot, as a skip), mounts a small tmpfs of its own on /tmp (hiding the
// real one from it alone, so that nothing it creates is left on the real
// file system even if it is killed), and runs `scenario` with that
// directory, in which it creates its mount points. Returns what it
// reported; a child that did not end normally adds a failure.
inline ScenarioResult RunIsolated(
    const std::function<void(const std::string& scratch, ScenarioReport*)>&
        scenario) {
  ScenarioResult result;
  const std::string scratch = "/tmp";
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    result.failures.push_back(absl::StrCat("pipe: ", std::strerror(errno)));
    return result;
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    result.failures.push_back(absl::StrCat("fork: ", std::strerror(errno)));
    return result;
  }
  if (pid == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    ScenarioReport report(fds[1]);
    // Private propagation, so that nothing mounted here reaches the
    // namespace this one was copied from.
    if (unshare(CLONE_NEWNS) != 0) {
      report.Skip(absl::StrCat("unshare(CLONE_NEWNS): ", std::strerror(errno),
                               " (needs CAP_SYS_ADMIN)"));
    } else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) !=
               0) {
      report.Skip(absl::StrCat("making / private: ", std::strerror(errno)));
    } else if (mount("tmpfs", scratch.c_str(), "tmpfs", 0,
                     "size=64k,mode=0700") != 0) {
      report.Skip(
          absl::StrCat("mounting a tmpfs on /tmp: ", std::strerror(errno)));
    } else {
      scenario(scratch, &report);
    }
    std::fflush(nullptr);
    _exit(0);
  }
  close(fds[1]);
  std::string bytes;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) != 0) {
    if (n > 0) bytes.append(buf, static_cast<size_t>(n));
    if (n < 0 && errno != EINTR) break;
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  size_t at = 0;
  while (at + 5 <= bytes.size()) {
    uint32_t size;
    std::memcpy(&size, bytes.data() + at + 1, sizeof(size));
    if (at + 5 + size > bytes.size()) break;
    std::string text = bytes.substr(at + 5, size);
    switch (bytes[at]) {
      case 'F':
        result.failures.push_back(std::move(text));
        break;
      case 'K':
        result.skip = std::move(text);
        break;
      case 'S':
        result.summary = std::move(text);
        break;
    }
    at += 5 + size;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result.failures.push_back(
        absl::StrCat("the scenario process ended abnormally (wait status ",
                     status, "); its stderr says why"));
  }
  return result;
}

// The body of a test that mounts file systems: skipped where not root,
// otherwise `scenario` runs isolated and its result becomes the test's: a
// failure per reported failure, the summary line, or a skip that says why
// (never a pass). `test_name` starts the skip line.
inline void RunIsolatedTest(
    const std::string& test_name,
    const std::function<void(const std::string& scratch, ScenarioReport*)>&
        scenario) {
  if (geteuid() != 0) {
    PrintSummary(test_name + ": skipped: needs root (mount, loop devices)");
    GTEST_SKIP() << "needs root to mount file systems";
  }
  const ScenarioResult result = RunIsolated(scenario);
  for (const std::string& failure : result.failures) ADD_FAILURE() << failure;
  if (!result.summary.empty()) PrintSummary(result.summary);
  if (!result.skip.empty() && result.failures.empty()) {
    PrintSummary(absl::StrCat(test_name, ": skipped: ", result.skip));
    GTEST_SKIP() << result.skip;
  }
}

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_ISOLATED_RUN_H_
