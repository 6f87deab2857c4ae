// cli/demo_workload.h
//
// The agent the demo checkpoints: transaction number `step` is a pure
// function of `step`, so the demo can recompute in memory the exact state a
// store must hold after any number of steps and compare it with what
// recovery produced.

#ifndef STATELOG_CLI_DEMO_WORKLOAD_H_
#define STATELOG_CLI_DEMO_WORKLOAD_H_

#include <cstdint>

#include "absl/status/status.h"
#include "statelog/transaction.h"

namespace statelog::cli {

// How many memory entries the agent keeps; older ones are dropped.
inline constexpr uint64_t kDemoMemoryEntries = 16;

// The checkpoint taken at `step` (1, 2, ...), valid on the state left by
// steps 1..step-1 (starting from {}): it tests /step == step-1, sets /step
// and /agent/progress, appends to the bounded /agent/memory list, and every
// tenth step merges a patch into /stats.
// REQUIRES: step >= 1.
Transaction DemoStep(uint64_t step);

// The state after steps 1..seq(), computed in memory.
class DemoModel {
 public:
  const Json& state() const { return state_; }
  uint64_t seq() const { return seq_; }

  // Applies steps seq()+1..`seq`. If `seq` < seq(), starts over from {}.
  [[nodiscard]] absl::Status AdvanceTo(uint64_t seq);

 private:
  Json state_ = Json::object();
  uint64_t seq_ = 0;
};

}  // namespace statelog::cli

#endif  // STATELOG_CLI_DEMO_WORKLOAD_H_
