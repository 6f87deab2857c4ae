// tests/testing/battery.h
//
// Knobs and output shared by the crash and fault tests: the seed (from
// STATELOG_SEED, else a fixed default, so CI runs are reproducible), the
// long mode (STATELOG_LONG=1), and the one summary line each test prints.

#ifndef STATELOG_TESTS_TESTING_BATTERY_H_
#define STATELOG_TESTS_TESTING_BATTERY_H_

#include <malloc.h>

#include <cstdint>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/testing/oracle.h"

namespace statelog::testing {

inline constexpr uint64_t kDefaultBatterySeed = 20261125;

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STATELOG_BATTERY_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STATELOG_BATTERY_SANITIZED 1
#endif

// Debug and sanitizer builds (CI's ASan+UBSan build is both) run recovery
// some 30 times slower; the tests then check fewer workloads the same way.
#if defined(STATELOG_BATTERY_SANITIZED) || !defined(NDEBUG)
inline constexpr bool kSlowBuild = true;
#else
inline constexpr bool kSlowBuild = false;
#endif

// The crash tests build and drop thousands of small stores; without this,
// glibc hands the top of the heap back to the kernel after each one and
// faults it in again, which costs a third of the run time.
inline void KeepHeapAcrossStores() {
  static const bool done = [] {
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    return true;
  }();
  (void)done;
}

inline uint64_t BatterySeed() {
  const char* s = std::getenv("STATELOG_SEED");
  uint64_t seed = kDefaultBatterySeed;
  if (s != nullptr && *s != '\0' && !absl::SimpleAtoi(s, &seed)) {
    seed = kDefaultBatterySeed;
  }
  return seed;
}

inline bool LongRun() {
  const char* s = std::getenv("STATELOG_LONG");
  return s != nullptr && std::string(s) == "1";
}

// STATELOG_ONLY=<n>: run only workload (or case) number n, to replay one.
inline std::optional<uint64_t> OnlyCase() {
  const char* s = std::getenv("STATELOG_ONLY");
  uint64_t n = 0;
  if (s == nullptr || !absl::SimpleAtoi(s, &n)) return std::nullopt;
  return n;
}

// 183220 -> "183,220".
inline std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Prints "<name>: <figures>, <violation counts>, seed=<seed> (<time>)" on
// one line (also recorded as the test's "summary" property in the XML
// report), after the kept examples if there are violations.
inline void PrintSummary(const std::string& name, const std::string& figures,
                         const Findings& findings, uint64_t seed,
                         absl::Time start) {
  for (const std::string& example : findings.examples()) {
    std::cout << example << "\n\n";
  }
  std::ostringstream line;
  line << name << ": " << figures << ", " << findings.Counts()
       << ", seed=" << seed << (LongRun() ? " (long)" : "")
       << (kSlowBuild && !LongRun() ? " (reduced for a debug/sanitizer build)"
                                    : "")
       << " (" << std::fixed << std::setprecision(1)
       << absl::ToDoubleSeconds(absl::Now() - start) << " s)";
  std::cout << line.str() << std::endl;
  ::testing::Test::RecordProperty("summary", line.str());
}

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_BATTERY_H_
