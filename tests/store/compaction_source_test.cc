// tests/store/compaction_source_test.cc
//
// Compaction rebuilds the state from the previous snapshot and the journal.
// When the open store's state still holds that snapshot's bytes (members
// left as text), the rebuild uses them instead of reading the file again:
// one copy of the snapshot less in memory. The bytes were verified when
// the store read them, so the rebuild needs nothing of the file but its
// header: even with every snapshot's state damaged on disk after the open,
// compaction succeeds and writes the right state.

#include <filesystem>
#include <string>
#include <vector>

#include "statelog/store.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;
using ::statelog::testing::ReadFileOrDie;
using ::statelog::testing::ScratchDir;
using ::statelog::testing::WriteFileOrDie;
namespace fs = std::filesystem;

Options Manual() {
  Options o;
  o.create_if_missing = true;
  o.compact_after_records = 0;
  o.compact_after_bytes = 0;
  return o;
}

std::vector<std::string> Snapshots(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("snapshot-", 0) == 0 &&
        name.find(".tmp") == std::string::npos) {
      out.push_back(e.path().string());
    }
  }
  return out;
}

// Changes the first byte of the state of the snapshot at `path`, keeping
// its length: only the state's checksum tells.
void DamageState(const std::string& path) {
  std::string data = ReadFileOrDie(path);
  const size_t at = data.find("\n\"state\":{");
  ASSERT_NE(at, std::string::npos) << path;
  data[at + 9] = '[';
  WriteFileOrDie(path, data);
}

TEST(CompactionSourceTest, RebuildsFromTheOpenStoresBytesNotTheFile) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  Json expected = Json::object();
  {
    auto store = OpenOrDie(dir, Manual());
    ASSERT_NE(store, nullptr);
    for (int round = 0; round < 2; ++round) {
      for (int i = 0; i < 200; ++i) {
        const std::string key = "k" + std::to_string(i);
        const std::string value = "value-" + std::to_string(round * 1000 + i);
        ASSERT_OK(store->Apply(Transaction().Set("/" + key, value)));
        expected[key] = value;
      }
      ASSERT_OK(store->Compact());
    }
  }
  auto store = OpenOrDie(dir, Manual());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Apply(Transaction().Set("/k7", "changed")));
  expected["k7"] = "changed";
  // Every snapshot left on disk now fails its checksum.
  const std::vector<std::string> snapshots = Snapshots(dir);
  ASSERT_FALSE(snapshots.empty());
  for (const std::string& path : snapshots) DamageState(path);

  ASSERT_OK(store->Compact());
  EXPECT_EQ(*store->Get(""), expected);
  store.reset();
  // The new snapshot holds the state: a reopen reads it.
  for (const std::string& path : snapshots) fs::remove(path);
  auto reopened = OpenOrDie(dir, Options());
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(*reopened->Get(""), expected);
}

// Once the open store's state is one tree, it holds no snapshot bytes and
// compaction reads the file as before: damage there is then found.
TEST(CompactionSourceTest, AStateReadWholeLeavesTheRebuildToTheFile) {
  ScratchDir tmp;
  const std::string dir = tmp.Sub("s");
  {
    auto store = OpenOrDie(dir, Manual());
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 50; ++i) {
      ASSERT_OK(store->Apply(Transaction().Set("/k" + std::to_string(i),
                                               "value-" + std::to_string(i))));
    }
    ASSERT_OK(store->Compact());
  }
  auto store = OpenOrDie(dir, Manual());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->Get("").status());  // parses every member: one tree now
  ASSERT_OK(store->Apply(Transaction().Set("/k7", "changed")));
  for (const std::string& path : Snapshots(dir)) DamageState(path);
  EXPECT_THAT(store->Compact(), StatusIs(absl::StatusCode::kDataLoss,
                                         ::testing::HasSubstr("checksum")));
}

}  // namespace
}  // namespace statelog
