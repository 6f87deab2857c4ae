// tests/txn/set_unset_test.cc
//
// The two shorthands: Set (add or replace, creating missing parent objects)
// and Unset (remove if present).

#include "tests/testing/test_util.h"
#include "txn/apply.h"

namespace statelog::internal {
namespace {

using ::testing::HasSubstr;

constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

absl::Status Apply(Json* state, const Transaction& txn) {
  const Json before = *state;
  // The values moved in (as replay does) rather than copied: the same.
  Transaction consumed = txn;
  Json moved_into = *state;
  const absl::Status moved = ApplyTransaction(
      consumed, &moved_into, Validation::kValidate, Values::kMove);
  absl::Status status = ApplyTransaction(txn, state);
  if (!status.ok()) {
    EXPECT_EQ(state->dump(), before.dump()) << status;
  }
  EXPECT_EQ(moved, status);
  EXPECT_EQ(moved_into.dump(), state->dump());
  return status;
}

TEST(ApplySetTest, CreatesMissingParentObjects) {
  Json state = Json::object();
  ASSERT_OK(Apply(&state, Transaction().Set("/a/b/c", 1)));
  EXPECT_EQ(state, R"({"a": {"b": {"c": 1}}})"_json);
  ASSERT_OK(Apply(&state, Transaction().Set("/a/x/y", 2)));
  EXPECT_EQ(state, R"({"a": {"b": {"c": 1}, "x": {"y": 2}}})"_json);
}

TEST(ApplySetTest, DoesNotTurnANullDocumentIntoAnObject) {
  // The root is never created: a null root is a scalar on the way.
  Json state;
  EXPECT_THAT(Apply(&state, Transaction().Set("/a", 1)),
              StatusIs(kNotFound,
                       "op 0 (set /a): the document root is null, "
                       "not an object or array"));
}

TEST(ApplySetTest, ReplacesAnExistingValue) {
  Json state = R"({"a": {"b": [1, 2]}})"_json;
  ASSERT_OK(Apply(&state, Transaction().Set("/a/b", "flat")));
  EXPECT_EQ(state, R"({"a": {"b": "flat"}})"_json);
}

TEST(ApplySetTest, OverwritesAnArrayElementInsteadOfInserting) {
  Json state = R"({"l": [1, 2, 3]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Set("/l/1", "two")));
  EXPECT_EQ(state, R"({"l": [1, "two", 3]})"_json);
}

TEST(ApplySetTest, AppendsAtTheArraySizeOrDash) {
  Json state = R"({"l": [1]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Set("/l/1", 2).Set("/l/-", 3)));
  EXPECT_EQ(state, R"({"l": [1, 2, 3]})"_json);
}

TEST(ApplySetTest, GoesThroughExistingArrayElements) {
  Json state = R"({"l": [{"k": 1}]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Set("/l/0/m/n", 2)));
  EXPECT_EQ(state, R"({"l": [{"k": 1, "m": {"n": 2}}]})"_json);
}

TEST(ApplySetTest, PastTheArrayEndIsNotFound) {
  Json state = R"({"l": [1]})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Set("/l/2", 1)),
              StatusIs(kNotFound,
                       "op 0 (set /l/2): index 2 is out of range "
                       "for an array of size 1"));
  // Arrays are never grown to make room for a missing parent.
  EXPECT_THAT(Apply(&state, Transaction().Set("/l/1/k", 1)),
              StatusIs(kNotFound,
                       "op 0 (set /l/1/k): /l/1 is past the end "
                       "of its array"));
  EXPECT_THAT(Apply(&state, Transaction().Set("/l/-/k", 1)),
              StatusIs(kNotFound, HasSubstr("/l/- is past the end")));
  // A token that is no index at all is a malformed step into an array.
  EXPECT_THAT(Apply(&state, Transaction().Set("/l/01", 1)),
              StatusIs(kInvalid, HasSubstr("not an array index")));
}

TEST(ApplySetTest, ThroughAScalarIsNotFound) {
  Json state = R"({"s": "text", "n": null})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Set("/s/k", 1)),
              StatusIs(kNotFound,
                       "op 0 (set /s/k): /s is a string, not an "
                       "object or array"));
  EXPECT_THAT(Apply(&state, Transaction().Set("/n/k/j", 1)),
              StatusIs(kNotFound, HasSubstr("/n is null")));
}

TEST(ApplySetTest, AtTheRootReplacesTheDocument) {
  Json state = R"({"a": 1})"_json;
  ASSERT_OK(Apply(&state, Transaction().Set("", {1, 2})));
  EXPECT_EQ(state, R"([1, 2])"_json);
}

TEST(ApplySetTest, AFailureLaterRemovesTheParentsItCreated) {
  Json state = R"({"keep": true})"_json;
  EXPECT_THAT(
      Apply(&state,
            Transaction().Set("/a/b/c", 1).Set("/a/b/d", 2).Test("/keep", 0)),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("op 2 (test /keep)")));
  EXPECT_EQ(state, R"({"keep": true})"_json);
}

TEST(ApplyUnsetTest, RemovesAPresentValue) {
  Json state = R"({"a": {"b": 1, "c": 2}, "l": [1, 2, 3]})"_json;
  ASSERT_OK(Apply(&state, Transaction().Unset("/a/b").Unset("/l/0")));
  EXPECT_EQ(state, R"({"a": {"c": 2}, "l": [2, 3]})"_json);
}

TEST(ApplyUnsetTest, AnAbsentValueIsNotAnError) {
  Json state = R"({"a": {"b": 1}, "l": [1], "s": "x"})"_json;
  const Json before = state;
  ASSERT_OK(Apply(&state, Transaction()
                              .Unset("/missing")
                              .Unset("/missing/deeper")
                              .Unset("/l/5")
                              .Unset("/l/-")
                              .Unset("/l/01")
                              .Unset("/s/through/a/scalar")));
  EXPECT_EQ(state, before);
}

TEST(ApplyUnsetTest, TheRootCannotBeUnset) {
  Json state = R"({"a": 1})"_json;
  EXPECT_THAT(Apply(&state, Transaction().Unset("")),
              StatusIs(kInvalid, HasSubstr("cannot remove the document root")));
}

TEST(ApplyUnsetTest, AFailureLaterPutsTheValueBack) {
  Json state = R"({"a": {"b": [1, {"c": 2}]}, "l": [1, 2]})"_json;
  const Json before = state;
  EXPECT_FALSE(
      Apply(&state, Transaction().Unset("/a/b").Unset("/l/0").Remove("/x"))
          .ok());
  EXPECT_EQ(state, before);
}

}  // namespace
}  // namespace statelog::internal
