// cli/demo_crash.h
//
// One crash of the demo: start the checkpointing child process, let it run,
// SIGKILL it, and report what it had attempted and what had been
// acknowledged to it.

#ifndef STATELOG_CLI_DEMO_CRASH_H_
#define STATELOG_CLI_DEMO_CRASH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace statelog::cli {

struct CrashPlan {
  std::string dir;            // an existing store
  absl::Duration kill_after;  // measured from the child's "ready"
  uint64_t compact_after_records = 5000;
};

struct CrashOutcome {
  uint64_t start_seq = 0;        // the store's last seq when the child began
  uint64_t highest_attempt = 0;  // highest seq passed to Apply (>= start_seq)
  uint64_t highest_ack = 0;      // highest seq Apply returned (>= start_seq)
  absl::Duration checkpointing;  // from "ready" to the kill

  uint64_t acked() const { return highest_ack - start_seq; }
};

// Re-executes this program (/proc/self/exe) as `__demo-child`, reads its
// reports until `plan.kill_after` after it is ready, kills it with SIGKILL
// and reaps it. Errors: Internal if the child cannot be started, exits on
// its own, or is not ready within 30 seconds.
[[nodiscard]] absl::StatusOr<CrashOutcome> RunCrash(const CrashPlan& plan);

}  // namespace statelog::cli

#endif  // STATELOG_CLI_DEMO_CRASH_H_
