// util/kill_point.h
//
// Named kill points: places in the library where a crash test can make the
// process die (SIGKILL, no cleanup) exactly between two steps whose order
// matters, such as after a journal write and before its fdatasync. Every
// point is listed in docs/testing.md ("Named kill points").
//
// Disarmed (the normal case), a kill point costs one relaxed atomic load.
// A test arms one point at a time, either in a forked child with
// ArmKillPoint, or for a whole process through the environment variable
// STATELOG_TEST_KILL_POINT=<name>:<occurrence>, read once at the first
// kill point reached.

#ifndef STATELOG_UTIL_KILL_POINT_H_
#define STATELOG_UTIL_KILL_POINT_H_

#include <cstdint>
#include <string>

namespace statelog::internal {

// The process raises SIGKILL the `occurrence`-th time (counting from 1) it
// reaches kill point `name` from now on. Replaces any point armed before;
// an empty name disarms. Thread-safe.
void ArmKillPoint(const std::string& name, uint64_t occurrence);

// How many times kill point `name` has been reached since it was armed
// (0 if another point, or none, is armed).
uint64_t KillPointHits(const std::string& name);

// A kill point. `name` must be a string literal.
void KillPoint(const char* name);

}  // namespace statelog::internal

#endif  // STATELOG_UTIL_KILL_POINT_H_
