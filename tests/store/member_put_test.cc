// tests/store/member_put_test.cc
//
// An open store keeps a `set` of one whole member as its record's text
// over the state's tree (store/text_state.h, put_texts_). Readers of the
// whole state (Read, Get of the root, Save's comparison) must still see
// the state exactly as of the seq they are given, with writers putting
// members beside them.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/history.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"
#include "txn/apply.h"
#include "util/status_macros.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;

Options NoSync() {
  Options o;
  o.create_if_missing = true;
  o.durability = Durability::kNone;
  return o;
}

// A writer that puts /a = n, then /b = n, for n = 1, 2, ...: at k records
// past `base`, a is ceil(k / 2) and b is floor(k / 2), so a reader can tell
// from the seq it is given exactly what it must see.
class Alternating {
 public:
  Alternating(Store* store, uint64_t base) : store_(store), base_(base) {
    thread_ = std::thread([this] {
      for (int n = 1; !stop_.load(); ++n) {
        for (const char* key : {"/a", "/b"}) {
          absl::StatusOr<uint64_t> seq =
              store_->Apply(Transaction().Set(key, {{"n", n}}));
          EXPECT_THAT(seq, IsOk());
          if (!seq.ok()) return;
        }
      }
    });
  }
  ~Alternating() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // What /a and /b hold at `seq`.
  Json Expected(uint64_t seq) const {
    const uint64_t k = seq - base_;
    return Json{{"a", {{"n", (k + 1) / 2}}}, {"b", {{"n", k / 2}}}};
  }

 private:
  Store* const store_;
  const uint64_t base_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A store at `dir` holding /a and /b at n = 0, for Alternating; null (and a
// test failure) if it cannot be made.
std::unique_ptr<Store> StoreOfAAndB(const std::string& dir) {
  std::unique_ptr<Store> store = OpenOrDie(dir, NoSync());
  if (store == nullptr) return nullptr;
  absl::StatusOr<uint64_t> seq =
      store->Apply(Transaction().Set("/a", {{"n", 0}}).Set("/b", {{"n", 0}}));
  EXPECT_THAT(seq, IsOk());
  return seq.ok() ? std::move(store) : nullptr;
}

TEST(MemberPutTest, ReadBesideMemberPutsSeesTheStateOfItsSeq) {
  testing::ScratchDir scratch;
  std::unique_ptr<Store> store = StoreOfAAndB(scratch.Sub("store"));
  ASSERT_NE(store, nullptr);
  Alternating writer(store.get(), store->LastSeq());
  int checked = 0;
  for (int i = 0; i < 2000; ++i) {
    ASSERT_THAT(store->Read([&](const Json& state, uint64_t seq) {
      EXPECT_EQ(state, writer.Expected(seq)) << "at seq " << seq;
      ++checked;
    }),
                IsOk());
    if (HasFailure()) break;
  }
  writer.Stop();
  EXPECT_EQ(checked, 2000);
  // The writer's puts did go through the store's text, and read back.
  ASSERT_THAT(store->Get("/a/n"), IsOk());
  EXPECT_EQ(*store->Get(""), writer.Expected(store->LastSeq()));
}

TEST(MemberPutTest, GetBesideMemberPutsNeverGoesBack) {
  testing::ScratchDir scratch;
  std::unique_ptr<Store> store = StoreOfAAndB(scratch.Sub("store"));
  ASSERT_NE(store, nullptr);
  Alternating writer(store.get(), store->LastSeq());
  int64_t last_a = 0;
  for (int i = 0; i < 5000; ++i) {
    absl::StatusOr<Json> a = store->Get("/a/n");
    ASSERT_THAT(a, IsOk());
    EXPECT_GE(a->get<int64_t>(), last_a);
    last_a = a->get<int64_t>();
    absl::StatusOr<Json> whole = store->Get("");
    ASSERT_THAT(whole, IsOk());
    // b never passes a in any whole state.
    EXPECT_LE((*whole)["b"]["n"].get<int64_t>(),
              (*whole)["a"]["n"].get<int64_t>());
    if (HasFailure()) break;
  }
}

// Save compares the state it is given with the store's: a comparison made
// on a tree that lacks a member put beside it would leave that member in.
// The putter puts a member no target has, which every Save must remove.
TEST(MemberPutTest, SaveBesideMemberPutsMakesTheStateItWasGiven) {
  testing::ScratchDir scratch;
  const std::string dir = scratch.Sub("store");
  Options o = NoSync();
  o.compact_after_records = 0;  // the journal keeps every record
  o.compact_after_bytes = 0;
  std::unique_ptr<Store> store = OpenOrDie(dir, o);
  ASSERT_NE(store, nullptr);
  std::atomic<bool> stop{false};
  std::thread putter([&] {
    for (int n = 0; !stop.load(); ++n) {
      EXPECT_THAT(store->Apply(Transaction().Set(absl::StrCat("/w", n % 8), n)),
                  IsOk());
    }
  });
  std::map<uint64_t, Json> saved;
  for (int i = 0; i < 2000; ++i) {
    Json target = {{"s", i}, {"list", Json::array({i, i + 1})}};
    absl::StatusOr<uint64_t> seq = store->Save(target);
    ASSERT_THAT(seq, IsOk());
    saved.emplace(*seq, std::move(target));  // /s changes: a record each
  }
  stop = true;
  putter.join();
  ASSERT_THAT(store->Sync(), IsOk());
  // The journal replayed from the empty state: after each Save's record,
  // the state is what it was given.
  Json state = Json::object();
  size_t checked = 0;
  ASSERT_THAT(ReadHistory(dir, HistoryRequest(),
                          [&](const HistoryRecord& record) {
                            STATELOG_RETURN_IF_ERROR(
                                internal::ApplyTransaction(record.txn, &state));
                            auto it = saved.find(record.seq);
                            if (it != saved.end()) {
                              EXPECT_EQ(state, it->second)
                                  << "seq " << record.seq;
                              ++checked;
                            }
                            return absl::OkStatus();
                          }),
              IsOk());
  EXPECT_EQ(checked, saved.size());
}

// The text a put keeps is the record's, and replay at open keeps it the
// same way: a store read back after a reopen (with and without a
// compaction, so that the replay starts from a snapshot of many members
// or from the empty one) holds the same values.
TEST(MemberPutTest, PutsKeptAsTextReadBackAfterCompactionAndReopen) {
  for (const bool compact : {true, false}) {
    SCOPED_TRACE(compact ? "compacted" : "never compacted");
    testing::ScratchDir scratch;
    const std::string dir = scratch.Sub("store");
    Json expected = Json::object();
    {
      std::unique_ptr<Store> store = OpenOrDie(dir, NoSync());
      ASSERT_NE(store, nullptr);
      for (int i = 0; i < 500; ++i) {
        const std::string key = absl::StrCat("k", i % 37);
        Json value = {{"i", i}, {"s", std::string(i % 50, 'x')}, {"f", 0.5}};
        expected[key] = value;
        ASSERT_THAT(store->Apply(Transaction().Set("/" + key, value)), IsOk());
        if (compact && i == 250) {
          ASSERT_THAT(store->Compact(), IsOk());
        }
      }
      EXPECT_EQ(*store->Get(""), expected);
    }
    std::unique_ptr<Store> reopened = OpenOrDie(dir, NoSync());
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(*reopened->Get("/k3"), expected["k3"]);
    ASSERT_THAT(reopened->Apply(Transaction().Set("/k4/i", -1)), IsOk());
    expected["k4"]["i"] = -1;
    EXPECT_EQ(*reopened->Get(""), expected);
  }
}

}  // namespace
}  // namespace statelog
