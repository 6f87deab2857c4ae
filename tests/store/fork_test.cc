// tests/store/fork_test.cc
//
// A store after fork(): the child gets a copy of the Store object and of
// its descriptors, the lock's included, but not its threads. Before the
// fork guard (store/fork_guard.h) the child's Apply succeeded and the
// parent's records then went over the child's: acknowledged transactions
// lost, or a broken chain that made every later open fail; and closing
// the store in the child ended it with std::terminate.

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "absl/strings/match.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ScratchDir;

Options Writer(Durability durability) {
  Options o;
  o.create_if_missing = true;
  o.durability = durability;
  return o;
}

// Runs `child` in a forked child process and returns its exit status
// (what it returns; 99 if it died otherwise). The child calls no gtest
// macro: it reports through its exit status.
template <typename Child>
int InChild(const Child& child) {
  const pid_t pid = fork();
  if (pid == 0) _exit(child());
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return 99;
  return WEXITSTATUS(status);
}

class ForkTest : public ::testing::TestWithParam<Durability> {};

TEST_P(ForkTest, AForkedChildCannotUseItsParentsStore) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  auto store = OpenOrDie(dir, Writer(GetParam()));
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store->Apply(Transaction().Set("/p" + std::to_string(i), i)));
  }
  const int child = InChild([&] {
    // Each call is refused, naming the fork; reading what the object
    // holds needs no lock a parent's thread may have held.
    const absl::StatusOr<uint64_t> applied =
        store->Apply(Transaction().Set("/c", 1));
    if (applied.ok() || !absl::IsFailedPrecondition(applied.status()) ||
        !absl::StrContains(applied.status().message(), "forked")) {
      return 1;
    }
    if (store->Get("/p0").ok() || store->Sync().ok() || store->Compact().ok() ||
        store->status().ok()) {
      return 2;
    }
    if (store->LastSeq() != 3) return 3;
    store.reset();  // ended the child with std::terminate before
    return 0;
  });
  EXPECT_EQ(child, 0);
  // The parent goes on as if nothing happened.
  for (int i = 3; i < 6; ++i) {
    ASSERT_OK(store->Apply(Transaction().Set("/p" + std::to_string(i), i)));
  }
  store.reset();
  absl::StatusOr<OpenResult> reopened = Store::Open(dir, Options());
  ASSERT_OK(reopened);
  EXPECT_EQ(reopened->store->LastSeq(), 6u);
  EXPECT_EQ(
      *reopened->store->Get(""),
      Json({{"p0", 0}, {"p1", 1}, {"p2", 2}, {"p3", 3}, {"p4", 4}, {"p5", 5}}));
}

// A child that closed its copy holds no part of the lock: once the parent
// closes the store, the next opener gets it while the child still runs.
TEST_P(ForkTest, AChildThatClosedItsCopyDoesNotKeepTheLock) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  auto store = OpenOrDie(dir, Writer(GetParam()));
  ASSERT_NE(store, nullptr);
  int closed[2];  // the child says it closed its copy
  int go[2];      // the parent says it is done
  ASSERT_EQ(pipe(closed), 0);
  ASSERT_EQ(pipe(go), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    store.reset();
    close(go[1]);
    const char byte = 'c';
    if (write(closed[1], &byte, 1) != 1) _exit(2);
    char ignored;
    _exit(read(go[0], &ignored, 1) == 0 ? 0 : 1);  // until the parent is done
  }
  close(go[0]);
  close(closed[1]);
  char byte;
  ASSERT_EQ(read(closed[0], &byte, 1), 1);
  store.reset();
  absl::StatusOr<OpenResult> again = Store::Open(dir, Options());
  EXPECT_OK(again);
  close(go[1]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, ForkTest,
                         ::testing::Values(Durability::kSync,
                                           Durability::kInterval,
                                           Durability::kNone));

}  // namespace
}  // namespace statelog
