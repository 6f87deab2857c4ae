// tests/testing/random_transactions.h
//
// Random transactions of every kind of operation, with values of every
// type and the strings most likely to be escaped differently, for tests
// that hold two ways of writing or reading transactions to each other.

#ifndef STATELOG_TESTS_TESTING_RANDOM_TRANSACTIONS_H_
#define STATELOG_TESTS_TESTING_RANDOM_TRANSACTIONS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "statelog/transaction.h"
#include "txn/pointer_tokens.h"

namespace statelog::testing {

class RandomTransactions {
 public:
  explicit RandomTransactions(uint32_t seed) : rng_(seed) {}

  Transaction Next() {
    Transaction txn;
    for (int n = 1 + Pick(4); n > 0; --n) {
      const std::string path = Pointer();
      switch (Pick(9)) {
        case 0:
          txn.Add(path, Value(0));
          break;
        case 1:
          txn.Remove(path);
          break;
        case 2:
          txn.Replace(path, Value(0));
          break;
        case 3:
          txn.Move(Pointer(), path);
          break;
        case 4:
          txn.Copy(Pointer(), path);
          break;
        case 5:
          txn.Test(path, Value(0));
          break;
        case 6:
          txn.Merge(Value(0));
          break;
        case 7:
          txn.Set(path, Value(0));
          break;
        default:
          txn.Unset(path);
          break;
      }
    }
    return txn;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  std::string Text() {
    static const char* const kPieces[] = {"a", "é",  "\"", "\\",   "/",
                                          "~", "\n", "\t", "\x01", "\x7f",
                                          "😀", " ",  "0",  "-"};
    std::string text;
    for (int i = Pick(4); i > 0; --i) text += kPieces[Pick(14)];
    return text;
  }

  std::string Pointer() {
    std::vector<std::string> tokens;
    for (int i = Pick(4); i > 0; --i) tokens.push_back(Text());
    return internal::JoinPointer(tokens, tokens.size());
  }

  Json Value(int depth) {
    switch (Pick(depth > 3 ? 6 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return Pick(2) == 1;
      case 2:
        return Pick(2000) - 1000;
      case 3:
        return static_cast<uint64_t>(rng_()) << 32 | rng_();
      case 4:
        return std::uniform_real_distribution<double>(-1e9, 1e9)(rng_);
      case 5:
        return Text();
      case 6: {
        Json array = Json::array();
        for (int i = Pick(4); i > 0; --i) array.push_back(Value(depth + 1));
        return array;
      }
      default: {
        Json object = Json::object();
        for (int i = Pick(4); i > 0; --i) object[Text()] = Value(depth + 1);
        return object;
      }
    }
  }

  std::mt19937 rng_;
};

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_RANDOM_TRANSACTIONS_H_
