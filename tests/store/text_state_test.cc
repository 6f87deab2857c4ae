// tests/store/text_state_test.cc
//
// TextState (the state that keeps untouched top-level members as text, in
// compaction and in an open store) against ApplyTransaction and FindValue
// on the whole tree: the same status for every transaction, the same state
// after it, for text DumpJson wrote the same bytes from Dump(), and the
// same value or error for every lookup.

#include "store/text_state.h"

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/store/text_state_checks.h"
#include "tests/testing/test_util.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/json_util.h"

namespace statelog::internal {

// For gtest's messages (found by argument-dependent lookup).
void PrintTo(ChangedMembers form, std::ostream* os) {
  *os << (form == ChangedMembers::kTrees ? "kTrees" : "kText");
}

namespace {

using ::testing::HasSubstr;

std::string DumpOrDie(const Json& value) {
  absl::StatusOr<std::string> text = DumpJson(value);
  EXPECT_OK(text);
  return text.ok() ? *text : "";
}

// The state points into `text`, which must outlive it.
TextState FromTextOrDie(const std::string& text) {
  absl::StatusOr<TextState> state = TextState::FromText(text, "snap");
  EXPECT_OK(state);
  return std::move(state).value();
}

TextState FromTextOrDie(std::string&& text) = delete;

// What replay does first with a record (ApplyRecordPayload): a record
// that sets or adds a whole member becomes that member's text, if the
// state takes it. False if it does not.
bool PutAsRecordText(const Transaction& txn, TextState* text) {
  absl::StatusOr<std::string> payload = EncodeJournalForm(txn);
  EXPECT_OK(payload);
  MemberPutText put;
  return payload.ok() && text->TakesMemberText() &&
         PeekMemberPut(*payload, &put) &&
         text->PutMemberText(put.path, put.value_text);
}

// Applies `txn` both ways and checks that they agree; returns the status.
// Without `record_text`, the record's text of the value is not used at all
// (as a caller that has only the decoded transaction).
absl::Status ApplyBoth(const Transaction& txn, Json* tree, TextState* text,
                       bool record_text = true) {
  const absl::Status expected = ApplyTransaction(txn, tree);
  // A transaction known to be valid takes the way replay's do (with
  // ChangedMembers::kText, whole members are put as text, unparsed), or
  // else an open store's: given its record's text of its one value, which
  // a state that is one tree keeps for a member put.
  absl::Status got;
  if (!txn.Validate().ok()) {
    got = text->Apply(txn);
  } else if (!record_text || !PutAsRecordText(txn, text)) {
    size_t value_at = 0;
    absl::StatusOr<std::string> payload = EncodeJournalForm(txn, &value_at);
    EXPECT_OK(payload);
    got = text->Apply(
        txn, Validation::kAlreadyValidated, Values::kCopy,
        record_text ? OnlyValueText(*payload, value_at) : absl::string_view());
  }
  EXPECT_EQ(got, expected) << txn.ToJson().dump();
  absl::StatusOr<std::string> dumped = text->Dump();
  EXPECT_OK(dumped);
  if (dumped.ok()) {
    EXPECT_EQ(*dumped, DumpOrDie(*tree)) << txn.ToJson().dump();
  }
  return got;
}

TEST(TextStateTest, UntouchedMembersAreNotParsed) {
  const Json tree = {
      {"a", {{"x", 1}}}, {"b", {1, 2, 3}}, {"c", "text"}, {"d", nullptr}};
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  EXPECT_EQ(state.parsed_members(), 0u);
  absl::StatusOr<std::string> same = state.Dump();
  ASSERT_OK(same);
  EXPECT_EQ(*same, text);

  Json expected = tree;
  ASSERT_OK(ApplyBoth(Transaction().Set("/b/0", 7), &expected, &state));
  EXPECT_EQ(state.parsed_members(), 1u);
  EXPECT_FALSE(state.whole());
}

TEST(TextStateTest, UntouchedMembersKeepTheirBytes) {
  // Text DumpJson did not write: spacing, escapes and number spellings of
  // untouched members survive; touched ones are written compactly.
  const std::string text =
      " {\n  \"b\" : 1.50 ,\"a\\u0041\": [ 1 ,2 ],\n\"c\":{}\t}\n";
  TextState state = FromTextOrDie(text);
  ASSERT_OK(state.Apply(Transaction().Set("/c/k", true)));
  absl::StatusOr<std::string> dumped = state.Dump();
  ASSERT_OK(dumped);
  EXPECT_EQ(*dumped,
            "{\"a\\u0041\": [ 1 ,2 ],\"b\" : 1.50,\"c\":{\"k\":true}}");
  absl::StatusOr<Json> back = ParseJson(*dumped, "dump");
  ASSERT_OK(back);
  EXPECT_EQ(*back, Json::parse(R"({"aA":[1,2],"b":1.5,"c":{"k":true}})"));
}

// Dump() is DumpTo() collected; DumpTo gives the members piece by piece
// (compaction streams them to the new snapshot) and stops at the sink's
// first error.
TEST(TextStateTest, DumpToGivesDumpsBytesInPiecesAndStopsAtAnError) {
  const std::string text = R"({"a":1,"b":{"c":[2]},"d":"x","e":null})";
  TextState state = FromTextOrDie(text);
  ASSERT_OK(state.Apply(Transaction().Set("/b/c/-", 3).Set("/c", true)));
  std::string collected;
  int pieces = 0;
  ASSERT_OK(state.DumpTo([&](absl::string_view piece) {
    collected.append(piece.data(), piece.size());
    ++pieces;
    return absl::OkStatus();
  }));
  EXPECT_EQ(collected, R"({"a":1,"b":{"c":[2,3]},"c":true,"d":"x","e":null})");
  absl::StatusOr<std::string> dumped = state.Dump();
  ASSERT_OK(dumped);
  EXPECT_EQ(*dumped, collected);
  EXPECT_GT(pieces, 5);
  int accepted = 0;
  EXPECT_THAT(state.DumpTo([&](absl::string_view) {
    return ++accepted < 3 ? absl::OkStatus()
                          : absl::UnavailableError("disk went away");
  }),
              StatusIs(absl::StatusCode::kUnavailable,
                       ::testing::HasSubstr("disk went away")));
  EXPECT_EQ(accepted, 3);
}

TEST(TextStateTest, RepeatedKeyKeepsTheLastValueAsParseJsonDoes) {
  const std::string text = R"({"k":1,"j":2,"k":{"deep":3}})";
  absl::StatusOr<Json> tree = ParseJson(text, "snap");
  ASSERT_OK(tree);
  TextState state = FromTextOrDie(text);
  absl::StatusOr<std::string> dumped = state.Dump();
  ASSERT_OK(dumped);
  absl::StatusOr<Json> back = ParseJson(*dumped, "dump");
  ASSERT_OK(back);
  EXPECT_EQ(*back, *tree);
  Json expected = *tree;
  ASSERT_OK(ApplyBoth(Transaction().Set("/k/deep", 4), &expected, &state));
}

TEST(TextStateTest, RefusesWhatParseJsonRefusesWithTheSameError) {
  const std::vector<std::string> bad = {
      "",
      "{",
      R"({"a":1,})",
      R"({"a":1} x)",
      R"({"a":[1,2})",
      R"({"a":"\x"})",
      "{\"a\":\"\xff\"}",
      R"({"a":1e999})",
      std::string(600, '[') + std::string(600, ']'),
      "{\"a\":" + std::string(600, '[') + std::string(600, ']') + "}",
  };
  for (const std::string& text : bad) {
    const absl::Status parsed = ParseJson(text, "snap").status();
    ASSERT_FALSE(parsed.ok()) << text;
    const absl::Status checked = TextState::FromText(text, "snap").status();
    EXPECT_EQ(checked, parsed) << text;
    EXPECT_THAT(checked, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("snap")));
  }
}

TEST(TextStateTest, StatesThatAreNotObjectsAreParsedWhole) {
  for (const std::string text :
       {"[1,{\"a\":2}]", "\"s\"", "3", "null", "true"}) {
    TextState state = FromTextOrDie(text);
    EXPECT_TRUE(state.whole()) << text;
    Json expected = Json::parse(text);
    ApplyBoth(Transaction().Add("/0", 1), &expected, &state).IgnoreError();
    ApplyBoth(Transaction().Merge({{"a", 1}}), &expected, &state).IgnoreError();
  }
}

TEST(TextStateTest, RootOperationsParseEverything) {
  const Json tree = {{"a", 1}, {"b", {{"c", 2}}}};
  const std::string text = DumpOrDie(tree);  // outlives `state`
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  ASSERT_OK(ApplyBoth(Transaction().Test("", tree), &expected, &state));
  EXPECT_TRUE(state.whole());
  ASSERT_OK(
      ApplyBoth(Transaction().Replace("", {{"z", 0}}), &expected, &state));
  ASSERT_OK(
      ApplyBoth(Transaction().Merge(Json::array({1})), &expected, &state));
  EXPECT_EQ(expected, Json::array({1}));
}

TEST(TextStateTest, ObjectMergeTouchesOnlyTheMembersItNames) {
  const Json tree = {{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}, {"e", {4}}};
  const std::string text = DumpOrDie(tree);  // outlives `state`
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  ASSERT_OK(
      ApplyBoth(Transaction().Merge({{"b", {{"c", nullptr}}},
                                     {"a", nullptr},
                                     {"new", {{"x", nullptr}, {"y", 1}}}}),
                &expected, &state));
  EXPECT_FALSE(state.whole());
  EXPECT_EQ(state.parsed_members(), 2u);  // a and b; "new" did not exist
}

TEST(TextStateTest, MovesAndCopiesAcrossMembers) {
  // "z" is never touched, so the state cannot become whole by having every
  // member parsed (which it does once none is left as text).
  const Json tree = {
      {"a", {{"x", {1, 2}}}}, {"b", Json::object()}, {"c", 5}, {"z", 0}};
  const std::string text = DumpOrDie(tree);  // outlives `state`
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  ASSERT_OK(ApplyBoth(Transaction().Move("/a/x", "/b/y"), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Copy("/b/y", "/d"), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Move("/c", "/a/c"), &expected, &state));
  EXPECT_FALSE(state.whole());
}

TEST(TextStateTest, AFailingTransactionChangesNothing) {
  const Json tree = {{"a", {{"x", 1}}}, {"b", {1}}, {"c", "s"}};
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  // Every operation but the last would apply.
  const Transaction txn =
      Transaction().Set("/a/x", 2).Remove("/b/0").Add("/new", 1).Test("/c",
                                                                      "not s");
  EXPECT_THAT(ApplyBoth(txn, &expected, &state),
              StatusIs(absl::StatusCode::kAborted, ::testing::_));
  absl::StatusOr<std::string> dumped = state.Dump();
  ASSERT_OK(dumped);
  EXPECT_EQ(*dumped, text);
}

TEST(TextStateTest, KeysThatNeedEscapingInPointersAndInJson) {
  const Json tree = {
      {"a/b", 1}, {"m~n", {{"x", 1}}}, {"q\"uote", 2}, {"é", 3},        {"", 4},
      {"~", 5},   {"tab\t", 6},        {"~1", 7},      {"untouched", 8}};
  const std::string text = DumpOrDie(tree);  // outlives `state`
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  ASSERT_OK(ApplyBoth(Transaction().Set("/a~1b", 10), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/m~0n/x", 11), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Remove("/q\"uote"), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Replace("/é", 13), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Replace("/", 14), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Replace("/~0", 15), &expected, &state));
  ASSERT_OK(ApplyBoth(Transaction().Move("/~01", "/tab\t"), &expected, &state));
  EXPECT_FALSE(state.whole());
  // Malformed pointers fail the same way on both.
  EXPECT_FALSE(ApplyBoth(Transaction().Set("/a~2", 1), &expected, &state).ok());
  EXPECT_FALSE(ApplyBoth(Transaction().Set("a", 1), &expected, &state).ok());
}

// Random transactions over a random state, side by side.
class Differential {
 public:
  explicit Differential(uint32_t seed) : rng_(seed) {}

  Json RandomValue(int depth) {
    switch (Pick(depth > 2 ? 4 : 6)) {
      case 0:
        return nullptr;
      case 1:
        return Pick(100);
      case 2:
        return Key();
      case 3:
        return Pick(2) == 1;
      case 4: {
        Json array = Json::array();
        for (int i = Pick(4); i > 0; --i)
          array.push_back(RandomValue(depth + 1));
        return array;
      }
      default: {
        Json object = Json::object();
        for (int i = Pick(4); i > 0; --i)
          object[Key()] = RandomValue(depth + 1);
        return object;
      }
    }
  }

  // A pointer into `state` most of the time, sometimes past it, rarely the
  // root (which makes the TextState whole).
  std::string Pointer(const Json& state) {
    std::string pointer;
    const Json* at = &state;
    for (bool first = true; first ? Pick(20) != 0 : Pick(3) != 0;
         first = false) {
      if (at->is_object() && !at->empty() && Pick(4) != 0) {
        auto it = at->begin();
        std::advance(it, Pick(static_cast<int>(at->size())));
        pointer += JoinPointer({it.key()}, 1);
        at = &it.value();
      } else if (at->is_array() && !at->empty() && Pick(4) != 0) {
        const int i = Pick(static_cast<int>(at->size()));
        pointer += "/" + std::to_string(i);
        at = &(*at)[static_cast<size_t>(i)];
      } else {
        pointer += Pick(5) == 0 ? "/-" : JoinPointer({Key()}, 1);
        break;
      }
    }
    return pointer;
  }

  Transaction RandomTransaction(const Json& state) {
    Transaction txn;
    for (int n = 1 + Pick(3); n > 0; --n) {
      switch (Pick(9)) {
        case 0:
          txn.Add(Pointer(state), RandomValue(1));
          break;
        case 1:
          txn.Remove(Pointer(state));
          break;
        case 2:
          txn.Replace(Pointer(state), RandomValue(1));
          break;
        case 3:
          txn.Move(Pointer(state), Pointer(state));
          break;
        case 4:
          txn.Copy(Pointer(state), Pointer(state));
          break;
        case 5: {
          const std::string path = Pointer(state);
          Json value = RandomValue(1);
          if (Pick(2) == 0) {
            absl::StatusOr<Json::json_pointer> p = ParsePointer(path);
            // Often the value that is there, so that tests also pass.
            try {
              if (p.ok()) value = state.at(*p);
            } catch (const Json::exception&) {
            }
          }
          txn.Test(path, value);
          break;
        }
        case 6:
          txn.Merge(Pick(10) == 0 ? RandomValue(1) : RandomMerge());
          break;
        case 7:
          txn.Set(Pointer(state), RandomValue(1));
          break;
        default:
          txn.Unset(Pointer(state));
          break;
      }
    }
    return txn;
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  Json RandomMerge() {
    Json patch = Json::object();
    for (int i = 1 + Pick(3); i > 0; --i) {
      patch[Key()] = Pick(3) == 0 ? Json(nullptr) : RandomValue(1);
    }
    return patch;
  }

  std::string Key() {
    static const char* const kKeys[] = {"a", "b", "c", "a/b", "m~n",
                                        "é", "",  "0", "-",   "q\"q"};
    return kKeys[Pick(10)];
  }

  std::mt19937 rng_;
};

// Each random test runs with the members transactions change left as
// trees and as text, and as text in a state taken for large whatever its
// size (no fold budget; whole-member records put as text, unparsed); and
// on a state made one tree first, as an open store's becomes once read
// whole, whose member puts are kept as their records' text (put_texts_).
struct Form {
  ChangedMembers changed;
  bool large;
  bool whole = false;
};

void PrintTo(const Form& form, std::ostream* os) {
  PrintTo(form.changed, os);
  if (form.large) *os << ", large";
  if (form.whole) *os << ", whole";
}

class TextStateFormTest : public ::testing::TestWithParam<Form> {
 protected:
  TextState FromText(const std::string& text) {
    TextState state = FromTextOrDie(text);
    state.set_changed_members(GetParam().changed);
    if (GetParam().large) state.set_small_state_bytes(0);
    if (GetParam().whole) {
      EXPECT_OK(state.Whole());
    }
    return state;
  }
  TextState FromText(std::string&& text) = delete;
};

INSTANTIATE_TEST_SUITE_P(
    Forms, TextStateFormTest,
    ::testing::Values(Form{ChangedMembers::kTrees, false},
                      Form{ChangedMembers::kText, false},
                      Form{ChangedMembers::kText, true},
                      Form{ChangedMembers::kTrees, false, true},
                      // Compaction's state once every
                      // member is parsed: puts go to
                      // put_texts_ over the tree.
                      Form{ChangedMembers::kText, false, true}),
    [](const ::testing::TestParamInfo<Form>& info) {
      if (info.param.whole) {
        return info.param.changed == ChangedMembers::kTrees ? "Whole"
                                                            : "TextWhole";
      }
      if (info.param.changed == ChangedMembers::kTrees) return "Trees";
      return info.param.large ? "TextLarge" : "Text";
    });

TEST_P(TextStateFormTest, RandomTransactionsAgreeWithApplyTransaction) {
  int applied = 0;
  int failed = 0;
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    Differential random(seed);
    Json tree = Json::object();
    for (int i = random.Pick(6); i > 0; --i) {
      tree[std::to_string(random.Pick(20))] = random.RandomValue(0);
      Json more = random.RandomValue(0);
      if (more.is_object()) tree.update(more);
    }
    const std::string text = DumpOrDie(tree);  // outlives `state`
    TextState state = FromText(text);
    for (int step = 0; step < 20; ++step) {
      const Transaction txn = random.RandomTransaction(tree);
      const std::string before = DumpOrDie(tree);
      const absl::Status status = ApplyBoth(txn, &tree, &state);
      if (status.ok()) {
        ++applied;
      } else {
        ++failed;
        EXPECT_EQ(DumpOrDie(tree), before);
      }
      if (HasFailure()) return;
    }
  }
  // Both outcomes were exercised in earnest.
  EXPECT_GT(applied, 1000);
  EXPECT_GT(failed, 1000);
}

TEST(TextStateTest, ReadingParsesOnlyTheMemberRead) {
  const Json tree = {{"a", {{"x", {1, 2}}}}, {"b", "s"}, {"c", 5}};
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  EXPECT_FALSE(state.Prepared({"a", "x"}));
  EXPECT_TRUE(state.Prepared({"nope"}));  // nothing to parse for it
  EXPECT_FALSE(state.Prepared({}));       // the root needs every member
  ExpectFindsAsTheTree(&state, tree, "/a/x/1");
  EXPECT_EQ(state.parsed_members(), 1u);
  EXPECT_TRUE(state.Prepared({"a"}));
  ExpectFindsAsTheTree(&state, tree, "/a/x/2");   // past the end
  ExpectFindsAsTheTree(&state, tree, "/a/y");     // missing below a member
  ExpectFindsAsTheTree(&state, tree, "/a/x/z");   // not an index
  ExpectFindsAsTheTree(&state, tree, "/nope");    // missing member
  ExpectFindsAsTheTree(&state, tree, "/nope/x");  // and below it
  EXPECT_EQ(state.parsed_members(), 1u);
  EXPECT_FALSE(state.whole());
  EXPECT_EQ(state.tree(), nullptr);
  // The root parses the rest and makes the state one tree.
  ExpectFindsAsTheTree(&state, tree, "");
  EXPECT_TRUE(state.whole());
  ASSERT_NE(state.tree(), nullptr);
  EXPECT_EQ(*state.tree(), tree);
}

TEST(TextStateTest, WholeGivesTheParsedTree) {
  const Json tree = {{"a", {{"x", {1, 2}}}}, {"b", "s"}, {"c", 5}};
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  ASSERT_OK(state.Apply(Transaction().Set("/b", "t")));
  absl::StatusOr<const Json*> whole = state.Whole();
  ASSERT_OK(whole);
  Json expected = tree;
  expected["b"] = "t";
  EXPECT_EQ(**whole, expected);
  EXPECT_EQ(state.tree(), *whole);
}

// Whole() after members were changed, added (at either end and between)
// and removed, with most of them still text.
TEST(TextStateTest, WholeLaysTheChangesOverTheText) {
  Json tree = Json::object();
  for (const char* key : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    tree[key] = {{"v", key}};
  }
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  ASSERT_OK(ApplyBoth(Transaction()
                          .Set("/0", "first")
                          .Set("/cc", "between")
                          .Set("/zz", "last")
                          .Remove("/a")
                          .Remove("/h")
                          .Set("/d/v", 4),
                      &expected, &state));
  EXPECT_FALSE(state.whole());
  absl::StatusOr<const Json*> whole = state.Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, expected);
  EXPECT_EQ(DumpOrDie(**whole), DumpOrDie(expected));
}

TEST(TextStateTest, BecomesOneTreeOnceNoMemberIsLeftAsText) {
  const Json tree = {{"a", 1}, {"b", 2}, {"c", 3}};
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  Json expected = tree;
  ASSERT_OK(ApplyBoth(Transaction().Set("/a", 10), &expected, &state,
                      /*record_text=*/false));
  ASSERT_OK(ApplyBoth(Transaction().Remove("/b"), &expected, &state));
  EXPECT_FALSE(state.whole());
  ASSERT_OK(state.Prepare({"c"}));  // the last one, read
  EXPECT_TRUE(state.whole());
  ASSERT_NE(state.tree(), nullptr);
  EXPECT_EQ(*state.tree(), expected);
  // An empty object has no member to wait for: its first transaction
  // makes it one tree.
  const std::string empty_text = "{}";
  TextState empty = FromTextOrDie(empty_text);
  Json empty_tree = Json::object();
  ASSERT_OK(ApplyBoth(Transaction().Set("/n", 1), &empty_tree, &empty));
  EXPECT_TRUE(empty.whole());
}

TEST(TextStateTest, ChangedMembersOfASmallStateStayParsedUntilItIsOneTree) {
  Json tree = {{"a", {{"n", 1}}}, {"b", {{"n", 2}}}, {"c", 3}};
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  state.set_changed_members(ChangedMembers::kText);
  ASSERT_OK(ApplyBoth(Transaction().Set("/a/n", 10).Set("/new", {1, 2}), &tree,
                      &state));
  // Far below the fold budget: the changed members stay trees (a record
  // that changes them again parses nothing); b was never parsed.
  EXPECT_TRUE(state.Prepared({"a"}));
  EXPECT_TRUE(state.Prepared({"new"}));
  EXPECT_FALSE(state.Prepared({"b"}));
  EXPECT_EQ(state.parsed_members(), 1u);  // a, to change it
  ASSERT_OK(ApplyBoth(Transaction().Set("/a/m", "x"), &tree, &state));
  EXPECT_EQ(state.parsed_members(), 1u);
  // A failing transaction leaves the parsed members as they were.
  EXPECT_THAT(
      ApplyBoth(Transaction().Set("/a/n", 0).Test("/new/0", 9), &tree, &state),
      StatusIs(absl::StatusCode::kAborted, ::testing::_));
  ExpectFindsAsTheTree(&state, tree, "/a/n");
  ExpectFindsAsTheTree(&state, tree, "/new/1");
  // Every member touched, none left as text: one tree.
  EXPECT_FALSE(state.whole());
  ASSERT_OK(ApplyBoth(Transaction().Remove("/b").Set("/c", 4), &tree, &state));
  EXPECT_TRUE(state.whole());
}

// {"k0": {"n": 0}, ..., "k<count-1>": {"n": count - 1}}.
Json NumberedMembers(int count) {
  Json tree = Json::object();
  for (int i = 0; i < count; ++i) tree[absl::StrCat("k", i)] = {{"n", i}};
  return tree;
}

TEST(TextStateTest,
     ChangedMembersPastTheFoldBudgetAreTextAndParsedAgainWhenUsed) {
  // 10,000 small members: their text is a small state's, so the members
  // changed wait as trees until more than kSmallStateBytes / 32 of them
  // have been parsed.
  const size_t fold_members = TextState::kSmallStateBytes / 32;
  Json tree = NumberedMembers(10000);
  const std::string text = DumpOrDie(tree);
  ASSERT_LT(text.size(), TextState::kSmallStateBytes);
  TextState state = FromTextOrDie(text);
  state.set_changed_members(ChangedMembers::kText);
  Transaction below;
  for (size_t i = 0; i < fold_members; ++i) {
    below.Set(absl::StrCat("/k", i, "/n"), -1);
  }
  ASSERT_OK(ApplyBoth(below, &tree, &state));
  EXPECT_TRUE(state.Prepared({"k0"}));  // at the budget, not past it
  ASSERT_OK(
      ApplyBoth(Transaction().Set(absl::StrCat("/k", fold_members, "/n"), -1),
                &tree, &state));
  // Past it: every changed member is folded to text, but the one the
  // transaction that passed the budget touched.
  EXPECT_FALSE(state.Prepared({"k0"}));
  EXPECT_TRUE(state.Prepared({absl::StrCat("k", fold_members)}));
  EXPECT_EQ(state.parsed_members(), fold_members + 1);
  // A change to a member held as changed text parses that text again.
  ASSERT_OK(ApplyBoth(Transaction().Set("/k0/m", "x"), &tree, &state));
  EXPECT_EQ(state.parsed_members(), fold_members + 2);
  EXPECT_TRUE(state.Prepared({"k0"}));
  // A failing transaction leaves the changed text as it was.
  EXPECT_THAT(
      ApplyBoth(Transaction().Set("/k1/n", 0).Test("/k2/n", 9), &tree, &state),
      StatusIs(absl::StatusCode::kAborted, ::testing::_));
  ExpectFindsAsTheTree(&state, tree, "/k1/n");
  EXPECT_FALSE(state.whole());
  absl::StatusOr<const Json*> whole = state.Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, tree);
}

TEST(TextStateTest, ChangedMembersOfALargeStateAreTextOnceOthersAreParsed) {
  Json tree = NumberedMembers(20000);
  const std::string text = DumpOrDie(tree);
  ASSERT_GT(text.size(), TextState::kSmallStateBytes);
  TextState state = FromTextOrDie(text);
  state.set_changed_members(ChangedMembers::kText);
  // A large state has no budget but what the last pass kept: the first
  // parse makes a pass due, which keeps what the transaction touched.
  ASSERT_OK(
      ApplyBoth(Transaction().Set("/k7/n", -7).Set("/new", 1), &tree, &state));
  EXPECT_TRUE(state.Prepared({"k7"}));
  EXPECT_TRUE(state.Prepared({"new"}));
  // Changing it again parses nothing and folds nothing.
  ASSERT_OK(ApplyBoth(Transaction().Set("/k7/m", 0), &tree, &state));
  EXPECT_TRUE(state.Prepared({"k7"}));
  EXPECT_EQ(state.parsed_members(), 1u);
  // A member parsed next (no smaller than k7): every member but it is
  // folded.
  ASSERT_OK(ApplyBoth(Transaction().Set("/k8/n", -8), &tree, &state));
  EXPECT_FALSE(state.Prepared({"k7"}));
  EXPECT_FALSE(state.Prepared({"new"}));
  EXPECT_TRUE(state.Prepared({"k8"}));
  EXPECT_EQ(state.parsed_members(), 2u);
  ASSERT_OK(ApplyBoth(Transaction().Set("/k7/m", 1), &tree, &state));
  EXPECT_EQ(state.parsed_members(), 3u);  // k7 again, from its changed text
}

TEST(TextStateTest, AMemberThatEveryRecordChangesIsParsedOnce) {
  // A large state with one big member (a batch's list of items) that
  // records change an element of, and small ones.
  Json tree = NumberedMembers(20000);
  tree["big"] = Json::array();
  for (int i = 0; i < 5000; ++i) tree["big"].push_back(i);
  const std::string text = DumpOrDie(tree);
  ASSERT_GT(text.size(), TextState::kSmallStateBytes);
  TextState state = FromTextOrDie(text);
  state.set_changed_members(ChangedMembers::kText);
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(ApplyBoth(Transaction().Set(absl::StrCat("/big/", i), -i), &tree,
                        &state));
  }
  EXPECT_EQ(state.parsed_members(), 1u);
  // Small members parsed in between, far less text than the big one, do
  // not make it text again.
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(ApplyBoth(Transaction().Set(absl::StrCat("/k", i, "/n"), -i),
                        &tree, &state));
    ASSERT_OK(ApplyBoth(Transaction().Set(absl::StrCat("/big/", i), i), &tree,
                        &state));
  }
  EXPECT_EQ(state.parsed_members(), 21u);
  EXPECT_TRUE(state.Prepared({"big"}));
  // Once more text than it holds has been parsed without it, it is.
  Transaction many;
  for (int i = 100; i < 5100; ++i) many.Set(absl::StrCat("/k", i, "/n"), 0);
  ASSERT_OK(ApplyBoth(many, &tree, &state));
  EXPECT_FALSE(state.Prepared({"big"}));
  EXPECT_TRUE(state.Prepared({"k100"}));
  ASSERT_OK(ApplyBoth(Transaction().Set("/big/0", 7), &tree, &state));
  EXPECT_EQ(state.parsed_members(), 21u + 5000u + 1u);
}

// Both forms: with kText the value's compact JSON replaces the member's
// text, with kTrees (an open store) the value moves in; neither parses the
// member it replaces, in a small state or a large one.
TEST(TextStateTest, RecordsThatPutOrRemoveAWholeMemberParseNothing) {
  // (kText in a small state keeps changed members as trees, parsed.)
  // With the record's text of the value (an open store's way), the member
  // becomes that text whatever the form.
  struct Case {
    ChangedMembers form;
    int members;
    bool record_text;
  };
  const Case cases[] = {{ChangedMembers::kText, 20000, false},
                        {ChangedMembers::kTrees, 20, false},
                        {ChangedMembers::kTrees, 20000, false},
                        {ChangedMembers::kTrees, 20, true},
                        {ChangedMembers::kTrees, 20000, true}};
  for (const auto& [form, members, record_text] : cases) {
    const bool as_text = form == ChangedMembers::kText || record_text;
    SCOPED_TRACE(
        absl::StrCat(form == ChangedMembers::kText ? "kText" : "kTrees", ", ",
                     members, " members", record_text ? ", record text" : ""));
    Json tree = NumberedMembers(members);
    const std::string text = DumpOrDie(tree);
    TextState state = FromTextOrDie(text);
    state.set_changed_members(form);
    const Json value = {{"n", -1}, {"s", "x"}};
    for (const Transaction& txn :
         {Transaction().Set("/k1", value), Transaction().Add("/k2", value),
          Transaction().Replace("/k3", value), Transaction().Set("/new", value),
          Transaction().Remove("/k4"), Transaction().Unset("/k5"),
          Transaction().Unset("/missing"), Transaction().Set("/k1", 7),
          Transaction().Remove("/new"),
          // Keys spelled with escapes in the pointer: "a/b" and "t~x".
          Transaction().Set("/a~1b", value), Transaction().Set("/t~0x", 1),
          Transaction().Remove("/a~1b"), Transaction().Set("/", value)}) {
      ASSERT_OK(ApplyBoth(txn, &tree, &state, record_text))
          << txn.ToJson().dump();
    }
    EXPECT_EQ(state.parsed_members(), 0u);
    // kText keeps the new value as text, kTrees as a tree unless given
    // the record's text.
    EXPECT_EQ(state.Prepared({"k1"}), !as_text);
    // Those that fail do so as on the tree, and change nothing.
    EXPECT_THAT(ApplyBoth(Transaction().Replace("/k4", 1), &tree, &state),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("/k4")));
    EXPECT_THAT(ApplyBoth(Transaction().Remove("/new"), &tree, &state),
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("/new")));
    // A member parsed earlier is put over as well.
    ExpectFindsAsTheTree(&state, tree, "/k6/n");
    ASSERT_OK(
        ApplyBoth(Transaction().Set("/k6", value), &tree, &state, record_text));
    EXPECT_EQ(state.Prepared({"k6"}), !as_text);
    absl::StatusOr<const Json*> whole = state.Whole();
    ASSERT_OK(whole);
    EXPECT_EQ(**whole, tree);
  }
}

// A whole member put into an open store's state (kTrees) is the record's
// own value, copied or moved as asked, and the state holds it unparsed.
TEST(TextStateTest, AWholeMemberPutIsCopiedOrMovedAsAsked) {
  const Json tree = NumberedMembers(20);
  const std::string text = DumpOrDie(tree);
  TextState state = FromTextOrDie(text);
  const Json value = {{"list", {1, 2, 3}}};
  Transaction copied = Transaction().Set("/k1", value);
  ASSERT_OK(state.Apply(copied, Validation::kAlreadyValidated, Values::kCopy));
  EXPECT_EQ(copied.ops().front().value, value);
  Transaction moved = Transaction().Set("/k2", value);
  ASSERT_OK(state.Apply(moved, Validation::kAlreadyValidated, Values::kMove));
  EXPECT_TRUE(moved.ops().front().value.is_null());
  EXPECT_EQ(state.parsed_members(), 0u);
  for (const char* key : {"/k1", "/k2"}) {
    absl::StatusOr<std::vector<std::string>> tokens = SplitPointer(key);
    ASSERT_OK(tokens);
    absl::StatusOr<const Json*> found = state.Find(*tokens);
    ASSERT_OK(found);
    EXPECT_EQ(**found, value) << key;
  }
}

// FileContents over a string of its own that says when it is released,
// and passes for a mapping unless `private_copy`.
class OwnedText : public FileContents {
 public:
  OwnedText(std::string text, bool* released, bool private_copy = false)
      : text_(std::move(text)),
        released_(released),
        private_copy_(private_copy) {}
  ~OwnedText() override { *released_ = true; }
  absl::string_view data() const override { return text_; }
  bool private_copy() const override { return private_copy_; }

 private:
  std::string text_;
  bool* released_;
  bool private_copy_;
};

TEST(TextStateTest, KeepsContentsThatArePrivateCopiesInsteadOfCopying) {
  const Json tree = {{"a", {{"x", "long enough to live on the heap"}}},
                     {"b", 2}};
  bool released = false;
  auto contents = std::make_unique<OwnedText>(DumpOrDie(tree), &released,
                                              /*private_copy=*/true);
  const absl::string_view text = contents->data();
  absl::StatusOr<TextState> state =
      TextState::FromContents(std::move(contents), text, "snap");
  ASSERT_OK(state);
  EXPECT_FALSE(released);
  TextState moved = std::move(*state);
  ExpectFindsAsTheTree(&moved, tree, "/a/x");
  // Once the state is one tree, the text is no longer needed.
  ASSERT_OK(moved.Whole());
  EXPECT_TRUE(released);
}

// A state built from another's source shares its text and index but not
// its changes: every member is text again, each state changes alone, and
// the text lives as long as either needs it.
TEST(TextStateTest, FromSourceSharesTheTextButNotTheChanges) {
  const Json tree = {{"a", {{"x", "long enough to live on the heap"}}},
                     {"b", 2},
                     {"c", {1, 2, 3}}};
  bool released = false;
  auto contents = std::make_unique<OwnedText>(DumpOrDie(tree), &released,
                                              /*private_copy=*/true);
  const absl::string_view text = contents->data();
  absl::StatusOr<TextState> live =
      TextState::FromContents(std::move(contents), text, "snapshot-7.json");
  ASSERT_OK(live);
  ASSERT_OK(live->Apply(Transaction().Set("/b", 20).Set("/d", true)));
  TextState::Source source = live->source();
  ASSERT_FALSE(source.empty());
  EXPECT_EQ(source.name(), "snapshot-7.json");

  TextState copy = TextState::FromSource(source);
  EXPECT_EQ(copy.parsed_members(), 0u);
  absl::StatusOr<std::string> fresh = copy.Dump();
  ASSERT_OK(fresh);
  EXPECT_EQ(*fresh, DumpOrDie(tree));  // the text's state, not live's
  ASSERT_OK(copy.Apply(Transaction().Remove("/c")));

  // The live state goes on alone, and once it is one tree lets go of the
  // text, which the copy still holds.
  Json expected_live = tree;
  expected_live["b"] = 20;
  expected_live["d"] = true;
  absl::StatusOr<const Json*> whole = live->Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, expected_live);
  EXPECT_TRUE(live->source().empty());
  source = TextState::Source();
  EXPECT_FALSE(released);
  Json expected_copy = tree;
  expected_copy.erase("c");
  absl::StatusOr<std::string> dumped = copy.Dump();
  ASSERT_OK(dumped);
  EXPECT_EQ(*dumped, DumpOrDie(expected_copy));
  ASSERT_OK(copy.Whole());
  EXPECT_TRUE(released);
  // A state over text its caller keeps has no source to share.
  const std::string kept = DumpOrDie(tree);
  EXPECT_TRUE(FromTextOrDie(kept).source().empty());
}

TEST(TextStateTest, KeepsItsOwnCopyOfTheContents) {
  const Json tree = {{"a", {{"x", "long enough to live on the heap"}}},
                     {"b", 2}};
  bool released = false;
  auto contents = std::make_unique<OwnedText>(DumpOrDie(tree), &released);
  const absl::string_view text = contents->data();
  absl::StatusOr<TextState> state =
      TextState::FromContents(std::move(contents), text, "snap");
  ASSERT_OK(state);
  // The file's bytes are gone (a mapping would be unmapped); the members
  // still read, from the state's copy.
  EXPECT_TRUE(released);
  EXPECT_EQ(state->parsed_members(), 0u);
  ExpectFindsAsTheTree(&*state, tree, "/a/x");
  // Moving the state keeps the copy where the members point.
  TextState moved = std::move(*state);
  absl::StatusOr<std::string> dumped = moved.Dump();
  ASSERT_OK(dumped);
  EXPECT_EQ(*dumped, DumpOrDie(tree));
}

TEST_P(TextStateFormTest, RandomLookupsAgreeWithTheTree) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Differential random(seed);
    Json tree = Json::object();
    for (int i = random.Pick(6); i > 0; --i) {
      tree[std::to_string(random.Pick(20))] = random.RandomValue(0);
    }
    const std::string text = DumpOrDie(tree);
    TextState state = FromText(text);
    for (int step = 0; step < 20; ++step) {
      // Reads and writes interleaved, as a store does them.
      ExpectFindsAsTheTree(&state, tree, random.Pointer(tree));
      if (HasFailure()) return;
      (void)ApplyBoth(random.RandomTransaction(tree), &tree, &state);
      if (HasFailure()) return;
    }
  }
}

// Text DumpJson would not write: members out of order, repeated keys (the
// last one counts), keys spelled with escapes, white space around colons.
TEST_P(TextStateFormTest,
       RandomLookupsAgreeOnUnsortedTextWithRepeatsAndEscapes) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    Differential random(seed);
    std::string text = "{";
    for (int i = random.Pick(8); i > 0; --i) {
      const std::string key = std::to_string(random.Pick(12));
      // "1" may be written "\u0031": the same key.
      const std::string spelled =
          random.Pick(3) == 0
              ? absl::StrCat("\\u00", absl::Hex(key[0], absl::kZeroPad2),
                             key.substr(1))
              : key;
      // White space on either side of the colon, which the index steps
      // over to find where an unescaped key ends.
      const char* colon = random.Pick(3) == 0 ? " \t: \n" : ":";
      absl::StrAppend(&text, text.size() > 1 ? " , " : "", "\"", spelled, "\"",
                      colon, DumpOrDie(random.RandomValue(0)));
    }
    text += "}";
    absl::StatusOr<Json> parsed = ParseJson(text, "snap");
    ASSERT_OK(parsed);
    Json tree = *parsed;
    TextState state = FromText(text);
    // Untouched members keep their spelling, so the dumps are compared as
    // values.
    auto expect_same_state = [&]() {
      absl::StatusOr<std::string> dumped = state.Dump();
      ASSERT_OK(dumped);
      absl::StatusOr<Json> back = ParseJson(*dumped, "dump");
      ASSERT_OK(back);
      EXPECT_EQ(*back, tree) << text;
    };
    expect_same_state();
    for (int step = 0; step < 20; ++step) {
      ExpectFindsAsTheTree(&state, tree, random.Pointer(tree));
      if (HasFailure()) return;
      const Transaction txn = random.RandomTransaction(tree);
      const absl::Status expected = ApplyTransaction(txn, &tree);
      EXPECT_EQ(state.Apply(txn), expected) << txn.ToJson().dump();
      expect_same_state();
      if (HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace statelog::internal
