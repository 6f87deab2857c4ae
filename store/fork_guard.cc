// store/fork_guard.cc

#include "store/fork_guard.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace statelog::internal {
namespace {

// Forks made by this process and its ancestors since the first store was
// opened: a child inherits the count and adds one.
std::atomic<uint64_t> g_forks{0};

void CountFork() { g_forks.fetch_add(1, std::memory_order_relaxed); }

uint64_t Forks() {
  static std::once_flag registered;
  std::call_once(registered,
                 [] { ::pthread_atfork(nullptr, nullptr, CountFork); });
  return g_forks.load(std::memory_order_relaxed);
}

}  // namespace

ForkGuard::ForkGuard() : forks_at_open_(Forks()), opener_(::getpid()) {}

bool ForkGuard::Forked() const {
  return g_forks.load(std::memory_order_relaxed) != forks_at_open_;
}

absl::Status ForkGuard::ForkedError(const char* method) const {
  return absl::FailedPreconditionError(absl::StrCat(
      "Store::", method,
      " in a process forked from the one that opened the "
      "store (pid ",
      opener_,
      "): a store belongs to the process that "
      "opened it. Open it again in this process (once the other has closed "
      "it: one writer at a time), or open it before forking only in the "
      "process that uses it"));
}

}  // namespace statelog::internal
