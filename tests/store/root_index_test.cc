// tests/store/root_index_test.cc
//
// RootIndex (the hash index over a large state's top-level members)
// against ApplyTransaction and FindValue on a second copy of the tree: the
// same status for every transaction, the same state after it, the same
// value or error for every lookup; and when the index is kept, dropped and
// built again.

#include "store/root_index.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/text_state.h"
#include "tests/testing/allocation_hooks.h"
#include "tests/testing/test_util.h"
#include "txn/apply.h"
#include "txn/pointer_tokens.h"
#include "txn/slot.h"
#include "util/json_util.h"

namespace statelog::internal {
namespace {

constexpr int kMembers = static_cast<int>(RootIndex::kMinMembers) + 1000;

// {"m0": {"n": 0, "list": [0]}, ...}, kMembers of them, and a few keys
// that pointers must escape.
Json LargeState() {
  Json tree = Json::object();
  for (int i = 0; i < kMembers; ++i) {
    tree[absl::StrCat("m", i)] = {{"n", i}, {"list", {i}}};
  }
  tree["a/b"] = 1;
  tree["m~n"] = {{"x", 2}};
  tree[""] = 3;
  return tree;
}

// Transactions that touch a few top-level members (existing, new, or
// escaped), now and then below them, and rarely the root as a whole.
class RandomMemberTransactions {
 public:
  explicit RandomMemberTransactions(uint32_t seed) : rng_(seed) {}

  Transaction Next(const Json& state) {
    Transaction txn;
    for (int n = 1 + Pick(3); n > 0; --n) {
      const std::string path = Pointer();
      switch (Pick(12)) {
        case 0:
          txn.Add(path, Value());
          break;
        case 1:
          txn.Remove(path);
          break;
        case 2:
          txn.Replace(path, Value());
          break;
        case 3:
          txn.Move(Pointer(), path);
          break;
        case 4:
          txn.Copy(Pointer(), path);
          break;
        case 5:
          txn.Test(path, Pick(2) == 0 ? Value() : ValueAt(state, path));
          break;
        case 6: {
          Json patch = Json::object();
          patch[Key()] = Pick(3) == 0 ? Json(nullptr) : Value();
          patch[Key()] = Value();
          txn.Merge(patch);
          break;
        }
        case 7:
          txn.Unset(path);
          break;
        case 8:
          if (Pick(40) == 0) {  // the root as a whole
            if (Pick(2) == 0) {
              txn.Test("", state);
            } else {
              txn.Merge(Json::array({1}));
            }
            break;
          }
          [[fallthrough]];
        default:
          txn.Set(path, Value());
          break;
      }
    }
    return txn;
  }

  std::string Key() {
    switch (Pick(8)) {
      case 0:
        return absl::StrCat("new", Pick(5));
      case 1: {
        static const char* const kOdd[] = {"a/b", "m~n", ""};
        return kOdd[Pick(3)];
      }
      default:
        return absl::StrCat("m", Pick(kMembers));
    }
  }

  // A member, or a place below one: in it, in its list, past its end.
  std::string Pointer() {
    std::string pointer = JoinPointer({Key()}, 1);
    switch (Pick(6)) {
      case 0:
        return pointer + "/n";
      case 1:
        return pointer + "/list/0";
      case 2:
        return pointer + "/list/-";
      case 3:
        return pointer + "/missing/x";
      default:
        return pointer;
    }
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  Json Value() {
    switch (Pick(3)) {
      case 0:
        return Pick(1000);
      case 1:
        return {{"n", Pick(1000)}, {"list", {Pick(9)}}};
      default:
        return Json::array({"s", Pick(9)});
    }
  }

  static Json ValueAt(const Json& state, const std::string& pointer) {
    absl::StatusOr<std::vector<std::string>> tokens = SplitPointer(pointer);
    if (!tokens.ok()) return nullptr;
    absl::StatusOr<Json*> value =
        FindValue(const_cast<Json*>(&state), *tokens, tokens->size());
    return value.ok() ? **value : Json(nullptr);
  }

  std::mt19937 rng_;
};

void ExpectFindsAsTheTree(const RootIndex& index, const Json& tree,
                          const std::string& key) {
  const Json* got = index.Find(key);
  auto expected = tree.find(key);
  if (expected == tree.end()) {
    EXPECT_EQ(got, nullptr) << key;
  } else {
    ASSERT_NE(got, nullptr) << key;
    EXPECT_EQ(*got, *expected) << key;
  }
}

TEST(RootIndexTest, RandomTransactionsAgreeWithApplyTransaction) {
  const Json initial = LargeState();
  int applied = 0;
  int failed = 0;
  int indexed = 0;
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    RandomMemberTransactions random(seed);
    Json tree = initial;
    Json plain = initial;
    RootIndex index;
    for (int step = 0; step < 400; ++step) {
      const Transaction txn = random.Next(plain);
      const absl::Status expected = ApplyTransaction(txn, &plain);
      const absl::Status got =
          index.Apply(txn, &tree, Validation::kValidate, Values::kCopy);
      ASSERT_EQ(got, expected) << txn.ToJson().dump();
      ASSERT_EQ(tree, plain) << txn.ToJson().dump();
      expected.ok() ? ++applied : ++failed;
      if (index.built()) {
        ++indexed;
        for (int i = 0; i < 3; ++i) {
          ExpectFindsAsTheTree(index, plain, random.Key());
        }
      }
      // A root merge makes the state an array; start again from a large
      // object, as a new tree the index has never seen.
      if (!tree.is_object()) {
        tree = initial;
        plain = initial;
      }
      if (HasFailure()) return;
    }
  }
  // Both outcomes, with and without the index, in earnest.
  EXPECT_GT(applied, 400);
  EXPECT_GT(failed, 400);
  EXPECT_GT(indexed, 300);
  EXPECT_LT(indexed, 1500);
}

TEST(RootIndexTest, IsBuiltForLargeObjectsAndAgainAfterRootOperations) {
  Json tree = LargeState();
  RootIndex index;
  auto apply = [&](const Transaction& txn) {
    return index.Apply(txn, &tree, Validation::kValidate, Values::kCopy);
  };
  ASSERT_OK(apply(Transaction().Set("/m1/n", -1)));
  EXPECT_TRUE(index.built());
  ASSERT_NE(index.Find("m1"), nullptr);
  EXPECT_EQ((*index.Find("m1"))["n"], -1);
  // A failed transaction keeps it, and the members where they were.
  EXPECT_THAT(apply(Transaction().Set("/m1/n", 5).Remove("/m2/nothing")),
              StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_TRUE(index.built());
  EXPECT_EQ((*index.Find("m1"))["n"], -1);
  // Members added and removed are found, and not found.
  ASSERT_OK(apply(Transaction().Set("/added", 1).Remove("/m3")));
  ASSERT_NE(index.Find("added"), nullptr);
  EXPECT_EQ(index.Find("m3"), nullptr);
  ASSERT_OK(apply(Transaction().Move("/m4", "/moved")));
  EXPECT_EQ(index.Find("m4"), nullptr);
  ASSERT_NE(index.Find("moved"), nullptr);
  EXPECT_EQ(*index.Find("moved"), Json({{"n", 4}, {"list", {4}}}));
  // An operation on the root drops it for size / 16 transactions.
  ASSERT_OK(apply(Transaction().Test("", tree)));
  EXPECT_FALSE(index.built());
  const size_t wait = tree.size() / 16;
  for (size_t i = 0; i < wait; ++i) {
    ASSERT_OK(apply(Transaction().Set("/m5/n", static_cast<int>(i))));
  }
  EXPECT_FALSE(index.built());
  ASSERT_OK(apply(Transaction().Set("/m6/n", 0)));
  EXPECT_TRUE(index.built());
  EXPECT_EQ(tree["m5"]["n"], static_cast<int>(wait) - 1);
  // Below kMinMembers it is dropped: the tree is walked.
  Transaction shrink;
  for (int i = 10; i < kMembers; ++i) shrink.Remove(absl::StrCat("/m", i));
  ASSERT_OK(apply(shrink));
  ASSERT_OK(apply(Transaction().Set("/m1/n", 1)));
  EXPECT_FALSE(index.built());
  EXPECT_EQ(tree["m1"]["n"], 1);
}

TEST(RootIndexTest, MovesWithItsTreeAndLeavesTheOneMovedFromUnbuilt) {
  Json tree = LargeState();
  RootIndex index;
  ASSERT_OK(index.Apply(Transaction().Set("/m1/n", -1), &tree,
                        Validation::kValidate, Values::kCopy));
  ASSERT_TRUE(index.built());
  Json moved_tree = std::move(tree);
  RootIndex moved(std::move(index));
  EXPECT_FALSE(index.built());  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(moved.built());
  ASSERT_NE(moved.Find("m1"), nullptr);
  EXPECT_EQ((*moved.Find("m1"))["n"], -1);
  ASSERT_OK(moved.Apply(Transaction().Set("/m2/n", -2).Remove("/m3"),
                        &moved_tree, Validation::kValidate, Values::kCopy));
  EXPECT_EQ(moved_tree["m2"]["n"], -2);
  EXPECT_EQ(moved.Find("m3"), nullptr);
  // The one moved from serves a tree of its own, built afresh.
  Json other = LargeState();
  ASSERT_OK(index.Apply(Transaction().Set("/m4/n", -4), &other,
                        Validation::kValidate, Values::kCopy));
  ASSERT_TRUE(index.built());
  EXPECT_EQ((*index.Find("m4"))["n"], -4);
}

// Memory running out anywhere in a transaction through the index leaves
// the tree and the index as they were, or the transaction wholly applied.
// The members are scalars: nlohmann's destructor allocates for a value
// with members or elements, and an allocation failing there terminates
// the process whoever destroys it.
void ExpectAllocationFailuresChangeNothing(const Json& before,
                                           const Transaction& txn,
                                           Validation validation,
                                           int min_failures) {
  Json expected = before;
  ASSERT_OK(ApplyTransaction(txn, &expected));
  int failed = 0;
  for (int n = 1;; ++n) {
    Json tree = before;
    RootIndex index;
    ASSERT_OK(index.Apply(Transaction().Set("/m9", 9).Set("/m9", 9), &tree,
                          Validation::kValidate, Values::kCopy));
    ASSERT_TRUE(index.built());
    ::statelog::testing::FailAllocationIn(n);
    const absl::Status status =
        index.Apply(txn, &tree, validation, Values::kCopy);
    const bool fired = ::statelog::testing::AllocationFailed();
    ::statelog::testing::FailAllocationIn(0);
    if (status.ok()) {
      ASSERT_EQ(tree, expected) << "allocation " << n;
    } else {
      ASSERT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
      ASSERT_EQ(tree, before) << "allocation " << n;
      ++failed;
    }
    // The index agrees with the tree either way.
    for (const char* key : {"m1", "m2", "m3", "added", "m9"}) {
      if (index.built()) ExpectFindsAsTheTree(index, tree, key);
    }
    if (!fired) break;  // past the transaction's last allocation
  }
  EXPECT_GE(failed, min_failures);
}

TEST(RootIndexTest, AnAllocationFailureAnywhereChangesNothing) {
  Json before = Json::object();
  for (int i = 0; i < kMembers; ++i) before[absl::StrCat("m", i)] = i;
  // The general path, and the one-member shortcut (validated) putting a
  // value of another shape and a new member.
  struct Case {
    Transaction txn;
    Validation validation;
    int min_failures;
  };
  const std::vector<Case> cases = {
      {Transaction()
           .Set("/m1", -1)
           .Set("/added", 1)
           .Remove("/m3")
           .Replace("/m2", "a string on the heap, not inline")
           .Test("/m4", 4),
       Validation::kValidate, 6},
      {Transaction().Set("/m2", "a string on the heap, not inline"),
       Validation::kAlreadyValidated, 2},
      {Transaction().Set("/added", {{"a", "a string on the heap, not inline"}}),
       Validation::kAlreadyValidated, 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.txn.ToJson().dump());
    ExpectAllocationFailuresChangeNothing(before, c.txn, c.validation,
                                          c.min_failures);
  }
}

// An open store's state becomes one tree once every member is parsed (or
// the whole state is read); Find then goes through the index.
// Transactions of one operation on one whole member, the usual checkpoint,
// take the shortcut (validated, in objects of any size, with the values
// copied or moved): the same status and state as ApplyTransaction, and the
// index finds what the tree holds.
TEST(RootIndexTest, OneWholeMemberShortcutAgreesWithApplyTransaction) {
  const Json large = LargeState();
  Json small = Json::object();
  for (int i = 0; i < 100; ++i) {
    small[absl::StrCat("m", i)] = large[absl::StrCat("m", i)];
  }
  small["m~n"] = 1;
  int failed = 0;
  for (const Json* initial : {static_cast<const Json*>(&small), &large}) {
    for (Values values : {Values::kCopy, Values::kMove}) {
      RandomMemberTransactions random(7);
      Json tree = *initial;
      Json plain = *initial;
      RootIndex index;
      // Built by a transaction of the general path first.
      ASSERT_OK(index.Apply(Transaction().Test("/m1", plain["m1"]), &tree,
                            Validation::kValidate, Values::kCopy));
      EXPECT_EQ(index.built(), initial == &large);
      for (int step = 0; step < 600; ++step) {
        const std::string key = random.Key();
        const std::string path = JoinPointer({key}, 1);
        Json value;
        switch (random.Pick(4)) {
          case 0:
            value = random.Pick(100);
            break;
          case 1:
            value = {{"n", random.Pick(9)}, {"list", {random.Pick(9)}}};
            break;
          case 2:
            value = {{"n", "a string too long for any inline buffer"},
                     {"list", {1, 2}}};
            break;
          default:
            value = Json::array({"s", random.Pick(9)});
            break;
        }
        Transaction txn;
        switch (random.Pick(6)) {
          case 0:
            txn.Add(path, value);
            break;
          case 1:
            txn.Replace(path, value);
            break;
          case 2:
            txn.Remove(path);
            break;
          case 3:
            txn.Unset(path);
            break;
          default:
            txn.Set(path, value);
            break;
        }
        ASSERT_OK(txn.Validate());
        const absl::Status expected = ApplyTransaction(txn, &plain);
        Transaction mine = txn;
        const absl::Status got =
            index.Apply(mine, &tree, Validation::kAlreadyValidated, values);
        ASSERT_EQ(got, expected) << txn.ToJson().dump();
        ASSERT_EQ(tree, plain) << txn.ToJson().dump();
        if (values == Values::kCopy) {
          ASSERT_EQ(mine.ToJson(), txn.ToJson());  // copied, not moved
        }
        if (!expected.ok()) ++failed;
        EXPECT_EQ(index.built(), initial == &large);
        if (index.built()) ExpectFindsAsTheTree(index, plain, key);
        if (HasFailure()) return;
      }
    }
  }
  EXPECT_GT(failed, 50);  // replace and remove of members that are not there
}

// An operation on the root drops the index; while it is down, a large
// state's one-member transactions go the general way.
TEST(RootIndexTest, TheShortcutWaitsForTheIndexInALargeState) {
  Json tree = LargeState();
  RootIndex index;
  ASSERT_OK(index.Apply(Transaction().Test("", tree), &tree,
                        Validation::kValidate, Values::kCopy));
  ASSERT_FALSE(index.built());
  ASSERT_OK(index.Apply(Transaction().Set("/m2", 2), &tree,
                        Validation::kAlreadyValidated, Values::kCopy));
  EXPECT_FALSE(index.built());
  EXPECT_EQ(tree["m2"], 2);
}

TEST(RootIndexTest, TextStateFindsThroughIt) {
  Json tree = LargeState();
  absl::StatusOr<std::string> text = DumpJson(tree);
  ASSERT_OK(text);
  absl::StatusOr<TextState> state = TextState::FromText(*text, "snap");
  ASSERT_OK(state);
  ASSERT_OK(state->Whole().status());
  RandomMemberTransactions random(7);
  for (int step = 0; step < 200; ++step) {
    const Transaction txn = random.Next(tree);
    const absl::Status expected = ApplyTransaction(txn, &tree);
    ASSERT_EQ(state->Apply(txn), expected) << txn.ToJson().dump();
    for (const std::string& pointer :
         {JoinPointer({random.Key()}, 1), random.Pointer()}) {
      absl::StatusOr<std::vector<std::string>> tokens = SplitPointer(pointer);
      ASSERT_OK(tokens);
      ASSERT_TRUE(state->Prepared(*tokens));
      absl::StatusOr<const Json*> got = state->Find(*tokens);
      absl::StatusOr<Json*> want = FindValue(&tree, *tokens, tokens->size());
      ASSERT_EQ(got.status(), want.status()) << pointer;
      if (got.ok()) {
        EXPECT_EQ(**got, **want) << pointer;
      }
    }
    if (!tree.is_object()) break;
  }
  absl::StatusOr<const Json*> whole = state->Whole();
  ASSERT_OK(whole);
  EXPECT_EQ(**whole, tree);
}

}  // namespace
}  // namespace statelog::internal
