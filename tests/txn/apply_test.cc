// tests/txn/apply_test.cc
//
// RFC 6902 semantics of ApplyTransaction: the edge cases of each operation.
// The RFC's own examples are in apply_rfc6902_examples_test.cc, Set and
// Unset in set_unset_test.cc, merge patches in merge_patch_test.cc, and
// all-or-nothing behaviour in apply_atomicity_test.cc.

#include "txn/apply.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/test_util.h"

namespace statelog::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;

// Applies `txn` to `state`; on failure also checks that `state` is as it was.
absl::Status Apply(Json* state, const Transaction& txn) {
  const Json before = *state;
  absl::Status status = ApplyTransaction(txn, state);
  if (!status.ok()) {
    EXPECT_EQ(state->dump(), before.dump()) << status;
  }
  return status;
}

TEST(ApplyAddTest, AtTheRootReplacesTheWholeDocument) {
  Json state = R"({"old": [1, 2]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("", {"new"})));
  EXPECT_EQ(state, R"(["new"])"_json);
}

TEST(ApplyAddTest, ReplacesAnExistingMember) {
  Json state = R"({"a": 1})"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("/a", 2)));
  EXPECT_EQ(state, R"({"a": 2})"_json);
}

TEST(ApplyAddTest, AtTheArraySizeAppends) {
  Json state = R"([0, 1])"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("/2", 2).Add("/0", -1)));
  EXPECT_EQ(state, R"([-1, 0, 1, 2])"_json);
}

TEST(ApplyAddTest, PastTheArrayEndIsNotFound) {
  Json state = R"({"list": [0, 1]})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Add("/list/3", 3)),
              StatusIs(kNotFound,
                       "op 0 (add /list/3): index 3 is out of "
                       "range for an array of size 2"));
}

TEST(ApplyAddTest, MalformedArrayIndexIsInvalidArgument) {
  Json state = R"({"list": [0, 1]})"_json;
  for (const char* path : {"/list/01", "/list/x", "/list/-1", "/list/1.0",
                           "/list/", "/list/99999999999999999999999"}) {
    EXPECT_THAT(Apply(&state, Transaction().Add(path, 3)),
                StatusIs(kInvalid, HasSubstr("is not an array index")))
        << path;
  }
}

TEST(ApplyAddTest, UnderAScalarIsNotFound) {
  Json state = R"({"a": 5, "n": null})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Add("/a/b", 1)),
              StatusIs(kNotFound,
                       "op 0 (add /a/b): /a is a number, not an "
                       "object or array"));
  EXPECT_THAT(Apply(&state, Transaction().Add("/n/b", 1)),
              StatusIs(kNotFound, HasSubstr("/n is null")));
  Json scalar = 3;
  EXPECT_THAT(Apply(&scalar, Transaction().Add("/x", 1)),
              StatusIs(kNotFound, HasSubstr("the document root is a number")));
}

TEST(ApplyAddTest, APathThroughAMissingElementIsNotFound) {
  Json state = R"({"list": [{}]})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Add("/list/1/k", 1)),
              StatusIs(kNotFound, HasSubstr("/list/1 does not exist")));
  EXPECT_THAT(Apply(&state, Transaction().Add("/list/-/k", 1)),
              StatusIs(kNotFound, HasSubstr("/list/- does not exist")));
}

TEST(ApplyAddTest, KeysNeedNoEscapingBeyondTildeAndSlash) {
  Json state = Json::object();
  ASSERT_OK(
      Apply(&state, Transaction().Add("/a b", 1).Add("/", 2).Add("/~0~1", 3)));
  EXPECT_EQ(state, Json({{"a b", 1}, {"", 2}, {"~/", 3}}));
}

TEST(ApplyRemoveTest, AMissingMemberIsNotFound) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Remove("/b")),
              StatusIs(kNotFound, "op 0 (remove /b): /b does not exist"));
}

// A pointer can be as long as a record; messages quote its start only.
TEST(ApplyRemoveTest, ALongPointerIsQuotedByItsStart) {
  Json state = R"({"a": 1})"_json;
  const std::string key(200000, 'k');
  const absl::Status missing = Apply(&state, Transaction().Remove("/" + key));
  EXPECT_EQ(missing.code(), kNotFound);
  EXPECT_LT(missing.message().size(), 1000u) << missing.message().size();
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("kkkk... (200001 bytes) does not exist"));
  const absl::Status invalid = Apply(&state, Transaction().Remove(key));
  EXPECT_EQ(invalid.code(), kInvalid);
  EXPECT_LT(invalid.message().size(), 1000u) << invalid.message().size();
  EXPECT_THAT(std::string(invalid.message()), HasSubstr("(200000 bytes)"));
}

TEST(ApplyRemoveTest, PastTheArrayEndIsNotFound) {
  Json state = R"([1, 2])"_json;
  EXPECT_THAT(Apply(&state, Transaction().Remove("/2")),
              StatusIs(kNotFound, HasSubstr("/2 does not exist")));
  EXPECT_THAT(Apply(&state, Transaction().Remove("/-")),
              StatusIs(kNotFound, HasSubstr("/- does not exist")));
}

TEST(ApplyRemoveTest, TheRootCannotBeRemoved) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Remove("")),
              StatusIs(kInvalid, R"(op 0 (remove ""): cannot remove the )"
                                 "document root"));
}

TEST(ApplyReplaceTest, AMissingTargetIsNotFound) {
  Json state = R"({"a": [1]})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Replace("/b", 1)),
              StatusIs(kNotFound, "op 0 (replace /b): /b does not exist"));
  EXPECT_THAT(Apply(&state, Transaction().Replace("/a/1", 1)),
              StatusIs(kNotFound, HasSubstr("/a/1 does not exist")));
}

TEST(ApplyReplaceTest, OverwritesAnArrayElementInPlace) {
  Json state = R"([1, 2, 3])"_json;
  ASSERT_OK(Apply(&state, Transaction().Replace("/1", "two")));
  EXPECT_EQ(state, R"([1, "two", 3])"_json);
}

TEST(ApplyReplaceTest, TheRootIsReplaceable) {
  Json state = R"({"a": 1})"_json;
  ASSERT_OK(Apply(&state, Transaction().Replace("", nullptr)));
  EXPECT_EQ(state, Json());
}

TEST(ApplyMoveTest, AMissingSourceIsNotFound) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Move("/x", "/y")),
              StatusIs(kNotFound, "op 0 (move /y): /x does not exist"));
}

TEST(ApplyMoveTest, AValueCannotMoveIntoItsOwnChild) {
  Json state = R"({"a": {"b": {}}})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Move("/a", "/a/b/c")),
              StatusIs(kInvalid,
                       "op 0 (move /a/b/c): cannot move /a into "
                       "itself"));
  EXPECT_THAT(Apply(&state, Transaction().Move("", "/a")),
              StatusIs(kInvalid, HasSubstr("into itself")));
}

TEST(ApplyMoveTest, ToItselfChangesNothing) {
  Json state = R"({"a": [1, 2]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Move("/a", "/a").Move("/a/0", "/a/0")));
  EXPECT_EQ(state, R"({"a": [1, 2]})"_json);
}

TEST(ApplyMoveTest, ToItsParentReplacesTheParent) {
  Json state = R"({"a": {"b": {"c": 1}, "d": 2}})"_json;
  ASSERT_OK(Apply(&state, Transaction().Move("/a/b", "/a")));
  EXPECT_EQ(state, R"({"a": {"c": 1}})"_json);
}

TEST(ApplyMoveTest, ToTheRootReplacesTheDocument) {
  Json state = R"({"keep": {"k": [1]}, "lose": 0})"_json;
  ASSERT_OK(Apply(&state, Transaction().Move("/keep", "")));
  EXPECT_EQ(state, R"({"k": [1]})"_json);
}

TEST(ApplyMoveTest, ToTheEndOfAnotherArray) {
  Json state = R"({"from": [1, 2], "to": [3]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Move("/from/0", "/to/-")));
  EXPECT_EQ(state, R"({"from": [2], "to": [3, 1]})"_json);
}

TEST(ApplyMoveTest, ToAMissingParentFailsAndPutsTheValueBack) {
  Json state = R"({"list": [1, 2, 3], "m": {"x": 1}})"_json;
  const Json before = state;
  EXPECT_THAT(Apply(&state, Transaction().Move("/list/0", "/nope/x")),
              StatusIs(kNotFound, HasSubstr("/nope does not exist")));
  EXPECT_THAT(Apply(&state, Transaction().Move("/m/x", "/list/9")),
              StatusIs(kNotFound, HasSubstr("out of range")));
  EXPECT_EQ(state, before);
}

TEST(ApplyCopyTest, CopiesDeeplySoTheCopiesAreIndependent) {
  Json state = R"({"a": {"x": [1, 2]}})"_json;
  ASSERT_OK(Apply(&state, Transaction()
                              .Copy("/a", "/b")
                              .Replace("/b/x/0", "changed")
                              .Add("/a/x/-", 3)));
  EXPECT_EQ(state,
            R"({"a": {"x": [1, 2, 3]}, "b": {"x": ["changed", 2]}})"_json);
}

TEST(ApplyCopyTest, IntoItsOwnChildIsAllowed) {
  Json state = R"({"a": {"v": 1}})"_json;
  ASSERT_OK(Apply(&state, Transaction().Copy("/a", "/a/self")));
  EXPECT_EQ(state, R"({"a": {"v": 1, "self": {"v": 1}}})"_json);
}

TEST(ApplyCopyTest, InsertsIntoArrays) {
  Json state = R"([10, 20])"_json;
  ASSERT_OK(Apply(&state, Transaction().Copy("/1", "/0")));
  EXPECT_EQ(state, R"([20, 10, 20])"_json);
}

TEST(ApplyCopyTest, AMissingSourceIsNotFound) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Copy("/b", "/c")),
              StatusIs(kNotFound, "op 0 (copy /c): /b does not exist"));
}

TEST(ApplyTestTest, ComparesNumbersByValue) {
  Json state = R"({"i": 1, "f": 2.0, "u": 3})"_json;
  EXPECT_OK(Apply(&state,
                  Transaction().Test("/i", 1.0).Test("/f", 2).Test("/u", 3u)));
  EXPECT_FALSE(Apply(&state, Transaction().Test("/i", 1.5)).ok());
}

TEST(ApplyTestTest, ComparesObjectsRegardlessOfMemberOrder) {
  Json state = R"({"o": {"a": 1, "b": [1, {"c": null}]}})"_json;
  EXPECT_OK(Apply(
      &state,
      Transaction().Test("/o", R"({"b": [1, {"c": null}], "a": 1})"_json)));
}

TEST(ApplyTestTest, ComparesArraysElementByElement) {
  Json state = R"({"l": [1, 2]})"_json;
  EXPECT_FALSE(Apply(&state, Transaction().Test("/l", {2, 1})).ok());
  EXPECT_FALSE(Apply(&state, Transaction().Test("/l", {1, 2, 3})).ok());
  EXPECT_FALSE(Apply(&state, Transaction().Test("/l", {1})).ok());
}

TEST(ApplyTestTest, NullIsNotAbsent) {
  Json state = R"({"n": null})"_json;
  EXPECT_OK(Apply(&state, Transaction().Test("/n", nullptr)));
  EXPECT_THAT(Apply(&state, Transaction().Test("/m", nullptr)),
              StatusIs(kNotFound, "op 0 (test /m): /m does not exist"));
}

TEST(ApplyTestTest, TheWholeDocumentCanBeTested) {
  Json state = R"({"a": 1})"_json;
  EXPECT_OK(Apply(&state, Transaction().Test("", {{"a", 1}})));
}

// With Replaced::kOverwrite the last operation of a transaction overwrites
// the value it replaces in place where the two have the same shape
// (nothing needs the old value back).
absl::Status ApplyOverwriting(Json* state, const Transaction& txn) {
  const Json before = *state;
  absl::Status status = ApplyTransaction(txn, state, Validation::kValidate,
                                         Values::kCopy, Replaced::kOverwrite);
  if (!status.ok()) {
    EXPECT_EQ(state->dump(), before.dump()) << status;
  }
  return status;
}

// Whatever the shapes, the result is the new value, types and all.
TEST(ApplyInPlaceTest, TheReplacedValueBecomesTheNewOneWhateverTheShapes) {
  const std::vector<std::pair<Json, Json>> cases = {
      {R"({"n": 1, "s": "a string long enough to live on the heap"})"_json,
       R"({"n": 2, "s": "short"})"_json},
      {R"({"n": 1, "s": "short"})"_json,
       R"({"n": 2, "s": "a string longer than the old one's buffer"})"_json},
      {R"({"n": 1})"_json, R"({"m": 1})"_json},
      {R"({"n": 1})"_json, R"({"n": 1, "m": 2})"_json},
      {R"({"n": 1, "m": 2})"_json, R"({"n": 1})"_json},
      {R"([1, 2, 3])"_json, R"([3, 2, 1])"_json},
      {R"([1, 2, 3])"_json, R"([1, 2])"_json},
      {R"({"n": 1})"_json, R"({"n": 1.5})"_json},
      {R"({"n": 1.0})"_json, R"({"n": 1})"_json},
      {R"({"n": -1})"_json, R"({"n": 1})"_json},
      {R"({"a": {"b": [1, {"c": "x"}]}})"_json,
       R"({"a": {"b": [2, {"c": "yy"}]}})"_json},
      {R"({"a": {"b": [1, {"c": "x"}]}})"_json,
       R"({"a": {"b": [2, {"d": "yy"}]}})"_json},
      {R"("string")"_json, R"({"o": 1})"_json},
      {R"({"o": 1})"_json, R"("string")"_json},
      {R"(null)"_json, R"(true)"_json},
  };
  for (const auto& [old_value, new_value] : cases) {
    const std::vector<Transaction> txns = {
        Transaction().Set("/k", new_value),
        Transaction().Replace("/k", new_value),
        Transaction().Add("/k", new_value),
        Transaction().Set("/list/0", new_value),
        Transaction().Replace("/list/0", new_value),
        Transaction().Test("/other", 1).Set("/k", new_value),
        Transaction()
            .Copy("/new", "/k")
            .Replace("/new", 0)
            .Set("/new", new_value),
    };
    for (const Transaction& txn : txns) {
      Json state = {{"k", old_value},
                    {"list", {old_value}},
                    {"other", 1},
                    {"new", new_value}};
      Json expected = state;
      ASSERT_OK(ApplyTransaction(txn, &expected)) << txn.ToJson().dump();
      Json kept = txn.ops().back().value;
      ASSERT_OK(ApplyOverwriting(&state, txn));
      const std::string where = txn.ops().back().path;
      EXPECT_EQ(state.at(Json::json_pointer(where)).dump(), new_value.dump())
          << old_value.dump() << " -> " << txn.ToJson().dump();
      EXPECT_EQ(state.dump(), expected.dump());
      // The transaction's own value is untouched (it was copied).
      EXPECT_EQ(txn.ops().back().value.dump(), kept.dump());
    }
  }
}

TEST(ApplyInPlaceTest, AValueOfTheSameShapeKeepsTheOldNodesAndBuffers) {
  Json state = {{"k", {{"note", std::string(40, 'x')}, {"n", 1}}}};
  const Json* note = &state["k"]["note"];
  const char* buffer = note->get_ref<const std::string&>().data();
  const Json next = {{"note", std::string(30, 'y')}, {"n", 2}};
  ASSERT_OK(ApplyOverwriting(&state, Transaction().Set("/k", next)));
  EXPECT_EQ(state["k"], next);
  EXPECT_EQ(&state["k"]["note"], note);
  EXPECT_EQ(state["k"]["note"].get_ref<const std::string&>().data(), buffer);
  // Not the last operation: the old value is kept for undo, and a failure
  // after it puts it back exactly.
  EXPECT_THAT(
      ApplyOverwriting(
          &state,
          Transaction().Set("/k", {{"note", "z"}, {"n", 3}}).Test("/k/n", 4)),
      StatusIs(absl::StatusCode::kAborted, ::testing::_));
  EXPECT_EQ(state["k"], next);
  // Without kOverwrite the old value goes, and the new one's nodes take
  // its place.
  ASSERT_OK(Apply(&state, Transaction().Set("/k", {{"note", "w"}, {"n", 5}})));
  EXPECT_EQ(state["k"]["n"], 5);
  EXPECT_NE(&state["k"]["note"], note);
}

TEST(ApplyValidationTest, RejectsPoisonValuesBeforeChangingAnything) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Set("/b", 2).Add("/c", NAN)),
              StatusIs(kInvalid, "op 1 (add /c): value: number is not finite"));
  EXPECT_THAT(Apply(&state, Transaction().Set("/b", 2).Add("/c", "\xc3\x28")),
              StatusIs(kInvalid, StartsWith("op 1 (add /c): value: string")));
  EXPECT_THAT(Apply(&state, Transaction().Set("/b", 2).Remove("b")),
              StatusIs(kInvalid, StartsWith("op 1 (remove b): invalid JSON "
                                            "pointer")));
}

}  // namespace
}  // namespace statelog::internal

namespace statelog {
namespace {

TEST(ApplyTestOpTest, AFailedTestShowsBothValuesCutShort) {
  Json state = Json::object({{"s", std::string(500, 'a')}});
  absl::Status failed =
      internal::ApplyTransaction(Transaction().Test("/s", 7), &state);
  EXPECT_THAT(failed,
              StatusIs(absl::StatusCode::kAborted,
                       ::testing::StartsWith("op 0 (test /s): value differs: "
                                             "expected 7, found \"aaaa")));
  // Each value at most about 60 bytes of the message.
  EXPECT_LT(failed.message().size(), 160u);
  EXPECT_THAT(std::string(failed.message()), ::testing::EndsWith("..."));
}

}  // namespace
}  // namespace statelog
