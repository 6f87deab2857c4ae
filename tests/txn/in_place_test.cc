// tests/txn/in_place_test.cc
//
// AssignInPlace and CopyInPlace: the result is always the new value, and
// the old value's nodes and buffers are kept exactly where the shapes
// allow. ApplyTransaction's use of them (Replaced::kOverwrite) is tested
// in apply_test.cc.

#include "txn/in_place.h"

#include <string>
#include <utility>
#include <vector>

#include "tests/testing/test_util.h"

namespace statelog::internal {
namespace {

TEST(AssignInPlaceTest, GivesTheNewValueAndKeepsNodesWhereTheShapeMatches) {
  const std::string heap(40, 'h');
  struct Case {
    Json from;
    Json to;
    bool keeps_nodes;  // the first member's node survives
  };
  const std::vector<Case> cases = {
      {Json{{"n", 1}, {"s", heap}}, R"({"n": 2, "s": "short"})"_json, true},
      {R"({"n": 1, "s": "short"})"_json, Json{{"n", 2}, {"s", heap}}, true},
      {R"({"n": 1})"_json, R"({"m": 1})"_json, false},
      {R"({"n": 1})"_json, R"({"n": 1, "m": 2})"_json, false},
      {R"({"n": {"o": 1}})"_json, R"({"n": [1, 2]})"_json, true},
      {R"({"n": 1.0})"_json, R"({"n": 1})"_json, true},
      {R"([1, 2, 3])"_json, R"([3, "a", null])"_json, true},
      {R"([1, 2, 3])"_json, R"([1, 2])"_json, false},
      {R"("string")"_json, R"({"o": 1})"_json, false},
  };
  for (const Case& c : cases) {
    Json state = c.from;
    const Json* first = &*state.begin();
    Json value = c.to;
    AssignInPlace(&state, &value);
    // dump() tells 1 from 1.0 and -1 from an unsigned.
    EXPECT_EQ(state.dump(), c.to.dump()) << c.from.dump();
    if (c.keeps_nodes) {
      EXPECT_EQ(&*state.begin(), first)
          << c.from.dump() << " <- " << c.to.dump();
    }
  }
  // A string that fits keeps its buffer; one that does not is moved in.
  Json state = {{"note", heap}};
  const char* buffer = state["note"].get_ref<const std::string&>().data();
  Json shorter = {{"note", std::string(30, 'y')}};
  AssignInPlace(&state, &shorter);
  EXPECT_EQ(state["note"], std::string(30, 'y'));
  EXPECT_EQ(state["note"].get_ref<const std::string&>().data(), buffer);
  Json longer = {{"note", std::string(100, 'z')}};
  const char* moved = longer["note"].get_ref<const std::string&>().data();
  AssignInPlace(&state, &longer);
  EXPECT_EQ(state["note"], std::string(100, 'z'));
  EXPECT_EQ(state["note"].get_ref<const std::string&>().data(), moved);
}

// CopyInPlace overwrites only where nothing needs allocating; otherwise it
// leaves the old value exactly as it was.
TEST(CopyInPlaceTest, CopiesWhenEverythingFitsAndOtherwiseChangesNothing) {
  const std::string heap(40, 'h');
  struct Case {
    Json from;
    Json to;
    bool fits;
  };
  const std::vector<Case> cases = {
      {R"({"n": 1, "s": "abc"})"_json, R"({"n": 2, "s": "xyz"})"_json, true},
      {Json{{"n", 1}, {"s", heap}}, R"({"n": 2, "s": "short"})"_json, true},
      {R"({"n": 1, "s": "short"})"_json, Json{{"n", 2}, {"s", heap}}, false},
      {R"({"n": 1})"_json, R"({"m": 1})"_json, false},
      {R"({"n": 1})"_json, R"({"n": 1, "m": 2})"_json, false},
      {R"({"n": 1, "m": 2})"_json, R"({"n": 1})"_json, false},
      {R"([1, 2, 3])"_json, R"([3, true, null])"_json, true},
      {R"([1, 2, 3])"_json, R"([3, "a", null])"_json, false},
      {R"([1, 2, 3])"_json, R"([1, 2])"_json, false},
      {R"({"n": 1})"_json, R"({"n": 1.5})"_json, true},
      {R"({"n": 1.0})"_json, R"({"n": 1})"_json, true},
      {R"({"n": -1})"_json, R"({"n": 18446744073709551615})"_json, true},
      {R"({"n": "a string"})"_json, R"({"n": false})"_json, true},
      {R"({"n": {"o": 1}})"_json, R"({"n": 1})"_json, false},
      {R"({"n": [1]})"_json, R"({"n": null})"_json, false},
      {R"({"n": 1})"_json, R"({"n": "x"})"_json, false},
      {R"({"a": {"b": [1, {"c": "x"}]}})"_json,
       R"({"a": {"b": [2, {"c": "y"}]}})"_json, true},
      {R"({"a": {"b": [1, {"c": "x"}]}})"_json,
       R"({"a": {"b": [2, {"d": "y"}]}})"_json, false},
      {R"({})"_json, R"({})"_json, true},
      {R"([])"_json, R"({})"_json, false},
  };
  for (const Case& c : cases) {
    Json state = c.from;
    const Json* first = state.empty() ? nullptr : &*state.begin();
    const bool copied = CopyInPlace(&state, c.to);
    EXPECT_EQ(copied, c.fits) << c.from.dump() << " <- " << c.to.dump();
    // dump() tells 1 from 1.0 and -1 from an unsigned.
    EXPECT_EQ(state.dump(), (copied ? c.to : c.from).dump()) << c.to.dump();
    if (copied && first != nullptr) {
      EXPECT_EQ(&*state.begin(), first) << "nodes kept: " << c.to.dump();
    }
  }
  // A string's buffer is kept too.
  Json state = {{"note", heap}};
  const char* buffer = state["note"].get_ref<const std::string&>().data();
  ASSERT_TRUE(CopyInPlace(&state, {{"note", std::string(30, 'y')}}));
  EXPECT_EQ(state["note"], std::string(30, 'y'));
  EXPECT_EQ(state["note"].get_ref<const std::string&>().data(), buffer);
}

}  // namespace
}  // namespace statelog::internal
