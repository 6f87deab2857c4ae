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

// Moves `from` to `to` and puts an empty directory where `from` was: the
// new occupant of the old path, which the writer must not touch.
void MoveAndReplace(const std::string& from, const std::string& to) {
  ASSERT_EQ(std::rename(from.c_str(), to.c_str()), 0);
  ASSERT_TRUE(std::filesystem::create_directory(from));
}

TEST(MovedStoreTest, TheWriterStopsBeforeItsNextSegmentLandsAtTheOldPath) {
  for (Durability durability : {Durability::kSync, Durability::kNone}) {
    ScratchDir tmp;
    const std::string dir = tmp.Sub("s");
    const std::string moved = tmp.Sub("moved");
    auto store = OpenOrDie(dir, SmallSegments(durability));
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->Apply(Transaction().Set("/before", 1)));
    MoveAndReplace(dir, moved);

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
                HasSubstr(absl::StrCat("no longer at ", dir)));
    // Poisoned: nothing later is written anywhere.
    EXPECT_FALSE(store->status().ok());
    EXPECT_FALSE(store->Apply(Transaction().Set("/after", 1)).ok());
    EXPECT_FALSE(store->Compact().ok());
    store.reset();
    EXPECT_TRUE(Entries(dir).empty())
        << "the writer made " << Entries(dir).front() << " at the old path";

    // Everything acknowledged is where the store went.
    absl::StatusOr<OpenResult> reopened = Store::Open(moved, Options());
    ASSERT_OK(reopened);
    EXPECT_EQ(reopened->store->LastSeq(), acknowledged);
    EXPECT_EQ(*reopened->store->Get("/before"), Json(1));
  }
}

TEST(MovedStoreTest, CompactionStopsBeforeWritingOrDeletingAtTheOldPath) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  const std::string moved = tmp.Sub("moved");
  auto store = OpenOrDie(dir, SmallSegments(Durability::kSync));
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store->Apply(Transaction().Set("/a", i)));
    ASSERT_OK(store->Compact());
  }
  ASSERT_OK(store->Apply(Transaction().Set("/a", 3)));
  // The new occupant holds files named as the store's own: a compaction
  // that went by path would delete or replace them.
  const std::vector<std::string> names = Entries(dir);
  MoveAndReplace(dir, moved);
  for (const std::string& name : names) {
    std::FILE* f = std::fopen(absl::StrCat(dir, "/", name).c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("someone else's", f);
    std::fclose(f);
  }

  absl::Status compacted = store->Compact();
  EXPECT_EQ(compacted.code(), absl::StatusCode::kFailedPrecondition)
      << compacted;
  EXPECT_FALSE(store->status().ok());
  store.reset();
  EXPECT_EQ(Entries(dir).size(), names.size());
  for (const std::string& name : names) {
    EXPECT_EQ(testing::ReadFileOrDie(absl::StrCat(dir, "/", name)),
              "someone else's")
        << name;
  }
  absl::StatusOr<OpenResult> reopened = Store::Open(moved, Options());
  ASSERT_OK(reopened);
  EXPECT_EQ(*reopened->store->Get("/a"), Json(3));
}

// A move there and back is no move: the check compares the directory
// found at the path with the one opened.
TEST(MovedStoreTest, ADirectoryMovedBackIsInPlaceAgain) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  const std::string moved = tmp.Sub("moved");
  auto store = OpenOrDie(dir, SmallSegments(Durability::kSync));
  ASSERT_NE(store, nullptr);
  ASSERT_EQ(std::rename(dir.c_str(), moved.c_str()), 0);
  ASSERT_EQ(std::rename(moved.c_str(), dir.c_str()), 0);
  for (int i = 0; i < 50; ++i) {  // several new segments
    ASSERT_OK(store->Apply(
        Transaction().Set(absl::StrCat("/k", i), std::string(200, 'x'))));
  }
  ASSERT_OK(store->Compact());
  EXPECT_OK(store->status());
}

}  // namespace
}  // namespace statelog
