// tests/txn/diff_test.cc
//
// Transaction::Diff: applied to `from` it gives `to`, byte for byte as JSON
// text, for random pairs of related and unrelated values; and it journals
// the change, not the state, for the ways states change.

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
  txn = Transaction::Diff(Parse(R"({"a":1,"b":[1,2,3]})"), Parse(R"({"b":[1]})"));
  EXPECT_EQ(txn.ToJson()["ops"], Parse(R"([
    {"op":"remove","path":"/a"},
    {"op":"remove","path":"/b/2"},
    {"op":"remove","path":"/b/1"}])"));
}

TEST(DiffTest, NumbersDifferAsTheirTextDoes) {
  Transaction txn = Transaction::Diff(Parse(R"({"n":1})"), Parse(R"({"n":1.0})"));
  ASSERT_EQ(txn.ops().size(), 1u);
  EXPECT_EQ(Applied(Parse(R"({"n":1})"), txn), R"({"n":1.0})");
  // A positive integer read from text is unsigned, one built in C++ signed:
  // the same text, so no change.
  EXPECT_TRUE(Transaction::Diff(Parse("5"), Json(5)).empty());
  // Pairs nlohmann's == takes as equal, whose text differs.
  for (const auto& [from, to] : std::vector<std::pair<const char*, const char*>>{
           {"18446744073709551615", "-1"},
           {"0.0", "-0.0"},
           {"9007199254740993", "9007199254740992.0"},
           {"0", "-0.0"}}) {
    const Transaction txn = Transaction::Diff(Parse(from), Parse(to));
    ASSERT_EQ(txn.ops().size(), 1u) << from << " to " << to;
    EXPECT_EQ(Applied(Parse(from), txn), Parse(to).dump());
  }
}

TEST(DiffTest, AnArrayMostlyChangedIsReplacedWhole) {
  Transaction txn =
      Transaction::Diff(Parse(R"({"a":[1,2,3,4]})"), Parse(R"({"a":[5,6,7,4]})"));
  EXPECT_EQ(txn.ToJson()["ops"],
            Parse(R"([{"op":"replace","path":"/a","value":[5,6,7,4]}])"));
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
      switch (Pick(5)) {
        case 0:
          value->push_back(Value(depth + 1));
          return;
        case 1:
          value->erase(0);
          return;
        case 2:
          value->erase(value->size() - 1);
          return;
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
    static const char* const kKeys[] = {"a", "b", "c", "~", "/", "a/b~c", "",
                                        "0", "-", "é"};
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
