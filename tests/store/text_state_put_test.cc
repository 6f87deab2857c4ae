// tests/store/text_state_put_test.cc
//
// A state that is one tree keeps each `set` or `add` of a whole member as
// its record's text (TextState's put_texts_), leaves the tree alone, and
// settles the text into the tree when a transaction or a read needs it
// there. Checked against ApplyTransaction on a plain tree: the same
// results, the same dump after every step, the same values read.

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/text_state.h"
#include "tests/store/text_state_checks.h"
#include "tests/testing/test_util.h"
#include "txn/apply.h"
#include "txn/journal_form.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

std::string DumpOrDie(const Json& value) {
  absl::StatusOr<std::string> text = DumpJson(value);
  EXPECT_OK(text);
  return text.ok() ? *text : "";
}

// A state that is one tree already, as an open store's is once read whole
// (or when it was built by transactions, not opened from a snapshot).
TextState WholeState(const Json& tree) {
  TextState state;
  EXPECT_OK(state.Apply(Transaction().Replace("", tree)));
  return state;
}

// The way an open store applies `txn`: validated, with its record's text
// of its one value.
absl::Status ApplyAsStore(const Transaction& txn, TextState* state) {
  size_t value_at = 0;
  absl::StatusOr<std::string> payload = EncodeJournalForm(txn, &value_at);
  if (!payload.ok()) return payload.status();
  return state->Apply(txn, Validation::kAlreadyValidated, Values::kCopy,
                      OnlyValueText(*payload, value_at));
}

// Applies `txn` both ways, checks that they agree, and returns the status.
absl::Status ApplyBoth(const Transaction& txn, Json* tree, TextState* state,
                       bool compare_dumps = true) {
  const absl::Status expected = ApplyTransaction(txn, tree);
  const absl::Status got =
      txn.Validate().ok() ? ApplyAsStore(txn, state) : state->Apply(txn);
  EXPECT_EQ(got, expected) << txn.ToJson().dump();
  if (!compare_dumps) return got;
  absl::StatusOr<std::string> dumped = state->Dump();
  EXPECT_OK(dumped);
  if (dumped.ok()) {
    EXPECT_EQ(*dumped, DumpOrDie(*tree)) << txn.ToJson().dump();
  }
  return got;
}

TEST(TextStatePutTest, AMemberPutLeavesTheTreeAloneUntilItIsRead) {
  Json tree = {{"a", {{"x", 1}}}, {"b", 2}};
  TextState state = WholeState(tree);
  ASSERT_NE(state.tree(), nullptr);
  ASSERT_OK(ApplyBoth(Transaction().Set("/a", {{"x", 10}, {"y", "new"}}), &tree,
                      &state));
  // The put is text over the tree: the tree is not the state now.
  EXPECT_TRUE(state.whole());
  EXPECT_EQ(state.tree(), nullptr);
  // Another member reads from the tree as it is.
  EXPECT_TRUE(state.Prepared({"b"}));
  ExpectFindsAsTheTree(&state, tree, "/b");
  // The member put needs settling first, and so does the root.
  EXPECT_FALSE(state.Prepared({"a", "x"}));
  EXPECT_FALSE(state.Prepared({}));
  ExpectFindsAsTheTree(&state, tree, "/a/x");
  EXPECT_TRUE(state.Prepared({"a"}));
  ASSERT_NE(state.tree(), nullptr);
  EXPECT_EQ(*state.tree(), tree);
}

TEST(TextStatePutTest, AddAndSetAreKeptAsTextButReplaceIsNot) {
  Json tree = {{"a", 1}, {"b", 2}};
  TextState state = WholeState(tree);
  ASSERT_OK(ApplyBoth(Transaction().Replace("/a", 3), &tree, &state));
  EXPECT_NE(state.tree(), nullptr);
  ASSERT_OK(ApplyBoth(Transaction().Add("/a", 4), &tree, &state));
  EXPECT_EQ(state.tree(), nullptr);
  ASSERT_OK(state.Whole());
  ASSERT_OK(ApplyBoth(Transaction().Set("/new", 5), &tree, &state));
  EXPECT_EQ(state.tree(), nullptr);
  absl::StatusOr<const Json*> whole = state.Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, tree);
  EXPECT_EQ(state.tree(), *whole);
}

TEST(TextStatePutTest, OnlyOneWholeMemberOfAnObjectIsKeptAsText) {
  Json tree = {{"a", {{"x", 1}}}, {"b", 2}};
  TextState state = WholeState(tree);
  // Below a member, two operations, no record text, a pointer that is
  // not one member: all change the tree.
  ASSERT_OK(ApplyBoth(Transaction().Set("/a/x", 7), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/b", 3).Set("/c", 4), &tree, &state));
  ASSERT_OK(state.Apply(Transaction().Set("/d", 5),
                        Validation::kAlreadyValidated, Values::kCopy, {}));
  tree["d"] = 5;
  EXPECT_NE(state.tree(), nullptr);
  // Text that is not known to be validated is not trusted.
  ASSERT_OK(state.Apply(Transaction().Set("/e", 6), Validation::kValidate,
                        Values::kCopy, "6"));
  tree["e"] = 6;
  ASSERT_NE(state.tree(), nullptr);
  EXPECT_EQ(*state.tree(), tree);
  // A state that is not an object has no members to put.
  TextState array = WholeState(Json::array({1, 2}));
  Json array_tree = Json::array({1, 2});
  EXPECT_FALSE(ApplyBoth(Transaction().Set("/x", 1), &array_tree, &array).ok());
  ASSERT_OK(ApplyBoth(Transaction().Add("/0", 0), &array_tree, &array));
  EXPECT_NE(array.tree(), nullptr);
}

// A transaction that touches members kept as text works on their latest
// values; one on the root settles every member first.
TEST(TextStatePutTest, TransactionsSeeTheLatestPut) {
  Json tree = {{"a", {{"x", 1}}}, {"b", {1, 2}}, {"c", "s"}};
  TextState state = WholeState(tree);
  ASSERT_OK(ApplyBoth(Transaction().Set("/a", {{"x", 2}}), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/b", {3}), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Add("/z", {{"k", true}}), &tree, &state));
  // Below a member put as text.
  ASSERT_OK(
      ApplyBoth(Transaction().Test("/a/x", 2).Set("/a/y", 0), &tree, &state));
  EXPECT_FALSE(ApplyBoth(Transaction().Test("/b/0", 1), &tree, &state).ok());
  ASSERT_OK(ApplyBoth(Transaction().Add("/b/-", 4), &tree, &state));
  // Moved, copied and removed while text.
  ASSERT_OK(ApplyBoth(Transaction().Set("/c", "t"), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Copy("/c", "/d"), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/d", "u"), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Move("/d", "/e"), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/e", 1), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Remove("/e"), &tree, &state));
  EXPECT_FALSE(ApplyBoth(Transaction().Remove("/e"), &tree, &state).ok());
  ASSERT_OK(ApplyBoth(Transaction().Set("/e", 2), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Unset("/e"), &tree, &state));
  // On the root: a merge patch, a test of the whole, a replacement.
  ASSERT_OK(ApplyBoth(Transaction().Set("/a", 9), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Merge({{"a", nullptr}, {"n", 1}}), &tree,
                      &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/n", 2), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Test("", tree), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/n", 3), &tree, &state));
  ASSERT_OK(
      ApplyBoth(Transaction().Replace("", Json::array({1})), &tree, &state));
  ASSERT_NE(state.tree(), nullptr);
  EXPECT_EQ(*state.tree(), tree);
}

// Keys that need escaping in a pointer, and keys that sort before, between
// and after the tree's, come out of Dump in DumpJson's order.
TEST(TextStatePutTest, DumpMergesThePutsInKeyOrder) {
  Json tree = {{"b", 1}, {"d", 2}, {"f", 3}};
  TextState state = WholeState(tree);
  for (const char* pointer :
       {"/a", "/d", "/e", "/z", "/a~1b", "/m~0n", "/", "/q\"q", "/é"}) {
    ASSERT_OK(ApplyBoth(Transaction().Set(pointer, {{"at", pointer}}), &tree,
                        &state));
  }
  EXPECT_EQ(state.tree(), nullptr);
  std::string pieces;
  ASSERT_OK(state.DumpTo([&](absl::string_view piece) {
    pieces.append(piece.data(), piece.size());
    return absl::OkStatus();
  }));
  EXPECT_EQ(pieces, DumpOrDie(tree));
  // An empty tree with puts only.
  Json empty = Json::object();
  TextState from_empty = WholeState(empty);
  ASSERT_OK(ApplyBoth(Transaction().Set("/k", 1), &empty, &from_empty));
  ASSERT_OK(ApplyBoth(Transaction().Set("/j", 2), &empty, &from_empty));
  absl::StatusOr<const Json*> whole = from_empty.Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, empty);
}

// A put of a member reuses its text when it is put again, and the value
// put last wins whatever its size.
TEST(TextStatePutTest, APutAgainReplacesTheText) {
  Json tree = {{"k", 0}};
  TextState state = WholeState(tree);
  const std::string big(1000, 'x');
  ASSERT_OK(ApplyBoth(Transaction().Set("/k", big), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/k", 1), &tree, &state));
  ASSERT_OK(ApplyBoth(Transaction().Set("/k", big + big), &tree, &state));
  ExpectFindsAsTheTree(&state, tree, "/k");
  ASSERT_OK(ApplyBoth(Transaction().Set("/k", Json::object()), &tree, &state));
  ExpectFindsAsTheTree(&state, tree, "");
}

// In a large state (past RootIndex::kMinMembers, which indexes the tree's
// members), random member puts among other transactions and reads.
TEST(TextStatePutTest, RandomPutsInALargeStateAgreeWithTheTree) {
  std::mt19937 rng(7);
  auto pick = [&](int n) {
    return std::uniform_int_distribution<int>(0, n - 1)(rng);
  };
  Json tree = Json::object();
  const int members = 5000;
  for (int i = 0; i < members; ++i) tree[absl::StrCat("k", i)] = {{"v", i}};
  TextState state = WholeState(tree);
  int puts = 0;
  for (int step = 0; step < 2000; ++step) {
    // Keys past `members` are new ones.
    const std::string key = absl::StrCat("k", pick(members + 50));
    const std::string member = "/" + key;
    Transaction txn;
    switch (pick(12)) {
      case 0:
        txn.Set(member + "/v", step);
        break;
      case 1:
        txn.Remove(member);
        break;
      case 2:
        txn.Test(member + "/v", pick(2) == 0 ? Json(step - 1) : Json(0));
        break;
      case 3:
        txn.Merge({{key, {{"m", step}}}});
        break;
      case 4:
        if (pick(20) == 0) txn.Merge(Json::array({step}));  // whole root
        txn.Set(member, step);
        break;
      default:
        txn.Set(member, {{"v", step}, {"s", std::string(pick(200), 'p')}});
        ++puts;
        break;
    }
    // A large state's dump takes a while: compared now and then.
    (void)ApplyBoth(txn, &tree, &state, step % 16 == 0);
    if (pick(10) == 0) {
      ExpectFindsAsTheTree(&state, tree, absl::StrCat("/k", pick(members)));
    }
    if (pick(500) == 0) {
      ASSERT_OK(state.Whole());
    }
    if (HasFailure()) return;
  }
  EXPECT_GT(puts, 1000);
  absl::StatusOr<const Json*> whole = state.Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, tree);
}

}  // namespace
}  // namespace statelog::internal
