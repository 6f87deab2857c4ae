// tests/txn/apply_rfc6902_examples_test.cc
//
// The examples of RFC 6902 Appendix A, with our own values. A.13 (an
// operation object with two "op" members) is not here: duplicate members
// never reach a Transaction, the JSON parser keeps the last one.

#include "tests/testing/test_util.h"
#include "txn/apply.h"

namespace statelog::internal {
namespace {

using ::testing::HasSubstr;

absl::Status Apply(Json* state, const Transaction& txn) {
  const Json before = *state;
  absl::Status status = ApplyTransaction(txn, state);
  if (!status.ok()) {
    EXPECT_EQ(state->dump(), before.dump()) << status;
  }
  return status;
}

TEST(ApplyRfc6902Test, A1AddsAnObjectMember) {
  Json state = R"({"name": "widget"})"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("/color", "red")));
  EXPECT_EQ(state, R"({"name": "widget", "color": "red"})"_json);
}

TEST(ApplyRfc6902Test, A2AddsAnArrayElementBeforeTheIndex) {
  Json state = R"({"list": ["x", "z"]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("/list/1", "y")));
  EXPECT_EQ(state, R"({"list": ["x", "y", "z"]})"_json);
}

TEST(ApplyRfc6902Test, A3RemovesAnObjectMember) {
  Json state = R"({"keep": 1, "drop": {"deep": [2]}})"_json;
  ASSERT_OK(Apply(&state, Transaction().Remove("/drop")));
  EXPECT_EQ(state, R"({"keep": 1})"_json);
}

TEST(ApplyRfc6902Test, A4RemovesAnArrayElementShiftingTheRest) {
  Json state = R"({"list": ["x", "y", "z"]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Remove("/list/1")));
  EXPECT_EQ(state, R"({"list": ["x", "z"]})"_json);
}

TEST(ApplyRfc6902Test, A5ReplacesAValue) {
  Json state = R"({"keep": 1, "swap": "old"})"_json;
  ASSERT_OK(Apply(&state, Transaction().Replace("/swap", {{"now", "new"}})));
  EXPECT_EQ(state, R"({"keep": 1, "swap": {"now": "new"}})"_json);
}

TEST(ApplyRfc6902Test, A6MovesAValue) {
  Json state = R"({"src": {"inner": "v", "other": 1}, "dst": {"k": 2}})"_json;
  ASSERT_OK(Apply(&state, Transaction().Move("/src/inner", "/dst/moved")));
  EXPECT_EQ(state,
            R"({"src": {"other": 1}, "dst": {"k": 2, "moved": "v"}})"_json);
}

TEST(ApplyRfc6902Test, A7MovesAnArrayElementIndexingAfterTheRemoval) {
  Json state = R"({"list": [1, 2, 3, 4]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Move("/list/1", "/list/3")));
  EXPECT_EQ(state, R"({"list": [1, 3, 4, 2]})"_json);
}

TEST(ApplyRfc6902Test, A8TestSucceedsOnEqualValues) {
  Json state = R"({"s": "text", "arr": [1, "two", 3]})"_json;
  EXPECT_OK(Apply(&state, Transaction()
                              .Test("/s", "text")
                              .Test("/arr", {1, "two", 3})
                              .Test("/arr/1", "two")));
}

TEST(ApplyRfc6902Test, A9TestFailsWithAbortedAndNamesTheOperation) {
  Json state = R"({"s": "text"})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Test("/s", "text").Test("/s", "txt")),
              StatusIs(absl::StatusCode::kAborted,
                       "op 1 (test /s): value differs: expected \"txt\", "
                       "found \"text\""));
}

TEST(ApplyRfc6902Test, A10AddsANestedObject) {
  Json state = R"({"a": 1})"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("/child", {{"grand", "x"}})));
  EXPECT_EQ(state, R"({"a": 1, "child": {"grand": "x"}})"_json);
}

TEST(ApplyRfc6902Test, A11IgnoresUnrecognizedMembers) {
  absl::StatusOr<Transaction> txn = Transaction::FromJson(
      R"([{"op": "add", "path": "/n", "value": 5, "comment": "ignored"}])"_json);
  ASSERT_OK(txn);
  Json state = Json::object();
  ASSERT_OK(Apply(&state, *txn));
  EXPECT_EQ(state, R"({"n": 5})"_json);
}

TEST(ApplyRfc6902Test, A12AddingUnderAMissingParentIsNotFound) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Add("/missing/child", 1)),
              StatusIs(absl::StatusCode::kNotFound,
                       "op 0 (add /missing/child): /missing does not exist"));
}

TEST(ApplyRfc6902Test, A14UnescapesTildeOneBeforeTildeZero) {
  Json state = R"({"/": 9, "~1": 10})"_json;
  EXPECT_OK(Apply(&state, Transaction().Test("/~01", 10).Test("/~1", 9)));
}

TEST(ApplyRfc6902Test, A15AStringIsNotEqualToANumber) {
  Json state = R"({"/": 9, "~1": 10})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Test("/~01", "10")),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("differs")));
}

TEST(ApplyRfc6902Test, A16AppendsAnArrayAsOneElement) {
  Json state = R"({"list": ["a"]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Add("/list/-", {"b", "c"})));
  EXPECT_EQ(state, R"({"list": ["a", ["b", "c"]]})"_json);
}

}  // namespace
}  // namespace statelog::internal
