// fuzz/fuzz_check.h
//
// What every fuzz target shares: the check that stops a run with a clear
// message when a property fails, and the guard that turns an exception
// escaping the library (nlohmann/json throws; statelog must not let it out)
// into such a failure. A failed check aborts, which libFuzzer reports as a
// crash and the replay program (fuzz/replay_main.cc) counts as a failure.

#ifndef STATELOG_FUZZ_FUZZ_CHECK_H_
#define STATELOG_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "absl/strings/str_cat.h"

namespace statelog::fuzz {

[[noreturn]] inline void CheckFailed(const char* file, int line,
                                     const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", file, line,
               what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs one fuzz input. An exception that reaches here escaped statelog.
template <typename Fn>
int Guarded(Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    CheckFailed(__FILE__, __LINE__,
                absl::StrCat("exception escaped statelog: ", e.what()));
  } catch (...) {
    CheckFailed(__FILE__, __LINE__, "non-standard exception escaped statelog");
  }
  return 0;
}

}  // namespace statelog::fuzz

// Aborts with the condition and the message pieces (absl::StrCat arguments)
// when `cond` is false.
#define STATELOG_FUZZ_CHECK(cond, ...)                                         \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ::statelog::fuzz::CheckFailed(__FILE__, __LINE__,                        \
                                    ::absl::StrCat(#cond, ": ", __VA_ARGS__)); \
    }                                                                          \
  } while (0)

#endif  // STATELOG_FUZZ_FUZZ_CHECK_H_
