// tests/testing/clock_shim.h
//
// A wall clock that tests can step. clock_shim.cc replaces clock_gettime()
// for the programs it is built into (tests/clock/) and for any program
// started with it in LD_PRELOAD (the shared library statelog_clock_shim):
// readings of CLOCK_REALTIME, which absl::Now() and std::system_clock take,
// are moved as set here, while CLOCK_MONOTONIC and the kernel's own clocks
// are left alone. So a test sees what a step of the system clock (NTP,
// `date -s`, a resumed VM) does to code that computes with wall time.
//
// A program started with the shared library reads its setting from the
// environment once: STATELOG_TEST_CLOCK_BACK_MS=N makes every reading N
// milliseconds earlier than the one before.

#ifndef STATELOG_TESTS_TESTING_CLOCK_SHIM_H_
#define STATELOG_TESTS_TESTING_CLOCK_SHIM_H_

#include "absl/time/time.h"

namespace statelog::testing {

// From now on the wall clock reads `offset` later than it is (earlier if
// negative): one step, as `date -s` makes.
void SetWallClockOffset(absl::Duration offset);

// While `step` is positive, every reading of the wall clock is `step`
// earlier than the one before: a clock that only ever goes back. Zero
// turns it off (the offset set last applies again).
void SetWallClockRunningBack(absl::Duration step);

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_CLOCK_SHIM_H_
