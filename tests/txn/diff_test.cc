// tests/txn/diff_test.cc
//
// Transaction::Diff: applied to `from` it gives `to`, byte for byte as JSON
// text, for random pairs of related and unrelated values; and it journals
// the change, not the state, for the ways states change.

#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "statelog/transaction.h"
#include "tests/testing/test_util.h"
#include "txn/apply.h"

namespace statelog {
namespace {

using internal::ApplyTransaction;

// `from` with the transaction applied, as its text.
std::string Applied(const Json& from, const Transaction& txn) {
  Json state = from;
  absl::Status status = ApplyTransaction(txn, &state);
  EXPECT_TRUE(status.ok()) << status << "\nfrom " << from.dump() << "\nops "
                           << txn.ToJson().dump();
  return state.dump();
}

Json Parse(const char* text) { return Json::parse(text); }

TEST(DiffTest, SameValuesGiveNoOperations) {
  for (const char* text :
       {"null", "1", "1.5", "\"s\"", "[]", "{}", R"({"a":[1,{"b":null}]})"}) {
    EXPECT_TRUE(Transaction::Diff(Parse(text), Parse(text)).empty()) << text;
  }
}

TEST(DiffTest, ChangesAreJournaledWhereTheyAre) {
  const Json from = Parse(
      R"({"agent":{"step":4,"plan":["a","b"]},"log":[1,2,3],"queue":[7,8,9],"x~/y":1})");
  Json to = from;
  to["agent"]["step"] = 5;
  to["log"].push_back(4);
  to["queue"].erase(0);
  to["x~/y"] = 2;
  to["new"] = true;
  Transaction txn = Transaction::Diff(from, to);
  EXPECT_EQ(txn.ToJson()["ops"], Parse(R"([
    {"op":"replace","path":"/agent/step","value":5},
    {"op":"add","path":"/log/-","value":4},
    {"op":"add","path":"/new","value":true},
    {"op":"remove","path":"/queue/0"},
    {"op":"replace","path":"/x~0~1y","value":2}])"));
  EXPECT_EQ(Applied(from, txn), to.dump());

  // Gone members are removed; an array cut at the end loses its tail.
  txn = Transaction::Diff(Parse(R"({"a":1,"b":[1,2,3,4,5,6],"c":0})"),
                          Parse(R"({"b":[1,2,3,4],"c":0})"));
  EXPECT_EQ(txn.ToJson()["ops"], Parse(R"([
    {"op":"remove","path":"/a"},
    {"op":"remove","path":"/b/4"},
    {"op":"remove","path":"/b/4"}])"));
}

// The ways lists change in a checkpointed state, each a record of the
// change: found by the shortest edit script, not by position.
TEST(DiffTest, ListEditsAreTheEditsNotTheList) {
  struct Case {
    const char* what;
    const char* from;
    const char* to;
    const char* ops;
  };
  const Case cases[] = {
      {"sliding window", "[1,2,3,4,5,6,7,8]", "[2,3,4,5,6,7,8,9]",
       R"([{"op":"remove","path":"/0"},{"op":"add","path":"/-","value":9}])"},
      {"prepend", "[1,2,3,4,5,6]", "[0,1,2,3,4,5,6]",
       R"([{"op":"add","path":"/0","value":0}])"},
      {"insert in the middle", "[1,2,3,4,5,6]", "[1,2,3,9,4,5,6]",
       R"([{"op":"add","path":"/3","value":9}])"},
      {"remove from the middle", "[1,2,3,4,5,6]", "[1,2,4,5,6]",
       R"([{"op":"remove","path":"/2"}])"},
      {"move to the front", "[1,2,3,4,5,6]", "[5,1,2,3,4,6]",
       R"([{"op":"add","path":"/0","value":5},{"op":"remove","path":"/5"}])"},
      {"one field of one element",
       R"([{"id":1,"s":"a"},{"id":2,"s":"a"},{"id":3,"s":"a"}])",
       R"([{"id":1,"s":"a"},{"id":2,"s":"b"},{"id":3,"s":"a"}])",
       R"([{"op":"replace","path":"/1/s","value":"b"}])"},
      {"pop two from the front", "[1,2,3,4,5,6]", "[3,4,5,6]",
       R"([{"op":"remove","path":"/0"},{"op":"remove","path":"/0"}])"},
  };
  for (const Case& c : cases) {
    const Transaction txn = Transaction::Diff(Parse(c.from), Parse(c.to));
    EXPECT_EQ(txn.ToJson()["ops"], Parse(c.ops)) << c.what;
    EXPECT_EQ(Applied(Parse(c.from), txn), Parse(c.to).dump()) << c.what;
  }
}

// A list that grows at the front, or in the middle, costs a record the
// size of the element, not of the list: the journal grows linearly.
TEST(DiffTest, AGrowingListIsJournaledLinearly) {
  Json list = Json::array();
  size_t journaled = 0;
  for (int i = 0; i < 400; ++i) {
    Json next = list;
    const Json element = {{"id", i}, {"text", std::string(100, 'x')}};
    const size_t at = i % 3 == 0 ? 0 : next.size() / 2;
    next.insert(next.begin() + static_cast<std::ptrdiff_t>(at), element);
    const Transaction txn = Transaction::Diff(list, next);
    ASSERT_EQ(Applied(list, txn), next.dump());
    journaled += txn.ToJson().dump().size();
    list = std::move(next);
  }
  // 400 elements of about 120 bytes, each journaled once with its op.
  EXPECT_LT(journaled, 400u * 200u);
}

// An array edited in more places than the script looks for (or than half
// its elements) is replaced whole.
TEST(DiffTest, AnArrayChangedEverywhereIsReplaced) {
  Json from = Json::array();
  Json to = Json::array();
  for (int i = 0; i < 300; ++i) {
    from.push_back(i);
    to.push_back(i % 2 == 0 ? i : -i);
  }
  Transaction txn = Transaction::Diff(from, to);
  ASSERT_EQ(txn.ops().size(), 1u);
  EXPECT_EQ(txn.ops()[0].kind, OpKind::kReplace);
  EXPECT_EQ(Applied(from, txn), to.dump());
  txn = Transaction::Diff(Parse(R"({"a":[1,2,3,4]})"),
                          Parse(R"({"a":[5,6,7,4]})"));
  EXPECT_EQ(txn.ToJson()["ops"],
            Parse(R"([{"op":"replace","path":"/a","value":[5,6,7,4]}])"));
}

// An object most of whose members come or go is replaced whole: an add per
// member would make the record larger than the object.
TEST(DiffTest, AnObjectMostlyNewIsReplacedWhole) {
  Json to = Json::object();
  for (int i = 0; i < 100; ++i) to[absl::StrCat("k", i)] = i;
  Transaction txn = Transaction::Diff(Json::object(), to);
  ASSERT_EQ(txn.ops().size(), 1u);
  EXPECT_EQ(txn.ToJson()["ops"][0]["path"], "");
  Json from = to;
  from["k1"] = -1;
  from["k2"] = -2;
  txn = Transaction::Diff(from, to);
  EXPECT_EQ(txn.ops().size(), 2u);
}

TEST(DiffTest, NumbersDifferAsTheirTextDoes) {
  Transaction txn =
      Transaction::Diff(Parse(R"({"n":1})"), Parse(R"({"n":1.0})"));
  ASSERT_EQ(txn.ops().size(), 1u);
  EXPECT_EQ(Applied(Parse(R"({"n":1})"), txn), R"({"n":1.0})");
  // A positive integer read from text is unsigned, one built in C++ signed:
  // the same text, so no change.
  EXPECT_TRUE(Transaction::Diff(Parse("5"), Json(5)).empty());
  // Pairs nlohmann's == takes as equal, whose text differs.
  for (const auto& [from, to] :
       std::vector<std::pair<const char*, const char*>>{
           {"18446744073709551615", "-1"},
           {"0.0", "-0.0"},
           {"9007199254740993", "9007199254740992.0"},
           {"0", "-0.0"}}) {
    const Transaction txn = Transaction::Diff(Parse(from), Parse(to));
    ASSERT_EQ(txn.ops().size(), 1u) << from << " to " << to;
    EXPECT_EQ(Applied(Parse(from), txn), Parse(to).dump());
  }
}

TEST(DiffTest, TheRootOfAnotherTypeIsReplaced) {
  Transaction txn = Transaction::Diff(Parse(R"({"a":1})"), Parse("[1]"));
  EXPECT_EQ(txn.ToJson()["ops"],
            Parse(R"([{"op":"replace","path":"","value":[1]}])"));
  EXPECT_EQ(Applied(Parse(R"({"a":1})"), txn), "[1]");
}

class RandomPairs {
 public:
  explicit RandomPairs(uint32_t seed) : rng_(seed) {}

  Json Value(int depth) {
    switch (Pick(depth > 3 ? 5 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return Pick(2) == 0;
      case 2:
        return Pick(4);
      case 3:
        return Pick(4) + 0.5;
      case 4:
        return Key();
      case 5:
      case 6: {
        Json object = Json::object();
        for (int i = Pick(5); i > 0; --i) object[Key()] = Value(depth + 1);
        return object;
      }
      default: {
        Json array = Json::array();
        for (int i = Pick(5); i > 0; --i) array.push_back(Value(depth + 1));
        return array;
      }
    }
  }

  // `value` changed in a few places, the ways states change.
  void Mutate(Json* value, int depth) {
    if (value->is_object() && !value->empty() && Pick(4) != 0) {
      auto it = value->begin();
      std::advance(it, Pick(static_cast<int>(value->size())));
      switch (Pick(4)) {
        case 0:
          value->erase(it);
          return;
        case 1:
          (*value)[Key()] = Value(depth + 1);
          return;
        default:
          Mutate(&*it, depth + 1);
          return;
      }
    }
    if (value->is_array() && !value->empty() && Pick(4) != 0) {
      // A place to insert at: before any element, or at the end.
      const auto at = [&] {
        return static_cast<std::ptrdiff_t>(
            Pick(static_cast<int>(value->size()) + 1));
      };
      switch (Pick(7)) {
        case 0:
          value->push_back(Value(depth + 1));
          return;
        case 1:
          value->erase(0);
          return;
        case 2:
          value->erase(value->size() - 1);
          return;
        case 3:
          value->insert(value->begin() + at(), Value(depth + 1));
          return;
        case 4: {
          // A move: out of one place, into another.
          const std::ptrdiff_t from = Pick(static_cast<int>(value->size()));
          Json moved = (*value)[static_cast<size_t>(from)];
          value->erase(value->begin() + from);
          value->insert(value->begin() + at(), std::move(moved));
          return;
        }
        default:
          Mutate(&(*value)[static_cast<size_t>(
                     Pick(static_cast<int>(value->size())))],
                 depth + 1);
          return;
      }
    }
    *value = Value(depth);
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  std::string Key() {
    static const char* const kKeys[] = {"a",     "b", "c", "~", "/",
                                        "a/b~c", "",  "0", "-", "é"};
    return kKeys[Pick(10)];
  }

  std::mt19937 rng_;
};

// Related pairs (a value and the same after a few changes, over and over:
// a state checkpointed step by step) and unrelated ones.
TEST(DiffTest, RandomPairsApplyToExactlyTheTarget) {
  RandomPairs random(20261207);
  int ops = 0;
  for (int round = 0; round < 300; ++round) {
    Json from = random.Value(0);
    for (int step = 0; step < 20; ++step) {
      Json to = from;
      for (int n = 1 + random.Pick(3); n > 0; --n) random.Mutate(&to, 0);
      const Transaction txn = Transaction::Diff(from, to);
      ASSERT_EQ(Applied(from, txn), to.dump())
          << "from " << from.dump() << "\nops " << txn.ToJson().dump();
      EXPECT_EQ(txn.empty(), from.dump() == to.dump());
      ops += static_cast<int>(txn.ops().size());
      from = std::move(to);
    }
    const Json other = random.Value(0);
    ASSERT_EQ(Applied(from, Transaction::Diff(from, other)), other.dump());
  }
  EXPECT_GT(ops, 3000);
}

}  // namespace
}  // namespace statelog
