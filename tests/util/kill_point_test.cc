// tests/util/kill_point_test.cc

#include "util/kill_point.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace statelog::internal {
namespace {

// Runs `body` in a forked child that reports each step by writing one byte
// to a pipe; returns how many bytes arrived and how the child ended.
struct ChildEnd {
  int steps = 0;
  bool killed_by_sigkill = false;
  int exit_code = -1;
};

template <typename Body>
ChildEnd RunChild(Body body) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    body(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  ChildEnd end;
  char c;
  while (read(fds[0], &c, 1) == 1) ++end.steps;
  close(fds[0]);
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  end.killed_by_sigkill = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (WIFEXITED(status)) end.exit_code = WEXITSTATUS(status);
  return end;
}

void Step(int fd) {
  const char c = 's';
  if (write(fd, &c, 1) != 1) _exit(3);
}

TEST(KillPointTest, KillsAtTheArmedOccurrenceOfTheArmedPoint) {
  ChildEnd end = RunChild([](int fd) {
    ArmKillPoint("test.point", 3);
    for (int i = 0; i < 5; ++i) {
      KillPoint("test.other");
      KillPoint("test.point");
      Step(fd);
    }
  });
  EXPECT_TRUE(end.killed_by_sigkill);
  EXPECT_EQ(end.steps, 2);
}

TEST(KillPointTest, DisarmedPointsDoNothing) {
  ChildEnd end = RunChild([](int fd) {
    ArmKillPoint("test.point", 1);
    ArmKillPoint("", 0);
    for (int i = 0; i < 3; ++i) {
      KillPoint("test.point");
      Step(fd);
    }
  });
  EXPECT_FALSE(end.killed_by_sigkill);
  EXPECT_EQ(end.exit_code, 0);
  EXPECT_EQ(end.steps, 3);
}

TEST(KillPointTest, CountsHitsOfTheArmedPointOnly) {
  ArmKillPoint("test.counted", 1000);
  KillPoint("test.counted");
  KillPoint("test.counted");
  KillPoint("test.elsewhere");
  EXPECT_EQ(KillPointHits("test.counted"), 2u);
  EXPECT_EQ(KillPointHits("test.elsewhere"), 0u);
  ArmKillPoint("", 0);
}

TEST(KillPointTest, IsArmedFromTheEnvironmentInANewProcess) {
  // A fresh process reads STATELOG_TEST_KILL_POINT at its first kill point:
  // the gtest binary itself, run again with a filter, is that process.
  if (const char* fd_text = std::getenv("STATELOG_KILL_POINT_CHILD_FD")) {
    const int fd = std::atoi(fd_text);
    for (int i = 0; i < 4; ++i) {
      KillPoint("test.env");
      Step(fd);
    }
    return;
  }
  ChildEnd end = RunChild([](int fd) {
    setenv("STATELOG_TEST_KILL_POINT", "test.env:2", 1);
    setenv("STATELOG_KILL_POINT_CHILD_FD", std::to_string(fd).c_str(), 1);
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) _exit(4);
    self[n] = '\0';
    execl(self, self,
          "--gtest_filter=KillPointTest.IsArmedFromTheEnvironmentInANewProcess",
          static_cast<char*>(nullptr));
    _exit(5);
  });
  EXPECT_TRUE(end.killed_by_sigkill);
  EXPECT_EQ(end.steps, 1);
}

}  // namespace
}  // namespace statelog::internal
