// util/kill_point.cc

#include "util/kill_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "absl/base/call_once.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"

namespace statelog::internal {
namespace {

// Set while a point is armed: the fast path reads only this.
std::atomic<bool> armed{false};

struct Armed {
  absl::Mutex mu;
  std::string name ABSL_GUARDED_BY(mu);
  uint64_t occurrence ABSL_GUARDED_BY(mu) = 0;
  uint64_t hits ABSL_GUARDED_BY(mu) = 0;
};

Armed& State() {
  static Armed* state = new Armed;
  return *state;
}

void ArmFromEnvironment() {
  const char* spec = std::getenv("STATELOG_TEST_KILL_POINT");
  if (spec == nullptr) return;
  const char* colon = std::strrchr(spec, ':');
  uint64_t occurrence = 1;
  if (colon == nullptr || !absl::SimpleAtoi(colon + 1, &occurrence)) {
    colon = spec + std::strlen(spec);
    occurrence = 1;
  }
  ArmKillPoint(std::string(spec, colon), occurrence);
}

absl::once_flag environment_read;

}  // namespace

void ArmKillPoint(const std::string& name, uint64_t occurrence) {
  Armed& s = State();
  absl::MutexLock lock(&s.mu);
  s.name = name;
  s.occurrence = occurrence;
  s.hits = 0;
  armed.store(!name.empty() && occurrence > 0, std::memory_order_relaxed);
}

uint64_t KillPointHits(const std::string& name) {
  Armed& s = State();
  absl::MutexLock lock(&s.mu);
  return s.name == name ? s.hits : 0;
}

void KillPoint(const char* name) {
  absl::call_once(environment_read, ArmFromEnvironment);
  if (!armed.load(std::memory_order_relaxed)) return;
  Armed& s = State();
  absl::MutexLock lock(&s.mu);
  if (s.name != name) return;
  if (++s.hits == s.occurrence) {
    // SIGKILL cannot be caught: nothing of this process runs after it.
    kill(getpid(), SIGKILL);
    pause();
  }
}

}  // namespace statelog::internal
