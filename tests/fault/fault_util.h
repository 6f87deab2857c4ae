// tests/fault/fault_util.h
//
// What the fault tests (tests/fault/*_test.cc) share: the seed and size
// knobs read from the environment, a small deterministic random generator,
// the seeded workload whose transaction number i is the same in every
// process that asks for it, the model that says what the state after the
// first i transactions is, and the one summary line each test prints.
// Header-only: the fault_test binary is built from the *_test.cc files alone.
//
// Environment:
//   STATELOG_SEED=<n>   replays a run (every summary line prints its seed)
//   STATELOG_LONG=1     the long sizes (full bit-flip sweep, 10,000 kills)

#ifndef STATELOG_TESTS_FAULT_FAULT_UTIL_H_
#define STATELOG_TESTS_FAULT_FAULT_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "statelog/transaction.h"
#include "tests/testing/battery.h"
#include "txn/apply.h"

namespace statelog::fault {

// The seed of a test: STATELOG_SEED if set, else `fallback` (fixed, so that
// CI runs are reproducible; vary it by setting STATELOG_SEED).
inline uint64_t TestSeed(uint64_t fallback) {
  const char* text = std::getenv("STATELOG_SEED");
  uint64_t seed = 0;
  if (text != nullptr && absl::SimpleAtoi(text, &seed)) return seed;
  return fallback;
}

// Debug and sanitizer builds run the sweeps at a seeded sample of their
// default size; the summary lines say so.
using testing::kSlowBuild;
using testing::WithCommas;

inline bool LongMode() { return testing::LongRun(); }

// " [reduced: -O0 or sanitizer build]" where kSlowBuild shrinks a test.
inline std::string BuildNote() {
  return kSlowBuild && !LongMode() ? " [reduced: -O0 or sanitizer build]" : "";
}

// Prints the one summary line of a test (and records it in the XML report).
inline void PrintSummary(const std::string& line) {
  std::fprintf(stdout, "%s\n", line.c_str());
  std::fflush(stdout);
  ::testing::Test::RecordProperty("summary", line);
}

// SplitMix64: small, fast, and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }

 private:
  uint64_t state_;
};

// `size` printable bytes that depend on `tag`.
inline std::string Filler(uint64_t tag, size_t size) {
  std::string s(size, 'a');
  for (size_t i = 0; i < size; ++i) {
    s[i] = static_cast<char>('a' + (tag * 31 + i * 7) % 26);
  }
  return s;
}

// Transaction number `seq` (1, 2, ...) of the workload seeded by `seed`.
// Every transaction after the first begins with test /n == seq-1 and set
// /n = seq, so a record replayed twice, out of order or on the wrong state
// fails to apply instead of going unnoticed; the rest is a seeded mix of
// sets (some values over 4 KiB, crossing pages), unsets, merges, nested
// sets that create parents, and array appends and shifts. Every
// transaction applies to the state after the ones before it.
inline Transaction WorkloadTxn(uint64_t seed, uint64_t seq) {
  Rng rng(seed * 0x100000001B3ull + seq);
  Transaction txn;
  if (seq == 1) {
    txn.Set("/n", 1).Set("/arr", Json::array()).Set("/d", Json::object());
    return txn;
  }
  txn.Test("/n", seq - 1).Set("/n", seq);
  const int ops = 1 + static_cast<int>(rng.Uniform(3));
  for (int i = 0; i < ops; ++i) {
    const std::string key = absl::StrCat("/k", rng.Uniform(12));
    switch (rng.Uniform(6)) {
      case 0: {
        // Mostly small, sometimes a few KiB, now and then past two pages.
        size_t size = 1 + rng.Uniform(200);
        if (rng.OneIn(4)) size = 1 + rng.Uniform(6 << 10);
        if (rng.OneIn(20)) size = 8192 + rng.Uniform(2048);
        txn.Set(key, Filler(seq, size));
        break;
      }
      case 1:
        txn.Unset(key);
        break;
      case 2:
        txn.Merge({{absl::StrCat("m", rng.Uniform(6)),
                    rng.OneIn(3) ? Json(nullptr) : Json(seq)},
                   {"last_merge", seq}});
        break;
      case 3:
        txn.Set(absl::StrCat("/d/x", rng.Uniform(4), "/y", rng.Uniform(4)),
                Json{{"at", seq}, {"v", Filler(seq, rng.Uniform(64))}});
        break;
      case 4:
        txn.Add("/arr/-", seq);
        if (rng.OneIn(2)) txn.Remove("/arr/0");
        break;
      case 5:
        if (seq % 50 == 0) {
          txn.Set("/arr", Json::array());
        } else {
          txn.Add("/arr/0", Json{{"seq", seq}});
          txn.Remove("/arr/0");
        }
        break;
    }
  }
  return txn;
}

// The state after the first `seq()` transactions of a workload, advanced
// one transaction at a time (the workload never goes back).
class WorkloadModel {
 public:
  explicit WorkloadModel(uint64_t seed) : seed_(seed), state_(Json::object()) {}

  // REQUIRES: target >= seq().
  absl::Status AdvanceTo(uint64_t target) {
    while (seq_ < target) {
      absl::Status s =
          internal::ApplyTransaction(WorkloadTxn(seed_, seq_ + 1), &state_);
      if (!s.ok()) return s;
      ++seq_;
    }
    return absl::OkStatus();
  }
  uint64_t seq() const { return seq_; }
  const Json& state() const { return state_; }

 private:
  uint64_t seed_;
  uint64_t seq_ = 0;
  Json state_;
};

}  // namespace statelog::fault

#endif  // STATELOG_TESTS_FAULT_FAULT_UTIL_H_
