// tests/store/save_test.cc
//
// Store::Save: a program that keeps its whole state as one JSON value and
// saves it after each step gets that state back, after a reopen too, while
// each record holds only what the step changed.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/history.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;
using ::testing::HasSubstr;

Options Create() {
  Options o;
  o.create_if_missing = true;
  return o;
}

// An agent's checkpoint: many tools' results, a growing message log, a step.
Json AgentState(int step) {
  Json state = {{"step", step}, {"messages", Json::array()}, {"tools", {}}};
  for (int i = 0; i < 200; ++i) {
    state["tools"][absl::StrCat("tool", i)] = {{"calls", i < step ? 1 : 0},
                                               {"note", std::string(40, 'n')}};
  }
  for (int i = 0; i < step; ++i) {
    state["messages"].push_back({{"role", "tool"}, {"text", absl::StrCat(i)}});
  }
  return state;
}

TEST(SaveTest, EachStepIsSavedAsItsChangeAndComesBack) {
  testing::ScratchDir scratch;
  const std::string dir = scratch.Sub("store");
  {
    std::unique_ptr<Store> store = OpenOrDie(dir, Create());
    ASSERT_NE(store, nullptr);
    for (int step = 0; step < 30; ++step) {
      absl::StatusOr<uint64_t> seq = store->Save(AgentState(step));
      ASSERT_THAT(seq, IsOk());
      EXPECT_EQ(*seq, static_cast<uint64_t>(step + 1));
      absl::StatusOr<Json> state = store->Get("");
      ASSERT_THAT(state, IsOk());
      EXPECT_EQ(state->dump(), AgentState(step).dump());
    }
    // Nothing changed: nothing written, the newest seq returned.
    EXPECT_THAT(store->Save(AgentState(29)), IsOk());
    EXPECT_EQ(*store->Save(AgentState(29)), 30u);
    EXPECT_EQ(store->LastSeq(), 30u);
  }
  // After a reopen (members back to snapshot text, until read) the state
  // is the last one saved, and saving goes on from it.
  std::unique_ptr<Store> store = OpenOrDie(dir, Options());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get("")->dump(), AgentState(29).dump());
  ASSERT_THAT(store->Save(AgentState(30)), IsOk());
  EXPECT_EQ(store->Get("")->dump(), AgentState(30).dump());

  // Each step's record holds the step's change: a new message, one tool's
  // counter, the step; not the 200 tools.
  HistoryRequest request;
  request.from_seq = 2;
  int records = 0;
  ASSERT_THAT(ReadHistory(dir, request,
                          [&](const HistoryRecord& record) {
                            ++records;
                            EXPECT_LE(record.txn.ops().size(), 3u)
                                << record.txn.ToJson().dump();
                            EXPECT_LT(record.txn.ToJson().dump().size(), 300u);
                            return absl::OkStatus();
                          }),
              IsOk());
  EXPECT_EQ(records, 30);
}

TEST(SaveTest, APoisonValueIsRefusedAndNothingIsWritten) {
  testing::ScratchDir scratch;
  std::unique_ptr<Store> store = OpenOrDie(scratch.Sub("store"), Create());
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Save(Json{{"a", 1}}), IsOk());
  Json poison = {{"a", 1}, {"bad", std::string("\xff")}};
  EXPECT_THAT(store->Save(poison),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("/bad")));
  Json deep = Json::object();
  Json* at = &deep;
  for (int i = 0; i < 300; ++i) at = &((*at)["d"] = Json::object());
  EXPECT_THAT(store->Save(deep).status().code(),
              absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->LastSeq(), 1u);
  EXPECT_EQ(*store->Get(""), (Json{{"a", 1}}));
}

TEST(SaveTest, AReadOnlyStoreRefusesIt) {
  testing::ScratchDir scratch;
  const std::string dir = scratch.Sub("store");
  ASSERT_NE(OpenOrDie(dir, Create()), nullptr);
  Options read_only;
  read_only.read_only = true;
  std::unique_ptr<Store> store = OpenOrDie(dir, read_only);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Save(Json{{"a", 1}}).status().code(),
              absl::StatusCode::kFailedPrecondition);
}

// Saves from several threads each make the state what that thread saved,
// whole: a reader never sees a mixture of two saves.
TEST(SaveTest, ConcurrentSavesAreEachWhole) {
  testing::ScratchDir scratch;
  Options o = Create();
  o.durability = Durability::kNone;
  std::unique_ptr<Store> store = OpenOrDie(scratch.Sub("store"), o);
  ASSERT_NE(store, nullptr);
  auto state_of = [](int thread, int i) {
    Json state = Json::object();
    for (int k = 0; k < 20; ++k)
      state[absl::StrCat("k", k)] = thread * 1000 + i;
    return state;
  };
  std::vector<std::thread> threads;
  for (int t = 1; t <= 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        EXPECT_THAT(store->Save(state_of(t, i)), IsOk());
      }
    });
  }
  for (int i = 0; i < 200; ++i) {
    absl::Status read = store->Read([&](const Json& state, uint64_t) {
      if (state.empty()) return;
      const Json first = state.begin().value();
      for (const Json& value : state) EXPECT_EQ(value, first);
    });
    EXPECT_THAT(read, IsOk());
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace statelog
