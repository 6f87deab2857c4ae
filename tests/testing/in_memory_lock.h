// tests/testing/in_memory_lock.h
//
// The FileLock of the in-memory Envs (MemEnv, CrashEnv): holding one means
// its path is in the Env's set of locked paths; destroying it takes the
// path out again.

#ifndef STATELOG_TESTS_TESTING_IN_MEMORY_LOCK_H_
#define STATELOG_TESTS_TESTING_IN_MEMORY_LOCK_H_

#include <set>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "statelog/env.h"

namespace statelog::testing {

class InMemoryLock : public FileLock {
 public:
  // REQUIRES: `path` was inserted into `*locked` under `*mu`; both outlive
  // the lock.
  InMemoryLock(absl::Mutex* mu, std::set<std::string>* locked, std::string path)
      : mu_(mu), locked_(locked), path_(std::move(path)) {}
  ~InMemoryLock() override {
    absl::MutexLock lock(mu_);
    locked_->erase(path_);
  }

 private:
  absl::Mutex* mu_;
  std::set<std::string>* locked_;
  std::string path_;
};

}  // namespace statelog::testing

#endif  // STATELOG_TESTS_TESTING_IN_MEMORY_LOCK_H_
