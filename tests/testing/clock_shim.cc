// tests/testing/clock_shim.cc
//
// See clock_shim.h. Built into the clock tests and, as a shared library, for
// LD_PRELOAD; not part of statelog_testing, which every test program links
// (CMakeLists.txt).

#include "tests/testing/clock_shim.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

std::atomic<int64_t> g_offset_ns{0};
std::atomic<int64_t> g_back_step_ns{-1};  // -1: not read from the env yet
std::atomic<int64_t> g_last_ns{0};

int64_t BackStepNanos() {
  int64_t step = g_back_step_ns.load(std::memory_order_acquire);
  if (step >= 0) return step;
  const char* env = std::getenv("STATELOG_TEST_CLOCK_BACK_MS");
  step = env == nullptr ? 0 : std::atoll(env) * 1000000;
  int64_t unset = -1;
  g_back_step_ns.compare_exchange_strong(unset, step);
  return g_back_step_ns.load(std::memory_order_acquire);
}

// The reading to report for the true wall time `now_ns`.
int64_t Moved(int64_t now_ns) {
  const int64_t step = BackStepNanos();
  if (step == 0) return now_ns + g_offset_ns.load(std::memory_order_relaxed);
  int64_t last = g_last_ns.load(std::memory_order_relaxed);
  int64_t next;
  do {
    next = (last == 0 ? now_ns : last) - step;
  } while (!g_last_ns.compare_exchange_weak(last, next));
  return next;
}

}  // namespace

// The replacement. The system call, not the vDSO: slower, but needs no
// lookup of the C library's own function.
extern "C" int clock_gettime(clockid_t clock, struct timespec* ts) {
  const long r = syscall(SYS_clock_gettime, clock, ts);
  if (r != 0 || (clock != CLOCK_REALTIME && clock != CLOCK_REALTIME_COARSE)) {
    return static_cast<int>(r);
  }
  const int64_t moved =
      Moved(static_cast<int64_t>(ts->tv_sec) * kNanosPerSecond + ts->tv_nsec);
  ts->tv_sec = static_cast<time_t>(moved / kNanosPerSecond);
  ts->tv_nsec = static_cast<long>(moved % kNanosPerSecond);
  return 0;
}

namespace statelog::testing {

void SetWallClockOffset(absl::Duration offset) {
  g_offset_ns.store(absl::ToInt64Nanoseconds(offset));
}

void SetWallClockRunningBack(absl::Duration step) {
  g_last_ns.store(0);
  g_back_step_ns.store(absl::ToInt64Nanoseconds(step));
}

}  // namespace statelog::testing
