// tests/store/mapped_journal_test.cc
//
// Options::map_journal_writes on the real file system: under kNone and
// kInterval the journal segment is written through a mapping (and under
// kSync never); with it on and off the same transactions give the same
// recovered state, across segment rotations, records too large for the
// mapping and compactions; and a writer killed without closing loses
// nothing it was told was applied.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/write_window.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ScratchDir;

// Whether this process maps a journal segment of `dir`.
bool MapsASegmentOf(const std::string& dir) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const std::string prefix = dir + "/wal-";
  while (std::getline(maps, line)) {
    if (line.find(prefix) != std::string::npos) return true;
  }
  return false;
}

Options Create(Durability durability, bool mapped) {
  Options o;
  o.create_if_missing = true;
  o.durability = durability;
  o.map_journal_writes = mapped;
  o.segment_bytes = 64 << 10;  // rotations every few hundred records
  return o;
}

// Transaction i of the workload: mostly small sets, now and then a value
// larger than a mapped write may be, removals and merges.
Transaction Step(int i) {
  const std::string name = absl::StrCat("k", i % 37);
  const std::string key = "/" + name;
  if (i % 97 == 0) {
    return Transaction().Set(key, std::string(70 << 10, 'a' + i % 26));
  }
  if (i % 11 == 0) return Transaction().Merge({{name, nullptr}});  // removes
  if (i % 13 == 0) return Transaction().Merge({{"m", {{"i", i}}}});
  return Transaction().Set(key, Json{{"step", i}, {"note", "x"}});
}

// Runs the first `count` transactions of the workload on a fresh store and
// returns the state reopened from the files.
Json RunAndReopen(const std::string& dir, Durability durability, bool mapped,
                  int count, bool* saw_mapping) {
  *saw_mapping = false;
  {
    std::unique_ptr<Store> store = OpenOrDie(dir, Create(durability, mapped));
    if (store == nullptr) return nullptr;
    for (int i = 1; i <= count; ++i) {
      absl::StatusOr<uint64_t> seq = store->Apply(Step(i));
      EXPECT_OK(seq);
      if (!seq.ok()) return nullptr;
      if (i % 50 == 0) *saw_mapping = *saw_mapping || MapsASegmentOf(dir);
      if (i == count / 2) {
        EXPECT_OK(store->Compact());
      }
    }
  }
  std::unique_ptr<Store> reopened = OpenOrDie(dir, Options());
  if (reopened == nullptr) return nullptr;
  EXPECT_EQ(reopened->LastSeq(), static_cast<uint64_t>(count));
  absl::StatusOr<Json> state = reopened->Get("");
  EXPECT_OK(state);
  return state.ok() ? *state : Json(nullptr);
}

class MappedJournalTest : public ::testing::TestWithParam<Durability> {};

TEST_P(MappedJournalTest, SameStateWithAndWithoutTheMapping) {
  ScratchDir tmp;
  bool mapped_saw = false;
  bool plain_saw = false;
  const Json mapped =
      RunAndReopen(tmp.Sub("mapped"), GetParam(), true, 1500, &mapped_saw);
  const Json plain =
      RunAndReopen(tmp.Sub("plain"), GetParam(), false, 1500, &plain_saw);
  ASSERT_TRUE(plain.is_object());
  EXPECT_EQ(mapped, plain);
  EXPECT_FALSE(plain_saw) << "map_journal_writes = false maps nothing";
  const bool expect_mapping =
      GetParam() != Durability::kSync && internal::WriteWindow::Supported();
  EXPECT_EQ(mapped_saw, expect_mapping);
}

INSTANTIATE_TEST_SUITE_P(Policies, MappedJournalTest,
                         ::testing::Values(Durability::kNone,
                                           Durability::kInterval,
                                           Durability::kSync),
                         [](const ::testing::TestParamInfo<Durability>& p) {
                           switch (p.param) {
                             case Durability::kNone:
                               return "None";
                             case Durability::kInterval:
                               return "Interval";
                             case Durability::kSync:
                               return "Sync";
                           }
                           return "Unknown";
                         });

TEST(MappedJournalKillTest, AKilledWriterLosesNothingApplied) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  Options o = Create(Durability::kNone, true);
  o.sync_interval = absl::Hours(1);
  const int kApplied = 1200;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No gtest assertions in the child: a failure shows as its exit code.
    absl::StatusOr<OpenResult> opened = Store::Open(dir, o);
    if (!opened.ok()) ::_exit(3);
    for (int i = 1; i <= kApplied; ++i) {
      if (!opened->store->Apply(Step(i)).ok()) ::_exit(4);
    }
    ::kill(::getpid(), SIGKILL);  // no Sync, no close
    ::_exit(5);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status))
      << "child exited with " << WEXITSTATUS(status);
  std::unique_ptr<Store> reopened = OpenOrDie(dir, Options());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastSeq(), static_cast<uint64_t>(kApplied));
  // The same workload, closed properly, gives the same state.
  bool saw = false;
  EXPECT_EQ(*reopened->Get(""),
            RunAndReopen(tmp.Sub("closed"), Durability::kSync, false, kApplied,
                         &saw));
}

}  // namespace
}  // namespace statelog
