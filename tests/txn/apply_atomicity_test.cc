// tests/txn/apply_atomicity_test.cc
//
// All or nothing: whatever operation fails, and wherever it sits in the
// transaction, the state afterwards is exactly the state before, restored
// from the original values rather than copies.

#include <string>
#include <vector>

#include "tests/testing/test_util.h"
#include "txn/apply.h"

namespace statelog::internal {
namespace {

using ::testing::StartsWith;

Json RichState() {
  return R"({
    "count": 1, "ratio": 0.5, "big": 18446744073709551615, "neg": -3,
    "name": "état", "flag": true, "nothing": null,
    "list": [1, 2.0, "three", {"four": [4]}],
    "nested": {"a": {"b": {"c": [1, 2, 3]}}, "empty": {}, "none": []}
  })"_json;
}

// Operations that all succeed on RichState(), one of each kind and shape.
std::vector<Operation> SucceedingOps() {
  return Transaction()
      .Add("/list/1", "inserted")
      .Add("/list/-", {1, 2})
      .Add("/added", {{"x", 1}})
      .Remove("/flag")
      .Remove("/list/0")
      .Replace("/count", 1.0)
      .Replace("/nested/a/b/c/0", {{"was", 1}})
      .Move("/nested/a/b", "/moved")
      .Move("/list/0", "/list/2")
      .Copy("/moved", "/nested/empty/copy")
      .Test("/ratio", 0.5)
      .Merge({{"name", nullptr},
              {"nested", {{"none", {{"x", 1}}}}},
              {"fresh", {{"y", nullptr}, {"z", 2}}}})
      .Set("/deep/er/est", 1)
      .Set("/list/0", "overwritten")
      .Unset("/neg")
      .Unset("/not/there")
      .ops();
}

struct FailingOp {
  const char* name;
  Transaction op;
  absl::StatusCode code;
};

std::vector<FailingOp> FailingOps() {
  return {
      {"FailedTest", Transaction().Test("/ratio", 0.25),
       absl::StatusCode::kAborted},
      {"RemoveMissing", Transaction().Remove("/nope"),
       absl::StatusCode::kNotFound},
      {"AddPastArrayEnd", Transaction().Add("/list/99", 0),
       absl::StatusCode::kNotFound},
      {"MoveIntoItself", Transaction().Move("/nested", "/nested/x"),
       absl::StatusCode::kInvalidArgument},
      {"SetThroughScalar", Transaction().Set("/ratio/x", 0),
       absl::StatusCode::kNotFound},
      {"CopyFromMissing", Transaction().Copy("/nope", "/x"),
       absl::StatusCode::kNotFound},
      {"ReplaceMissing", Transaction().Replace("/nested/zzz", 0),
       absl::StatusCode::kNotFound},
  };
}

Transaction WithOps(const std::vector<Operation>& ops) {
  Transaction txn;
  for (const Operation& op : ops) {
    switch (op.kind) {
      case OpKind::kAdd:
        txn.Add(op.path, op.value);
        break;
      case OpKind::kRemove:
        txn.Remove(op.path);
        break;
      case OpKind::kReplace:
        txn.Replace(op.path, op.value);
        break;
      case OpKind::kMove:
        txn.Move(op.from, op.path);
        break;
      case OpKind::kCopy:
        txn.Copy(op.from, op.path);
        break;
      case OpKind::kTest:
        txn.Test(op.path, op.value);
        break;
      case OpKind::kMerge:
        txn.Merge(op.value);
        break;
      case OpKind::kSet:
        txn.Set(op.path, op.value);
        break;
      case OpKind::kUnset:
        txn.Unset(op.path);
        break;
    }
  }
  return txn;
}

TEST(ApplyAtomicityTest, TheSucceedingOperationsDoSucceed) {
  Json state = RichState();
  ASSERT_OK(ApplyTransaction(WithOps(SucceedingOps()), &state));
  EXPECT_NE(state, RichState());
}

TEST(ApplyAtomicityTest, FailureAtEveryIndexLeavesStateUnchanged) {
  const std::vector<Operation> good = SucceedingOps();
  for (const FailingOp& failing : FailingOps()) {
    for (size_t at = 0; at <= good.size(); ++at) {
      std::vector<Operation> ops = good;
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(at),
                 failing.op.ops()[0]);
      Json state = RichState();
      const std::string before = state.dump();
      absl::Status status = ApplyTransaction(WithOps(ops), &state);
      EXPECT_THAT(status, StatusIs(failing.code,
                                   StartsWith(absl::StrCat("op ", at, " ("))))
          << failing.name << " at " << at;
      // Compared as text too: 1 and 1.0 are equal JSON but not the same.
      EXPECT_EQ(state.dump(), before) << failing.name << " at " << at;
      EXPECT_EQ(state, RichState()) << failing.name << " at " << at;
    }
  }
}

TEST(ApplyAtomicityTest, NumberTypesSurviveRollback) {
  Json state = R"({"i": 1, "f": 2.0})"_json;
  EXPECT_FALSE(
      ApplyTransaction(
          Transaction().Replace("/i", 1.0).Replace("/f", 2).Test("/i", "x"),
          &state)
          .ok());
  EXPECT_EQ(state.dump(), R"({"f":2.0,"i":1})");
}

const void* Storage(const Json& container) {
  if (container.is_array()) {
    return container.get_ptr<const Json::array_t*>()->data();
  }
  return container.get_ptr<const Json::object_t*>();
}

TEST(ApplyAtomicityTest, RollbackRestoresTheOriginalValuesNotCopies) {
  Json state = Json::object();
  for (int i = 0; i < 1000; ++i) state["list"].push_back(i);
  state["map"]["k"] = 1;
  state["gone"] = Json::array({1, 2});
  const void* list = Storage(state["list"]);
  const void* map = Storage(state["map"]);
  const void* gone = Storage(state["gone"]);
  EXPECT_FALSE(ApplyTransaction(Transaction()
                                    .Replace("/list", 0)
                                    .Move("/map", "/elsewhere")
                                    .Remove("/gone")
                                    .Merge({{"list", nullptr}})
                                    .Test("", nullptr),
                                &state)
                   .ok());
  EXPECT_EQ(Storage(state["list"]), list);
  EXPECT_EQ(Storage(state["map"]), map);
  EXPECT_EQ(Storage(state["gone"]), gone);
}

TEST(ApplyAtomicityTest, ReplacingTheWholeStateIsUndoneWithoutACopy) {
  Json state = Json::object();
  for (int i = 0; i < 100000; ++i) state[absl::StrCat("k", i)] = i;
  const void* storage = Storage(state);
  EXPECT_FALSE(
      ApplyTransaction(Transaction().Replace("", 1).Merge(nullptr).Remove("/x"),
                       &state)
          .ok());
  EXPECT_EQ(Storage(state), storage);
  EXPECT_EQ(state.size(), 100000u);
}

TEST(ApplyAtomicityTest, MovingDoesNotCopyTheValue) {
  Json state = R"({"from": {"list": [1, 2, 3]}, "to": {}})"_json;
  const void* list = Storage(state["from"]["list"]);
  ASSERT_OK(
      ApplyTransaction(Transaction().Move("/from/list", "/to/list"), &state));
  EXPECT_EQ(Storage(state["to"]["list"]), list);
}

TEST(ApplyAtomicityTest, SmallTransactionsOnALargeStateDoNotCopyIt) {
  Json state = Json::object();
  for (int i = 0; i < 100000; ++i) state[absl::StrCat("k", i)] = {{"v", i}};
  const void* storage = Storage(state);
  for (int i = 0; i < 2000; ++i) {
    const std::string key = absl::StrCat("/k", i * 37 % 100000);
    ASSERT_OK(ApplyTransaction(Transaction().Set(key + "/v", -i), &state));
    ASSERT_FALSE(
        ApplyTransaction(Transaction().Remove(key).Test("/k0/v", "x"), &state)
            .ok());
  }
  EXPECT_EQ(Storage(state), storage);
  EXPECT_EQ(state.size(), 100000u);
  EXPECT_EQ(state["k37"]["v"], -1);
}

Json NestedArray(int depth) {
  Json value = 0;
  for (int i = 0; i < depth; ++i) value = Json::array({std::move(value)});
  return value;
}

TEST(ApplyAtomicityTest, AMovedOrCopiedValueMustFitTheDepthLimitAtItsNewPlace) {
  Json state = {{"deep", NestedArray(250)},
                {"a", R"({"b": {"c": {"d": {"e": {"f": {}}}}}})"_json}};
  const std::string before = state.dump();
  EXPECT_THAT(
      ApplyTransaction(Transaction().Move("/deep", "/a/b/c/d/e/f/x"), &state),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith("op 0 (move /a/b/c/d/e/f/x): value at its new "
                          "place: nesting deeper than 256")));
  EXPECT_FALSE(
      ApplyTransaction(Transaction().Copy("/deep", "/a/b/c/d/e/f/x"), &state)
          .ok());
  EXPECT_EQ(state.dump(), before);
  // Five levels deeper still fits: 1 + 5 + 250 = 256.
  EXPECT_OK(
      ApplyTransaction(Transaction().Copy("/deep", "/a/b/c/d/x"), &state));
  EXPECT_OK(
      ApplyTransaction(Transaction().Move("/a/b/c/d/x", "/deep2"), &state));
}

}  // namespace
}  // namespace statelog::internal
