// store/fork_guard.h
//
// A Store belongs to the process that opened it. After fork() the child
// has a copy of the store's object and of its descriptors, the lock's
// included (a flock is shared by every copy of its descriptor), but none
// of its threads: left to itself, a child's Apply acknowledged records
// that the parent then wrote over (lost, or a broken chain that no open
// would read past), and closing the store in the child ended it with
// std::terminate while joining threads that are not there. The guard
// tells a child apart without a system call per check: a pthread_atfork
// handler counts the forks, and a store remembers the count it was
// opened at.

#ifndef STATELOG_STORE_FORK_GUARD_H_
#define STATELOG_STORE_FORK_GUARD_H_

#include <sys/types.h>

#include <cstdint>

#include "absl/status/status.h"

namespace statelog::internal {

class ForkGuard {
 public:
  // Registers the fork counter (once per process) and takes the count now.
  ForkGuard();

  // Whether this process was forked from the one that made the guard.
  bool Forked() const;
  // FailedPrecondition for a call to `method` in such a child.
  absl::Status ForkedError(const char* method) const;

 private:
  uint64_t forks_at_open_;
  pid_t opener_;
};

}  // namespace statelog::internal

#endif  // STATELOG_STORE_FORK_GUARD_H_
