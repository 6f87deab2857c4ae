// tests/store/set_json_text_test.cc
//
// Store::SetJsonText must be Apply of the parsed value's `set`, whichever
// way it takes: compact text at one member goes into the journal and the
// state as it is, anything else is parsed. Each test holds a store fed
// through SetJsonText against one fed the parsed values through Apply: the
// same results, the same errors, the same state, before and after a
// reopen, and the same history.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/history.h"
#include "statelog/store.h"
#include "tests/testing/test_util.h"
#include "util/json_util.h"

namespace statelog {
namespace {

using ::statelog::testing::OpenOrDie;
using ::testing::HasSubstr;

Options Create(Durability durability = Durability::kSync) {
  Options o;
  o.create_if_missing = true;
  o.durability = durability;
  return o;
}

// The store fed through SetJsonText ("text") and the one fed through Apply
// ("tree"), side by side.
class SetJsonTextTest : public ::testing::Test {
 protected:
  void OpenBoth(const Options& options) {
    text_ = OpenOrDie(scratch_.Sub("text"), options);
    tree_ = OpenOrDie(scratch_.Sub("tree"), options);
    ASSERT_NE(text_, nullptr);
    ASSERT_NE(tree_, nullptr);
  }
  void ReopenBoth(Options options) {
    options.create_if_missing = false;
    text_.reset();
    tree_.reset();
    OpenBoth(options);
  }

  // Sets `pointer` from `json_text` in both stores; the outcomes must agree.
  // Returns the text store's.
  absl::StatusOr<uint64_t> SetBoth(const std::string& pointer,
                                   const std::string& json_text) {
    absl::StatusOr<uint64_t> by_text = text_->SetJsonText(pointer, json_text);
    absl::StatusOr<Json> value = internal::ParseJson(json_text, "value");
    if (!value.ok()) {
      EXPECT_FALSE(by_text.ok()) << "took text that is not JSON: " << json_text;
      return by_text;
    }
    absl::StatusOr<uint64_t> by_tree =
        tree_->Apply(Transaction().Set(pointer, *value));
    EXPECT_EQ(by_text.status(), by_tree.status())
        << pointer << " = " << json_text;
    if (by_text.ok() && by_tree.ok()) {
      EXPECT_EQ(*by_text, *by_tree);
    }
    return by_text;
  }

  void ExpectSameState() {
    absl::StatusOr<Json> a = text_->Get("");
    absl::StatusOr<Json> b = tree_->Get("");
    ASSERT_OK(a.status());
    ASSERT_OK(b.status());
    // As text: nlohmann's == takes 1 and 1.0 as equal.
    EXPECT_EQ(a->dump(), b->dump());
  }

  testing::ScratchDir scratch_;
  std::unique_ptr<Store> text_;
  std::unique_ptr<Store> tree_;
};

TEST_F(SetJsonTextTest, CompactTextAtAMemberIsTheValue) {
  OpenBoth(Create());
  ASSERT_OK(SetBoth("/agent", R"({"plan":["a","b"],"step":3})").status());
  absl::StatusOr<Json> step = text_->Get("/agent/step");
  ASSERT_OK(step.status());
  EXPECT_EQ(*step, 3);
  EXPECT_EQ(text_->LastSeq(), 1u);
  ReopenBoth(Create());
  ExpectSameState();
  step = text_->Get("/agent/step");
  ASSERT_OK(step.status());
  EXPECT_EQ(*step, 3);
}

TEST_F(SetJsonTextTest, OtherTextIsParsed) {
  OpenBoth(Create());
  // Whitespace, unsorted keys, a float, a \u escape, a repeated key.
  ASSERT_OK(SetBoth("/a", " { \"z\": 1.50, \"b\": \"\\u00e9\" } ").status());
  ASSERT_OK(SetBoth("/b", R"({"k":1,"k":2})").status());
  // A deeper pointer makes its parents, as Set does.
  ASSERT_OK(SetBoth("/c/d/e", "[1,2]").status());
  ExpectSameState();
  absl::StatusOr<Json> e = text_->Get("/c/d/e/1");
  ASSERT_OK(e.status());
  EXPECT_EQ(*e, 2);
  ReopenBoth(Create());
  ExpectSameState();
}

TEST_F(SetJsonTextTest, TextThatIsNotJsonIsRefusedAndWritesNothing) {
  OpenBoth(Create());
  ASSERT_OK(SetBoth("/a", "1").status());
  for (const std::string& bad :
       {std::string("{\"a\":"), std::string(""), std::string("[1,]"),
        std::string("\"\xFF\""), std::string("1 2"), std::string("NaN")}) {
    absl::StatusOr<uint64_t> seq = text_->SetJsonText("/a", bad);
    EXPECT_THAT(seq, StatusIs(absl::StatusCode::kInvalidArgument,
                              HasSubstr("value for /a")))
        << bad;
  }
  absl::StatusOr<uint64_t> seq = text_->SetJsonText("/a", "{\"a\":");
  EXPECT_THAT(seq.status().message(), HasSubstr("byte"));
  EXPECT_EQ(text_->LastSeq(), 1u);
  ReopenBoth(Create());
  EXPECT_EQ(text_->LastSeq(), 1u);
  ExpectSameState();
}

TEST_F(SetJsonTextTest, ErrorsAreApplysErrors) {
  OpenBoth(Create());
  // A malformed pointer, with compact text and with other text.
  EXPECT_FALSE(SetBoth("a", "1").ok());
  EXPECT_FALSE(SetBoth("/a~2", " 1").ok());
  // Too deep for a member's value (the compact check leaves it undecided).
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  EXPECT_FALSE(SetBoth("/deep", deep).ok());
  // A root that is not an object has no members to set.
  ASSERT_OK(text_->Apply(Transaction().Set("", Json::array())).status());
  ASSERT_OK(tree_->Apply(Transaction().Set("", Json::array())).status());
  EXPECT_FALSE(SetBoth("/x", "1").ok());
  ASSERT_OK(SetBoth("/-", "{}").status());  // appends, as Set does
  ExpectSameState();
  EXPECT_EQ(text_->LastSeq(), tree_->LastSeq());
}

TEST_F(SetJsonTextTest, RecordOverTheLimitIsRefusedAsApplyRefusesIt) {
  Options o = Create();
  o.max_record_bytes = 100;
  OpenBoth(o);
  EXPECT_THAT(SetBoth("/k", "\"" + std::string(200, 'x') + "\""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("maximum record size")));
  EXPECT_EQ(text_->LastSeq(), 0u);
}

TEST_F(SetJsonTextTest, ReadOnlyStoreRefuses) {
  OpenBoth(Create());
  ASSERT_OK(SetBoth("/a", "1").status());
  text_.reset();
  Options ro;
  ro.read_only = true;
  std::unique_ptr<Store> reader = OpenOrDie(scratch_.Sub("text"), ro);
  ASSERT_NE(reader, nullptr);
  EXPECT_THAT(
      reader->SetJsonText("/a", "2"),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read-only")));
}

// Random sets, compact and not, at members and deeper, on stores that
// compact every few records and are reopened (with the state loaded
// lazily once), so that the text is taken by every form the state can be
// in: one tree, snapshot text after a reopen, not built yet. History
// must show the same transactions.
TEST_F(SetJsonTextTest, RandomSetsGiveTheSameStateAndHistory) {
  Options o = Create(Durability::kNone);
  o.compact_after_records = 7;
  OpenBoth(o);
  std::mt19937 rng(20261207);
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  // Members named oddly too: "" and "a/b".
  const std::vector<std::string> pointers = {
      "/a", "/b", "/c", "/a/x", "/b/y/z", "/caf\xC3\xA9", "/", "/a~1b"};
  const std::vector<std::string> texts = {"1",
                                          "-42",
                                          "\"s\\n\"",
                                          R"({"x":1,"y":[true]})",
                                          "{}",
                                          " [1, 2] ",
                                          R"({"y":{"z":null}})",
                                          "2.5",
                                          "\"\\u0041\"",
                                          R"({"b":1,"a":0})"};
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 60; ++i) {
      (void)SetBoth(pointers[static_cast<size_t>(pick(8))],
                    texts[static_cast<size_t>(pick(10))]);
      if (HasFailure()) return;
    }
    ExpectSameState();
    Options again = o;
    again.load_state_lazily = round == 1;
    ReopenBoth(again);
    ExpectSameState();
  }
  ASSERT_OK(text_->Sync());
  ASSERT_OK(tree_->Sync());
  // The journal since the last snapshot holds the same transactions.
  auto history = [](const std::string& dir) {
    std::vector<std::string> records;
    HistoryRequest request;
    absl::StatusOr<HistoryEnd> end =
        ReadHistory(dir, request, [&](const HistoryRecord& record) {
          records.push_back(
              absl::StrCat(record.seq, " ", record.txn.ToJson().dump()));
          return absl::OkStatus();
        });
    EXPECT_OK(end.status());
    return records;
  };
  const std::vector<std::string> a = history(scratch_.Sub("text"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, history(scratch_.Sub("tree")));
}

}  // namespace
}  // namespace statelog
