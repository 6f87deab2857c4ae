// tests/store/moved_store_test.cc
//
// A store directory moved or renamed while a writer has it open. The
// writer makes, renames and removes files by path, so after a move those
// steps would reach whatever is at the old path now (another store, say a
// restored copy). It checks before each such step (FileLock::CheckInPlace)
// and stops instead: what it acknowledged is in the moved directory, and
// the old path is left alone.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ScratchDir;
using ::testing::HasSubstr;

Options SmallSegments(Durability durability) {
  Options o;
  o.create_if_missing = true;
  o.durability = durability;
  o.segment_bytes = 4096;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  return o;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

// Each test opens a writer on dir_, with the durability policy of its
// parameter, and moves the directory to moved_.
class MovedStoreTest : public ::testing::TestWithParam<Durability> {
 protected:
  std::unique_ptr<Store> OpenWriter() {
    return OpenOrDie(dir_, SmallSegments(GetParam()));
  }
  // Moves the store to moved_ and puts an empty directory where it was:
  // the new occupant of the old path, which the writer must not touch.
  void MoveAndReplace() {
    ASSERT_EQ(std::rename(dir_.c_str(), moved_.c_str()), 0);
    ASSERT_TRUE(std::filesystem::create_directory(dir_));
  }

  ScratchDir tmp_;
  const std::string dir_ = tmp_.Sub("s");
  const std::string moved_ = tmp_.Sub("moved");
};

TEST_P(MovedStoreTest, TheWriterStopsBeforeItsNextSegmentLandsAtTheOldPath) {
  auto store = OpenWriter();
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(Transaction().Set("/before", 1)));
  MoveAndReplace();

  // Records that fit the open segment still go into it (in the moved
  // directory); the one that needs a new segment is refused.
  uint64_t acknowledged = 1;
  absl::Status refused;
  for (int i = 0; i < 100 && refused.ok(); ++i) {
    absl::StatusOr<uint64_t> seq = store->Apply(
        Transaction().Set(absl::StrCat("/k", i), std::string(200, 'x')));
    if (seq.ok()) {
      acknowledged = *seq;
    } else {
      refused = seq.status();
    }
  }
  ASSERT_FALSE(refused.ok()) << "a 4 KiB segment took 100 records of 200 B";
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_THAT(std::string(refused.message()),
              HasSubstr(absl::StrCat("no longer at ", dir_)));
  // Poisoned: nothing later is written anywhere.
  EXPECT_FALSE(store->status().ok());
  EXPECT_FALSE(store->Apply(Transaction().Set("/after", 1)).ok());
  EXPECT_FALSE(store->Compact().ok());
  store.reset();
  EXPECT_TRUE(Entries(dir_).empty())
      << "the writer made " << Entries(dir_).front() << " at the old path";

  // Everything acknowledged is where the store went.
  absl::StatusOr<OpenResult> reopened = Store::Open(moved_, Options());
  ASSERT_OK(reopened);
  EXPECT_EQ(reopened->store->LastSeq(), acknowledged);
  EXPECT_EQ(*reopened->store->Get("/before"), Json(1));
}

TEST_P(MovedStoreTest, CompactionStopsBeforeWritingOrDeletingAtTheOldPath) {
  auto store = OpenWriter();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store->Apply(Transaction().Set("/a", i)));
    ASSERT_OK(store->Compact());
  }
  ASSERT_OK(store->Apply(Transaction().Set("/a", 3)));
  // The new occupant holds files named as the store's own: a compaction
  // that went by path would delete or replace them.
  const std::vector<std::string> names = Entries(dir_);
  MoveAndReplace();
  for (const std::string& name : names) {
    std::FILE* f = std::fopen(absl::StrCat(dir_, "/", name).c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("someone else's", f);
    std::fclose(f);
  }

  absl::Status compacted = store->Compact();
  EXPECT_EQ(compacted.code(), absl::StatusCode::kFailedPrecondition)
      << compacted;
  EXPECT_FALSE(store->status().ok());
  store.reset();
  EXPECT_EQ(Entries(dir_).size(), names.size());
  for (const std::string& name : names) {
    EXPECT_EQ(testing::ReadFileOrDie(absl::StrCat(dir_, "/", name)),
              "someone else's")
        << name;
  }
  absl::StatusOr<OpenResult> reopened = Store::Open(moved_, Options());
  ASSERT_OK(reopened);
  EXPECT_EQ(*reopened->store->Get("/a"), Json(3));
}

// A move there and back is no move: the check compares the directory
// found at the path with the one opened.
TEST_P(MovedStoreTest, ADirectoryMovedBackIsInPlaceAgain) {
  auto store = OpenWriter();
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(std::rename(dir_.c_str(), moved_.c_str()), 0);
  ASSERT_EQ(std::rename(moved_.c_str(), dir_.c_str()), 0);
  for (int i = 0; i < 50; ++i) {  // several new segments
    ASSERT_OK(store->Apply(
        Transaction().Set(absl::StrCat("/k", i), std::string(200, 'x'))));
  }
  ASSERT_OK(store->Compact());
  EXPECT_OK(store->status());
}

INSTANTIATE_TEST_SUITE_P(Policies, MovedStoreTest,
                         ::testing::Values(Durability::kSync,
                                           Durability::kNone));

}  // namespace
}  // namespace statelog
